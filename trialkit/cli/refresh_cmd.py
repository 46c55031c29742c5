"""``refresh [NCTID …]`` (contracts §7): fetch again; store a new version only when the record changed."""
from __future__ import annotations

from trialkit.catalog import default_catalog
from trialkit.ctgov_api import CtgovError, refresh


def cmd_refresh(args) -> int:
    def progress(line, done: int, total: int) -> None:
        print(f"[{done}/{total}] {line.message}", flush=True)

    lines = refresh(default_catalog(), args.nct_ids or None, progress=progress)
    failed = [line for line in lines if line.change == "failed"]
    updated = sum(line.change == "updated" for line in lines)
    if failed:
        raise CtgovError(f"{len(failed)} of {len(lines)} studies could not be checked ({updated} updated); "
                         f"first: {failed[0].message}")
    print(f"checked {len(lines)} stud{'y' if len(lines) == 1 else 'ies'}: {updated} updated, "
          f"{len(lines) - updated} unchanged")
    return 0


def register(sub) -> None:
    p = sub.add_parser("refresh", help="check catalog studies for a newer ClinicalTrials.gov record")
    p.add_argument("nct_ids", nargs="*", metavar="NCTID", help="the studies to check (default: the whole catalog)")
    p.set_defaults(func=cmd_refresh)
