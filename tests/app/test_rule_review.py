"""Imported studies whose criteria used to crash the drafting load, and their What-if page works (issue 15).

The record is a copy of the real NCT03377387 (shared/ctgov) with the two criteria issue 15 reports as
crash-inducing appended to its exclusion list, and a copy with headings the splitter used to miss; both are
test fixtures written to a temporary data directory (the shared file is never modified)."""
from __future__ import annotations

import json
from pathlib import Path

PAGE = "pages/3_What_if.py"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "ctgov" / "NCT03377387.json"


def _import(eligibility_text: str, nct: str) -> None:
    from trialkit.catalog import default_catalog

    data = json.loads(SHARED.read_text(encoding="utf-8"))
    data["protocolSection"]["identificationModule"]["nctId"] = nct
    data["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = eligibility_text
    default_catalog().add(json.dumps(data).encode("utf-8"), source_name=f"{nct}.json")


def test_crash_inducing_criteria_load_and_the_whatif_page_works(data_dir, apptest):
    text = json.loads(SHARED.read_text(encoding="utf-8"))["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    text += "\n* platelets < 90,000/mm3)\n* BMI >40 Kg/ mm\n"
    _import(text, "NCT03377387")
    at = apptest(PAGE, trial="NCT03377387", age="40")
    assert not at.exception
    assert any("nobody has reviewed" in w.value for w in at.warning)
    at.checkbox(key="wi_state_platelets").check().run()
    at.slider(key="wi_platelets").set_value(80).run()
    assert not at.exception
    t = at.dataframe[0].value
    rows = t[t["Reason"].str.contains("Platelets 80", na=False)]
    assert len(rows) >= 1  # the drafted "platelets < 90,000/mm3" rule reads the slider


def test_headingless_text_says_kind_cannot_be_told(data_dir, apptest):
    _import("* Age 18 to 65 years\n* Hemoglobin < 9 g/dL\n", "NCT03377387")
    at = apptest("pages/2_Criteria.py", trial="NCT03377387")
    assert not at.exception
    assert any("cannot be told" in w.value for w in at.warning)
    at = apptest(PAGE, trial="NCT03377387", age="40")
    assert not at.exception
