"""Test fixture: a trial shaped like the CDISC SDTM/ADaM Pilot study (CDISCPILOT01), built in test code.

CDISC SDTM/ADaM Pilot Project data, © CDISC (../shared/sdtm/cdiscpilot01, read only, never modified; see its
SOURCES.md). The study has no ClinicalTrials.gov record, so the tests give it a ClinicalTrials.gov API v2
study of their own: its three arm groups are the pilot's planned arms and its criteria are the pilot's TI
criteria in TI order (INCL01-08 -> I1-I8, EXCL09-31 -> E1-E23). It is written only into a test's temporary
data folder, never shipped as a trial.
"""
from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SHARED

PILOT = SHARED / "sdtm" / "cdiscpilot01"
PILOT_NCT = "NCT09990017"  # a test-only id; the pilot study has none
PILOT_ARMS = ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")


def ti_rows() -> list[dict]:
    import pyreadstat

    df, _ = pyreadstat.read_xport(str(PILOT / "ti.xpt"))
    return df.to_dict("records")


def pilot_study_dict(nct_id: str = PILOT_NCT, arms=PILOT_ARMS) -> dict:
    ti = ti_rows()
    inc = [r["IETEST"] for r in ti if r["IECAT"] == "INCLUSION"]
    exc = [r["IETEST"] for r in ti if r["IECAT"] == "EXCLUSION"]
    text = "\n".join(["Inclusion Criteria:", ""] + [f"{k}. {t}" for k, t in enumerate(inc, 1)]
                     + ["", "Exclusion Criteria:", ""] + [f"{k}. {t}" for k, t in enumerate(exc, 1)])
    return {"protocolSection": {
        "identificationModule": {"nctId": nct_id,
                                 "briefTitle": "TEST FIXTURE shaped like the CDISC SDTM/ADaM Pilot study (CDISCPILOT01)"},
        "statusModule": {"overallStatus": "COMPLETED"},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
                         "enrollmentInfo": {"count": 254, "type": "ACTUAL"}},
        "armsInterventionsModule": {"armGroups": [{"label": a, "type": "EXPERIMENTAL"} for a in arms]},
        "eligibilityModule": {"eligibilityCriteria": text, "sex": "ALL", "minimumAge": "50 Years"},
    }}


def write_pilot_trial(trials_dir: Path, nct_id: str = PILOT_NCT, arms=PILOT_ARMS) -> Path:
    path = Path(trials_dir) / f"{nct_id}.json"
    path.write_text(json.dumps(pilot_study_dict(nct_id, arms)), encoding="utf-8")
    return path
