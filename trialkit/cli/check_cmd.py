"""``check``: one candidate against a trial's criteria (contracts §4).

    python -m trialkit check NCT07176143 --set age=39 --set "fsh=10.4 mIU/mL" --set pregnant=no --json
    python -m trialkit check NCT07176143 --set judgment.E17=no --set judgment.I1=yes   # a clinician's answers
    python -m trialkit check NCT07176143 --fhir patient.json --index-date 2020-06-23 --json   # a FHIR R4 Bundle

Prints ``{"trial", "status", "criteria": [{"id", "kind", "status", "reason"}, …]}``; exit 0 whatever the
verdict, exit 2 with one line on stderr for an unknown field, a unit that does not fit, a bad value, or a
``judgment.<ID>`` key for a criterion the trial does not have or that has no judgment rule.

``--fhir BUNDLE.json`` fills the candidate from one patient's FHIR R4 Bundle (trialkit/fhir/patient.py: age at
``--index-date``, default today; the latest value within ``--lookback-days``, default 365); ``--set`` values are
added and win over the bundle's. The JSON then also has ``"fhir": {"patient_id", "index_date", "synthetic",
"values", "evidence", "unusable", "notes"}``; a malformed bundle exits 2 naming the entry and field.
"""
from __future__ import annotations

from trialkit.cli import UsageError, print_json, resolve_trial
from trialkit.criteria.evaluate import UI_WORDS, evaluate_candidate, nearest_changes, parse_candidate
from trialkit.criteria.ruleset import load_ruleset


def _pairs(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise UsageError(f"--set {item!r}: write FIELD=VALUE (e.g. --set age=39)")
        if name.strip() in out:
            raise UsageError(f"--set {name.strip()}: given twice")
        out[name.strip()] = value.strip()
    return out


def _fhir_candidate(args):
    from trialkit.fhir.cli import index_date
    from trialkit.fhir.patient import candidate_from_bundle
    from trialkit.fhir.resources import read_bundle

    if args.lookback_days < 1:
        raise UsageError(f"--lookback-days must be at least 1, got {args.lookback_days}")
    return candidate_from_bundle(read_bundle(args.fhir), index_date=index_date(args),
                                 lookback_days=args.lookback_days)


def cmd_check(args) -> int:
    trial = resolve_trial(args.trial)
    ruleset = load_ruleset(trial)
    candidate = parse_candidate(_pairs(args.set), ruleset)
    fhir = None
    if args.fhir:
        fhir = _fhir_candidate(args)
        candidate = {**fhir.values, **candidate}
    result = evaluate_candidate(ruleset, candidate)
    if args.json:
        out = result.to_json(trial.nct_id)
        if fhir is not None:
            out["fhir"] = {"patient_id": fhir.patient_id, "source": fhir.source,
                           "index_date": fhir.index_date.isoformat(), "synthetic": fhir.synthetic,
                           "values": fhir.values, "evidence": fhir.evidence, "unusable": fhir.unusable,
                           "notes": fhir.notes}
        print_json(out)
        return 0
    if fhir is not None:
        print(fhir.label)
        for line in fhir.unusable:
            print(f"  not used: {line}")
    print(f"{trial.nct_id}: {UI_WORDS[result.status]}")
    print(f"rules: {ruleset.source}; {ruleset.executable_count} of {ruleset.total} criteria executable")
    for c in result.criteria:
        print(f"  {c.id:>4}  {c.status:<7}  {c.reason}")
    changes = nearest_changes(ruleset, candidate, result)
    if changes:
        print("what would change this:")
        for s in changes:
            print(f"  - {s.text}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("check", help="check one candidate against a trial's criteria")
    p.add_argument("trial", help="NCT id from the catalog, or an API v2 study JSON file")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="a candidate value, e.g. age=39, 'hemoglobin=9.8 g/dL', pregnant=no, hpv_types=16,52; "
                        "a clinician's answer to a criterion's judgment question: judgment.E17=no "
                        "(yes = the condition holds: an exclusion applies, an inclusion is met)")
    p.add_argument("--fhir", metavar="BUNDLE.json", help="fill the candidate from one patient's FHIR R4 Bundle")
    p.add_argument("--index-date", metavar="YYYY-MM-DD",
                   help="with --fhir: age and the latest values are taken at this date (default: today)")
    p.add_argument("--lookback-days", type=int, default=365,
                   help="with --fhir: how far back a measured value may be (default 365 days)")
    p.add_argument("--json", action="store_true", help="print JSON (contracts §4)")
    p.set_defaults(func=cmd_check)
