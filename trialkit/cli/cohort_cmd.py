"""``cohort``: how many of a cohort each criterion excludes, and what moving a bound would change
(contracts §4)."""
from __future__ import annotations

import sys

from trialkit.cli import UsageError, print_json, resolve_trial
from trialkit.csv_export import write_csv


def _overrides(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or "." not in key or key.rsplit(".", 1)[1] not in {"min", "max"}:
            raise UsageError(f"--override {item!r}: write FIELD.min=VALUE or FIELD.max=VALUE (e.g. bmi.max=30)")
        try:
            out[key] = float(value)
        except ValueError:
            raise UsageError(f"--override {item!r}: {value!r} is not a number") from None
    return out


def cmd_cohort(args) -> int:
    from trialkit.cohort.pipeline import run

    if args.fhir and (args.cohort or args.n is not None or args.seed is not None):  # FHIR (issue 14)
        raise UsageError("give --fhir PATH alone, without --cohort or --n/--seed")
    if args.cohort and (args.n is not None or args.seed is not None):
        raise UsageError("give either --cohort FILE.csv or --n N --seed S, not both")
    if not args.cohort and not args.fhir and (args.n is None or args.seed is None):
        raise UsageError("give --n N --seed S (simulated cohort) or --cohort FILE.csv")
    if args.n is not None and args.n < 1:
        raise UsageError(f"--n must be at least 1, got {args.n}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be a non-negative whole number, got {args.seed}")
    trial = resolve_trial(args.trial)
    source = ("file", args.cohort, args.cohort) if args.cohort else ("simulate", args.n, args.seed)
    if args.fhir:
        from trialkit.fhir.cli import fhir_source
        source = fhir_source(args)
    result = run(trial, source, _overrides(args.override), assume_judgment=args.assume_judgment)
    s = result.summary
    if args.out:
        table = result.results()
        if result.cohort.simulated or "synthetic" in result.cohort.label:  # e.g. Synthea FHIR patients
            table.insert(0, "cohort", result.cohort.label)
        write_csv(table, args.out)
    if args.json:
        out = s.to_json()
        if result.assumption:
            out["assumption"] = result.assumption
        print_json(out)
    else:
        print(f"{trial.nct_id} — {result.cohort.provenance}")
        if result.assumption:
            print(f"ASSUMPTION: {result.assumption} (every count below is an upper bound)")
        print(f"n={s.n:,}  eligible={s.eligible:,}  needs review={s.needs_review:,}  ineligible={s.ineligible:,}")
        print(f"{'criterion':>9}  {'remaining':>10}  {'sole':>8}  {'shapley':>10}")
        for f in s.funnel:
            print(f"{f['id']:>9}  {f['remaining']:>10,}  {s.sole_exclusions[f['id']]:>8,}  "
                  f"{s.shapley[f['id']]:>10,.1f}")
        assumed = result.assumed or {}
        for fld, why in result.cohort.missing_fields.items():
            if fld in assumed:
                why += f"; assumed {'yes' if assumed[fld] else 'no'} for everyone (optimistic upper bound)"
            sys.stderr.write(f"note: {fld}: {why}\n")
    return 0


def register(sub) -> None:
    p = sub.add_parser("cohort", help="funnel, sole exclusions and Shapley shares over a cohort")
    p.add_argument("trial", metavar="NCTID|FILE.json")
    p.add_argument("--n", type=int, help="simulated cohort size")
    p.add_argument("--seed", type=int, help="seed of the simulated cohort (same seed, same cohort)")
    p.add_argument("--cohort", metavar="FILE.csv", help="your cohort: one column per candidate field")
    p.add_argument("--override", action="append", metavar="FIELD.min=V|FIELD.max=V",
                   help="move a numeric bound (repeatable)")
    p.add_argument("--assume-judgment", choices=["none", "favourable"], default="none",
                   help="favourable: treat every clinician's-judgment question as answered in the patient's "
                        "favour (an optimistic upper bound on eligibility; the output says so). Default: none "
                        "(judgments stay unknown, so those criteria say 'needs review')")
    p.add_argument("--fhir", metavar="PATH", help="a FHIR R4 Bundle (.json) or a Bulk Data export folder (NDJSON)")
    p.add_argument("--index-date", metavar="YYYY-MM-DD",
                   help="ages and latest values are taken at this date (default: today)")
    p.add_argument("--out", metavar="FILE.csv", help="write one row per patient with status and criteria")
    p.add_argument("--json", action="store_true", help="print JSON (contracts §4)")
    p.set_defaults(func=cmd_cohort)
