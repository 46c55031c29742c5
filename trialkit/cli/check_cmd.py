"""``check``: one candidate against a trial's criteria (contracts §4).

    python -m trialkit check NCT07176143 --set age=39 --set "fsh=10.4 mIU/mL" --set pregnant=no --json
    python -m trialkit check NCT07176143 --set judgment.E17=no --set judgment.I1=yes   # a clinician's answers

Prints ``{"trial", "status", "criteria": [{"id", "kind", "status", "reason"}, …]}``; exit 0 whatever the
verdict, exit 2 with one line on stderr for an unknown field, a unit that does not fit, a bad value, or a
``judgment.<ID>`` key for a criterion the trial does not have or that has no judgment rule.
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


def cmd_check(args) -> int:
    trial = resolve_trial(args.trial)
    ruleset = load_ruleset(trial)
    candidate = parse_candidate(_pairs(args.set), ruleset)
    result = evaluate_candidate(ruleset, candidate)
    if args.json:
        print_json(result.to_json(trial.nct_id))
        return 0
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
    p.add_argument("--json", action="store_true", help="print JSON (contracts §4)")
    p.set_defaults(func=cmd_check)
