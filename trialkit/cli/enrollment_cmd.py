"""``enrollment import`` and ``enrollment summary`` (contracts §4–5)."""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

from trialkit.cli import UsageError, print_json, resolve_trial


def _engine(args):
    from trialkit.db import get_engine, init_db

    engine = get_engine(args.db)
    init_db(engine)
    return engine


def cmd_import(args) -> int:
    from trialkit.enrollment.storage import import_log

    trial = resolve_trial(args.trial)
    for f in (args.participants, args.sites):
        if not Path(f).is_file():
            raise UsageError(f"{f}: no such file")
    engine = _engine(args)
    user = args.user or f"cli:{getpass.getuser()}"
    report = import_log(engine, trial.nct_id, Path(args.participants), Path(args.sites), user=user, trial=trial,
                        replace_demo=args.replace_demo)
    for note in report.notes:
        sys.stderr.write(f"note: {note}\n")
    if args.json:
        print_json({"nct_id": report.nct_id, "participants": report.participants, "sites": report.sites,
                    "replaced": report.replaced, "added": report.added, "changed": report.changed,
                    "removed": report.removed, "notes": report.notes})
    else:
        print(report.line())
    return 0


def cmd_summary(args) -> int:
    from trialkit.enrollment.metrics import summarize
    from trialkit.enrollment.storage import DEMO_LABEL, open_database, read_log

    trial = resolve_trial(args.trial)
    log = read_log(open_database(args.db), trial.nct_id)
    summary = summarize(log.participants, log.sites, trial, source=log.source)
    if log.source == "demo":
        summary["data_label"] = DEMO_LABEL
    if args.json:
        print_json(summary)
    else:
        if log.source is None:
            print(f"{trial.nct_id}: no enrollment log in this database")
            return 0
        head = f"{trial.nct_id} ({DEMO_LABEL})" if log.source == "demo" else trial.nct_id
        k = summary["kpis"]
        print(head)
        print(f"  screened {summary['screened']}; in screening {summary['in_screening']}; "
              f"screen-failed {summary['screen_failed']}; declined {summary['declined']}; "
              f"eligible not enrolled {summary['eligible_not_enrolled']}")
        tgt = k["enrolled_of_target"]
        print(f"  enrolled {summary['enrolled']}" + (f" / {tgt['denominator']}" if tgt["denominator"] else "")
              + f"; discontinued {summary['discontinued']}")
        for arm, n in summary["by_arm"].items():
            print(f"    {arm}: {n}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("enrollment", help="the enrollment log: import, summary")
    esub = p.add_subparsers(dest="enrollment_command", required=True, parser_class=type(p))
    common_db = dict(metavar="URL", help="SQLAlchemy database URL (default: TRIALKIT_DB_URL or data/trialkit.db)")

    imp = esub.add_parser("import", help="import participants.csv + sites.csv (all or nothing)")
    imp.add_argument("trial", metavar="NCTID")
    imp.add_argument("--participants", required=True, metavar="P.csv")
    imp.add_argument("--sites", required=True, metavar="S.csv")
    imp.add_argument("--db", **common_db)
    imp.add_argument("--user", help="name recorded in the audit trail (default: cli:<login name>)")
    imp.add_argument("--replace-demo", action="store_true",
                     help="replace the trial's simulated demo data with this real log")
    imp.add_argument("--json", action="store_true", help="print the import report as JSON")
    imp.set_defaults(func=cmd_import)

    s = esub.add_parser("summary", help="counts, KPIs and the CONSORT block (contracts §5)")
    s.add_argument("trial", metavar="NCTID")
    s.add_argument("--db", **common_db)
    s.add_argument("--json", action="store_true", help="print JSON (contracts §5)")
    s.set_defaults(func=cmd_summary)
