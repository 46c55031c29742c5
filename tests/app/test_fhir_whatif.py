"""What-if page: "Load a patient from a FHIR bundle" fills the candidate (AppTest)."""
from __future__ import annotations

from pathlib import Path

import pytest

PAGE = "pages/3_What_if.py"
BUNDLES = Path(__file__).resolve().parents[2].parent / "shared" / "fhir" / "bundles"
FLOYD = BUNDLES / "Floyd_Connelly_66843218-a9f9-4f16-8347-bdc2a0d14265.json"
MCODE = BUNDLES / "mcode-ctms-patient_data.json"

pytestmark = pytest.mark.skipif(not FLOYD.is_file(), reason="../shared/fhir is not here (a user's clone)")


def _verdict(at) -> str:
    found = [m.value for m in at.markdown if m.value.startswith("## :")]
    assert len(found) == 1, found
    return found[0]


def test_bundle_fills_the_candidate_and_says_synthetic(apptest):
    at = apptest(PAGE, trial="NCT07176143", age="30", cycle_length="28")
    assert not at.exception
    at.file_uploader(key="fhir_bundle").set_value((FLOYD.name, FLOYD.read_bytes(), "application/json")).run()
    assert not at.exception
    assert at.date_input(key=next(k for k in (w.key for w in at.date_input) if k.startswith("fhir_index_"))
                         ).value.isoformat() == "2020-01-15"  # the newest record of the bundle
    at.button(key="fhir_fill").click().run()
    assert not at.exception
    # the candidate is the patient's: male, 40 (completed years on 2020-01-15), BMI 30.32; the rest unknown
    assert at.query_params["sex"] == "male" and at.query_params["age"] == "40"
    assert at.query_params["bmi"] == "30.32"
    assert "cycle_length" not in at.query_params  # the previous candidate's value is gone
    assert at.selectbox(key="wi_sex").value == "male"
    assert at.slider(key="wi_age").value == 40
    assert "Ineligible" in _verdict(at)
    assert any("Synthetic patient (Synthea)" in i.value for i in at.info)
    assert any("6f8ccac9-41a3-42a2-a97b-06bfc0a91c26" in t.value for t in at.text)
    loaded = [d.value for d in at.dataframe if "from" in d.value.columns]
    assert loaded and "LOINC 39156-5" in " ".join(loaded[0]["from"])


def test_malformed_bundle_is_reported_by_entry_and_field(apptest):
    at = apptest(PAGE, trial="NCT07176143")
    at.file_uploader(key="fhir_bundle").set_value((MCODE.name, MCODE.read_bytes(), "application/json")).run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)
    msg = " ".join(t.value for t in at.text)
    assert "entry 2" in msg and "value[x]" in msg and MCODE.name in msg
