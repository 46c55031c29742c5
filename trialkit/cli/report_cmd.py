"""``report NCTID --out FILE.html [--demo] [--as-of DATE] [--no-forecast] [--notes-of AUTHOR] [--db URL]``:
the ethics-committee report as one self-contained HTML file (contracts §4)."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from trialkit.cli import UsageError, resolve_trial
from trialkit.i18n import DEFAULT_LANGUAGE, LANGUAGES


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date (YYYY-MM-DD)") from None


def cmd_report(args) -> int:
    from trialkit.enrollment.storage import open_database
    from trialkit.report import write_report

    out = Path(args.out)
    if out.suffix.lower() not in {".html", ".htm"}:
        raise UsageError(f"--out {args.out!r}: the report is HTML; give a file name ending in .html")
    if not out.parent.exists():
        raise UsageError(f"--out {args.out!r}: folder {str(out.parent)!r} does not exist")
    if out.exists() and out.is_dir():
        raise UsageError(f"--out {args.out!r} is a folder; give a file name ending in .html")
    trial = resolve_trial(args.trial)
    as_of = _as_of(args.as_of)
    engine = open_database(args.db)  # the embedded default gets the demo logs, as in the app
    write_report(trial, out, engine=engine, demo=args.demo, forecast=not args.no_forecast, as_of=as_of,
                 author=args.notes_of, include_notes=bool(args.notes_of), lang=args.lang)
    sys.stderr.write(f"wrote {out} ({out.stat().st_size:,} bytes){' in demo mode' if args.demo else ''}\n")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="the ethics-committee report as one self-contained HTML file")
    p.add_argument("trial", metavar="NCTID|FILE.json")
    p.add_argument("--out", required=True, metavar="FILE.html", help="where to write the report")
    p.add_argument("--demo", action="store_true",
                   help="demo mode: counts from 1 to 4 shown as <5, no participant-level tables")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="forecast as of this date (default: the log's last date)")
    p.add_argument("--no-forecast", action="store_true", help="leave the recruitment forecast out")
    p.add_argument("--notes-of", metavar="AUTHOR", help="include this author's private notes on the trial")
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL of the trialkit database (default: embedded SQLite)")
    p.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE,
                   help="the report's language: en (English, default) or zh (Simplified Chinese); contracts §10")
    p.set_defaults(func=cmd_report)
