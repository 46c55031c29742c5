"""``fetch NCTID [--json]`` (contracts §7): fetch a study from ClinicalTrials.gov and add it to the catalog."""
from __future__ import annotations

import sys

from trialkit.catalog import default_catalog, trial_summary
from trialkit.cli import print_json
from trialkit.ctgov_api import fetch_into_catalog, normalize_nct_id


def cmd_fetch(args) -> int:
    nct_id = normalize_nct_id(args.nct_id)
    outcome = fetch_into_catalog(nct_id, default_catalog())
    if args.json:
        print_json(trial_summary(outcome.trial))
    else:
        said = {"added": "added to the catalog",
                "updated": f"stored a new version beside {outcome.earlier_versions} earlier one(s)",
                "unchanged": "unchanged since the newest version in the catalog; nothing stored"}[outcome.change]
        print(f"{outcome.nct_id}: {said}. {outcome.trial.title}")
    if outcome.nct_id != nct_id:
        sys.stderr.write(f"note: ClinicalTrials.gov answered {nct_id} with {outcome.nct_id} (an alias)\n")
    return 0


def register(sub) -> None:
    p = sub.add_parser("fetch", help="fetch a study from ClinicalTrials.gov (TRIALKIT_CTGOV_URL) into the catalog")
    p.add_argument("nct_id", metavar="NCTID")
    p.add_argument("--json", action="store_true", help="print what `show --json` prints for the study")
    p.set_defaults(func=cmd_fetch)
