"""``changes NCTID [--from N] [--to N] [--json]``: what changed between two versions of a study."""
from __future__ import annotations

from trialkit import changes
from trialkit.catalog import default_catalog
from trialkit.cli import UsageError, print_json
from trialkit.ctgov import NCT_ID


def cmd_changes(args) -> int:
    if not NCT_ID.match(args.trial):
        raise UsageError(f"{args.trial!r} is not an NCT id (NCT + 8 digits)")
    catalog = default_catalog()
    versions = catalog.versions(args.trial)
    if not versions:
        raise UsageError(f"{args.trial} is not in the catalog (see `python -m trialkit list`)")
    n = len(versions)
    if n < 2:
        raise UsageError(f"{args.trial} has one version in the catalog; import a newer one to compare")
    old = args.old if args.old is not None else n - 1
    new = args.new if args.new is not None else n
    for name, v in (("--from", old), ("--to", new)):
        if not 1 <= v <= n:
            raise UsageError(f"{name} {v}: versions are numbered 1 to {n}, oldest first")
    if old == new:
        raise UsageError("--from and --to name the same version")
    diff = changes.diff_versions(catalog, args.trial, old - 1, new - 1)
    if args.json:
        print_json(diff.to_dict())
    else:
        print(diff.to_text(), end="")
    return 0


def register(sub) -> None:
    p = sub.add_parser("changes", help="what changed between two versions of a study in the catalog")
    p.add_argument("trial", metavar="NCTID")
    p.add_argument("--from", dest="old", type=int, help="older version number (1 = oldest; default: the one "
                                                          "before the newest)")
    p.add_argument("--to", dest="new", type=int, help="newer version number (default: the newest)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_changes)
