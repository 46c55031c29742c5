"""``list`` and ``show``: the trials the app offers, and one trial as the app understands it."""
from __future__ import annotations

import sys

from trialkit.catalog import default_catalog, trial_summary
from trialkit.cli import print_json, resolve_trial


def cmd_list(args) -> int:
    scan = default_catalog().scan()
    for p in scan.problems:
        sys.stderr.write(f"skipped: {p.message}\n")
    if args.json:
        print_json([{"nct_id": e.nct_id, "title": e.title, "status": e.overall_status, "origin": e.origin}
                    for e in scan.entries])
    else:
        for e in scan.entries:
            print(f"{e.nct_id}\t{e.overall_status or 'status not stated'}\t{e.title}")
    return 0


def cmd_show(args) -> int:
    trial = resolve_trial(args.trial)
    summary = trial_summary(trial)
    if args.json:
        print_json(summary)
    else:
        print(f"{summary['nct_id']}: {summary['title']}")
        print(f"status: {summary['status'] or 'not stated'}; sponsor: {summary['sponsor'] or 'not stated'}")
        for c in summary["criteria"]:
            print(f"  {c['id']:>4}  {c['text'].splitlines()[0] if c['text'] else ''}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("list", help="the trials the app would offer")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("show", help="one trial as the app understands it")
    p.add_argument("trial", metavar="NCTID|FILE.json")
    p.add_argument("--json", action="store_true", help="print JSON (contracts §4)")
    p.set_defaults(func=cmd_show)
