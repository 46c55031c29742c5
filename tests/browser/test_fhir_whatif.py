"""What-if page in the browser: upload a FHIR bundle, fill the candidate, see the verdict and the URL change."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOYD = ROOT.parent / "shared" / "fhir" / "bundles" / "Floyd_Connelly_66843218-a9f9-4f16-8347-bdc2a0d14265.json"
pytestmark = pytest.mark.skipif(not FLOYD.is_file(), reason="../shared/fhir is not here (a user's clone)")


def test_load_a_patient_from_a_fhir_bundle(app):
    pg = app.open("/What_if?trial=NCT07176143&age=30")
    pg.get_by_text("Load a patient from a FHIR bundle").click()
    pg.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(FLOYD))
    pg.get_by_role("button", name=re.compile("Fill the candidate from this patient")).wait_for(timeout=60_000)
    app.idle()
    pg.get_by_role("button", name=re.compile("Fill the candidate from this patient")).click()
    pg.wait_for_url(re.compile(r"[?&]sex=male\b"), timeout=60_000)
    app.idle()
    assert re.search(r"[?&]age=40\b", pg.url) and re.search(r"[?&]bmi=30\.32\b", pg.url), pg.url
    heads = [h.inner_text().strip() for h in pg.locator('[data-testid="stMain"] h2').all()]
    assert "Ineligible" in heads, heads
    text = app.text()
    assert "Synthetic patient (Synthea)" in text and "6f8ccac9-41a3-42a2-a97b-06bfc0a91c26" in text
    assert not app.exceptions()
    app.shot("whatif_fhir_bundle_loaded")
