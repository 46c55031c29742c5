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


def _index_date(text):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--index-date {text!r}: write YYYY-MM-DD") from None


def _sources(args) -> list[str]:
    """The cohort sources given (each one kind; add a new one here and in :data:`SOURCE_COMMANDS`)."""
    given = []
    if args.cohort:
        given.append("--cohort")
    if args.n is not None or args.seed is not None:
        given.append("--n/--seed")
    if getattr(args, "omop", None):
        given.append("--omop")
    if getattr(args, "fhir", None):
        given.append("--fhir")
    return given


def cmd_omop(args, trial) -> int:
    """``cohort NCTID --omop SOURCE``: criteria evaluated inside an OMOP CDM database (contracts §6)."""
    from trialkit.criteria.ruleset import apply_overrides, load_ruleset
    from trialkit.omop.scan import scan
    from trialkit.omop.synthetic import ensure_default, INDEX_DATE

    source, index_date = args.omop, _index_date(args.index_date)
    if source == "synthetic":  # the embedded default: trialkit's own SYNTHETIC OMOP database
        source = "duckdb:///" + str(ensure_default())
        index_date = index_date or INDEX_DATE
    ruleset = load_ruleset(trial)
    overrides = _overrides(args.override)
    if overrides:
        ruleset = apply_overrides(ruleset, overrides)

    def progress(step, total, text):
        if not args.json:
            sys.stderr.write(f"[{step}/{total}] {text}\n")

    result = scan(ruleset, source, cdm_schema=args.cdm_schema, index_date=index_date,
                  assume_judgment=args.assume_judgment, progress=progress)
    s = result.summary
    if args.out:
        table = result.results()
        if result.synthetic:
            table.insert(0, "cohort", result.label)
        write_csv(table, args.out)
    if args.json:
        out = s.to_json()
        if result.assumed:
            from trialkit.criteria.judgment import FAVOURABLE_LABEL

            out["assumption"] = FAVOURABLE_LABEL
        print_json(out)
    else:
        print(f"{trial.nct_id} — {result.label}, index date {result.index_date}")
        print(f"n={s.n:,}  eligible={s.eligible:,}  needs review={s.needs_review:,}  ineligible={s.ineligible:,}")
        for f in s.funnel:
            print(f"{f['id']:>9}  {f['remaining']:>10,}  {s.sole_exclusions[f['id']]:>8,}  "
                  f"{s.shapley[f['id']]:>10,.1f}")
        for note in result.notes():
            sys.stderr.write(f"note: {note}\n")
    return 0


def cmd_cohort(args) -> int:
    from trialkit.cohort.pipeline import run

    given = _sources(args)
    if len(given) > 1:
        raise UsageError(f"give one cohort source, not {' and '.join(given)}")
    if getattr(args, "omop", None):
        return cmd_omop(args, resolve_trial(args.trial))
    if args.cdm_schema:
        raise UsageError("--cdm-schema goes with --omop SOURCE")
    if args.index_date and not args.fhir:
        raise UsageError("--index-date goes with --omop SOURCE or --fhir PATH")
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
    p.add_argument("--omop", metavar="SOURCE",
                   help="an OMOP CDM database: duckdb:///file.duckdb, a PostgreSQL URL, a folder of OMOP parquet "
                        "files (spark:FOLDER reads it with Spark in local mode), or 'synthetic' (trialkit's seeded "
                        "SYNTHETIC OMOP database, written on first use)")
    p.add_argument("--cdm-schema", metavar="NAME", help="schema of the CDM tables (with --omop)")
    p.add_argument("--index-date", metavar="YYYY-MM-DD",
                   help="date the criteria are evaluated at: ages and latest values are taken then (with --omop "
                        "or --fhir; default today)")
    p.add_argument("--override", action="append", metavar="FIELD.min=V|FIELD.max=V",
                   help="move a numeric bound (repeatable)")
    p.add_argument("--assume-judgment", choices=["none", "favourable"], default="none",
                   help="favourable: treat every clinician's-judgment question as answered in the patient's "
                        "favour (an optimistic upper bound on eligibility; the output says so). Default: none "
                        "(judgments stay unknown, so those criteria say 'needs review')")
    p.add_argument("--fhir", metavar="PATH", help="a FHIR R4 Bundle (.json) or a Bulk Data export folder (NDJSON)")
    p.add_argument("--out", metavar="FILE.csv", help="write one row per patient with status and criteria")
    p.add_argument("--json", action="store_true", help="print JSON (contracts §4)")
    p.set_defaults(func=cmd_cohort)
