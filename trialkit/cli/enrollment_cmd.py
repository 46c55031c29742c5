"""``enrollment import``, ``export`` and ``summary`` (contracts §4–5, §8: CSV log or CDISC SDTM)."""
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
    if args.sdtm and (args.participants or args.sites):
        raise UsageError("give either --sdtm DIR or --participants and --sites, not both")
    if not args.sdtm and not (args.participants and args.sites):
        raise UsageError("give --participants P.csv and --sites S.csv (or --sdtm DIR)")
    if not args.sdtm and (args.arm_map or args.ie_map):
        raise UsageError("--arm-map and --ie-map go with --sdtm DIR")
    for f in (args.participants, args.sites):
        if f and not Path(f).is_file():
            raise UsageError(f"{f}: no such file")
    if args.sdtm and not Path(args.sdtm).is_dir():
        raise UsageError(f"{args.sdtm}: no such folder")
    engine = _engine(args)
    user = args.user or f"cli:{getpass.getuser()}"
    if args.sdtm:
        from trialkit.enrollment.sdtm import import_sdtm, read_folder

        report = import_sdtm(engine, trial.nct_id, read_folder(args.sdtm), user=user, trial=trial,
                             arm_map=args.arm_map, ie_map=args.ie_map, replace_demo=args.replace_demo,
                             source=str(Path(args.sdtm).resolve()))
    else:
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


def cmd_export(args) -> int:
    from trialkit.enrollment.sdtm import export_sdtm

    trial = resolve_trial(args.trial)
    written = export_sdtm(_engine(args), trial, args.sdtm)
    if args.json:
        print_json({"nct_id": trial.nct_id, "files": [str(p) for p in written]})
    else:
        print(f"Wrote {len(written)} file(s) to {args.sdtm}: {', '.join(p.name for p in written)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("enrollment", help="the enrollment log: import, export, summary")
    esub = p.add_subparsers(dest="enrollment_command", required=True, parser_class=type(p))
    common_db = dict(metavar="URL", help="SQLAlchemy database URL (default: TRIALKIT_DB_URL or data/trialkit.db)")

    imp = esub.add_parser("import", help="import participants.csv + sites.csv (all or nothing)")
    imp.add_argument("trial", metavar="NCTID")
    imp.add_argument("--participants", metavar="P.csv")
    imp.add_argument("--sites", metavar="S.csv")
    imp.add_argument("--sdtm", metavar="DIR", help="a folder of CDISC SDTM domains (DM, DS; SE, SV, IE, TI, TA when "
                                                   "present) as .xpt or .csv, instead of the two CSV files")
    imp.add_argument("--arm-map", action="append", metavar="SDTM ARM=arm group label", default=[],
                     help="map an SDTM planned ARM (or ARMCD) to one of the trial's arm group labels (repeatable)")
    imp.add_argument("--ie-map", action="append", metavar="IETESTCD=criterion id", default=[],
                     help="map an IE/TI IETESTCD to one of the trial's criterion ids, e.g. EXCL16=E8 (repeatable)")
    imp.add_argument("--db", **common_db)
    imp.add_argument("--user", help="name recorded in the audit trail (default: cli:<login name>)")
    imp.add_argument("--replace-demo", action="store_true",
                     help="replace the trial's simulated demo data with this real log")
    imp.add_argument("--json", action="store_true", help="print the import report as JSON")
    imp.set_defaults(func=cmd_import)

    ex = esub.add_parser("export", help="write the log as CDISC SDTM DM, DS and IE (XPT v5 and CSV)")
    ex.add_argument("trial", metavar="NCTID")
    ex.add_argument("--sdtm", required=True, metavar="DIR", help="folder to write (created if missing)")
    ex.add_argument("--db", **common_db)
    ex.add_argument("--json", action="store_true", help="print the files written as JSON")
    ex.set_defaults(func=cmd_export)

    s = esub.add_parser("summary", help="counts, KPIs and the CONSORT block (contracts §5)")
    s.add_argument("trial", metavar="NCTID")
    s.add_argument("--db", **common_db)
    s.add_argument("--json", action="store_true", help="print JSON (contracts §5)")
    s.set_defaults(func=cmd_summary)
