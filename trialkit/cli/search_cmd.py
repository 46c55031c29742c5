"""``search [--cond TEXT] [--term TEXT] [--locn TEXT] [--status STATUS …] [--limit N] --json`` (contracts §7)."""
from __future__ import annotations

import sys

from trialkit.cli import print_json
from trialkit.ctgov_api import PHASES, STATUSES, SearchQuery, search
from trialkit.geo import resolve_place


def cmd_search(args) -> int:
    near = resolve_place(args.near) if args.near else None
    query = SearchQuery(cond=args.cond, term=args.term, locn=args.locn, near=near, radius_mi=args.radius,
                        statuses=tuple(args.status or ()), phases=tuple(args.phase or ()))

    def progress(found: int, pages: int) -> None:
        if pages > 1 and sys.stderr.isatty():
            sys.stderr.write(f"\rpage {pages}: {found} studies")

    result = search(query, limit=args.limit, progress=progress)
    if args.json:
        out = result.as_json()
        if near is not None:  # an extra, documented key: where --near resolved to, and each hit's distance
            out["near"] = {"place": near.label, "latitude": near.latitude, "longitude": near.longitude,
                           "radius_mi": args.radius}
            for row, hit in zip(out["studies"], result.hits):
                row["distance_mi"] = hit.distance_mi
        print_json(out)
    else:
        total = "an unknown number of" if result.total is None else f"{result.total:,}"
        print(f"{len(result.hits)} of {total} matching studies" + (f" within {args.radius:g} mi of {near.label}"
                                                                   if near else ""))
        for h in result.hits:
            print(f"{h.nct_id}\t{h.status or 'status not stated'}\t{'/'.join(h.phases) or '-'}\t"
                  f"{h.n_locations} site(s)\t{h.title or ''}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("search", help="find studies on ClinicalTrials.gov (TRIALKIT_CTGOV_URL)")
    p.add_argument("--cond", metavar="TEXT", help="condition or disease (query.cond)")
    p.add_argument("--term", metavar="TEXT", help="free text (query.term)")
    p.add_argument("--locn", metavar="TEXT", help="location text as the registry matches it (query.locn)")
    p.add_argument("--near", metavar="PLACE", help="a city (offline gazetteer) or 'lat, lon': filter.geo")
    p.add_argument("--radius", type=float, default=50.0, metavar="MILES", help="radius around --near (default 50)")
    p.add_argument("--status", nargs="+", choices=STATUSES, metavar="STATUS", help="overall status(es)")
    p.add_argument("--phase", nargs="+", choices=PHASES, metavar="PHASE", help="phase(s)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N studies (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON (contracts §7)")
    p.set_defaults(func=cmd_search)
