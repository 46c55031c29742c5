"""A hostile ClinicalTrials.gov v2 study, made from a seed copy, for the hardening tests of every layer.

Every text field carries script tags, ``javascript:`` links, Markdown images pointing at an outside host,
raw HTML and control characters; one criterion is 1 MB long; the study has 10,000 locations. Loaded by
path from tests/unit, tests/app and tests/browser (tests/ is not a package).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "trials" / "NCT07176143.json"
HOSTILE_ID = "NCT99999901"

#: Markers whose presence, live, in the page would mean the data was interpreted rather than shown.
SCRIPT = '<script>window.__pwned=1;alert("xss")</script>'
JS_LINK = "[click me](javascript:alert(1))"
IMG = "![x](http://198.51.100.7/track.png)"
HTML_IMG = '<img src="http://198.51.100.7/i.png" onerror="window.__pwned=2">'
RAW_LINK = '<a href="javascript:alert(2)">raw link</a>'
CONTROL = "\x00\x07\x08\x1b[31mred\x1b[0m\u202eevil\u200b\x7f"
PAYLOAD = f"{SCRIPT} {JS_LINK} {IMG} {HTML_IMG} {RAW_LINK} {CONTROL}"
BIG_CRITERION_CHARS = 1_000_000
N_LOCATIONS = 10_000


def hostile(text: str) -> str:
    return f"{text} {PAYLOAD}"


def hostile_study_dict(nct_id: str = HOSTILE_ID) -> dict:
    d = copy.deepcopy(json.loads(SEED.read_text(encoding="utf-8")))
    ps = d["protocolSection"]
    ident = ps["identificationModule"]
    ident["nctId"] = nct_id
    ident["briefTitle"] = hostile("Hostile study")
    ident["officialTitle"] = hostile("Official hostile title")
    ident["secondaryIdInfos"] = [{"id": hostile("SEC")}]
    ps["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = hostile("Sponsor")
    ps["descriptionModule"]["briefSummary"] = hostile("Summary")
    ps["descriptionModule"]["detailedDescription"] = hostile("Details")
    ps["conditionsModule"]["conditions"] = [hostile("Condition")]
    ps["conditionsModule"]["keywords"] = [hostile("Keyword")]
    arms = ps["armsInterventionsModule"]
    for a in arms["armGroups"]:
        a["description"] = hostile(a.get("description", "Arm"))
    for i in arms["interventions"]:
        i["description"] = hostile("Intervention")
    for o in ps.get("outcomesModule", {}).get("primaryOutcomes", []):
        o["measure"] = hostile(o["measure"][:40])
    for c in ps["contactsLocationsModule"].get("centralContacts", []):
        c["name"] = hostile("Contact")
    big = ("A" * 99 + " ") * (BIG_CRITERION_CHARS // 100)
    ps["eligibilityModule"]["eligibilityCriteria"] = "\n".join([
        "Inclusion Criteria:", "",
        "1. " + hostile("Age 20 to 38 years"),
        "2. " + SCRIPT,
        "3. " + JS_LINK,
        "4. " + IMG,
        "5. " + "Very long criterion " + big,
        "", "Exclusion Criteria:", "",
        "1. " + hostile("Pregnant"),
        "2. " + CONTROL,
        "3. " + HTML_IMG + " " + RAW_LINK,
    ])
    ps["contactsLocationsModule"]["locations"] = [
        {"facility": hostile(f"Site {k}") if k < 50 else f"Site {k}", "city": "City " + JS_LINK,
         "country": "Country", "status": "RECRUITING"}
        for k in range(N_LOCATIONS)
    ]
    d.pop("trialkitProvenance", None)
    return d


def hostile_study_bytes(nct_id: str = HOSTILE_ID) -> bytes:
    return json.dumps(hostile_study_dict(nct_id), ensure_ascii=False).encode("utf-8")


def write_hostile_trial(trials_dir: Path, nct_id: str = HOSTILE_ID) -> Path:
    """Put the hostile study beside the shipped ones (``<trials_dir>/<nct_id>.json``)."""
    path = Path(trials_dir) / f"{nct_id}.json"
    path.write_bytes(hostile_study_bytes(nct_id))
    return path

