"""The Cohort page's database source in the browser (issue 14): the embedded SYNTHETIC OMOP database with no
setup (labelled synthetic, a scan with progress, a bound slider moved by the keyboard answered from the cached
curve), then a FHIR Bulk export folder read into the page's own tabs."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow


def _metric(pg, label: str) -> str:
    box = pg.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_embedded_synthetic_omop_then_fhir_export(app, tmp_path):
    pg = app.open("/Cohort?trial=NCT07176143")
    pg.get_by_text("Database (OMOP CDM or FHIR export)", exact=True).click()
    app.idle(timeout=240)  # first use writes the synthetic database, then the scan runs
    text = app.text()
    assert "SYNTHETIC OMOP" in text and not app.exceptions()
    assert _metric(pg, "Persons") == "20,000"
    before = _metric(pg, "Eligible or needs review at this threshold")
    slider = pg.locator('[data-testid="stSlider"]', has_text="threshold").first
    strictest = "End" if " min threshold" in slider.inner_text() else "Home"
    slider.get_by_role("slider").focus()
    pg.keyboard.press(strictest)
    app.idle()
    after = _metric(pg, "Eligible or needs review at this threshold")
    assert int(after.replace(",", "")) < int(before.replace(",", "")), (before, after)
    assert not app.exceptions()
    app.shot("cohort_database_synthetic_omop")

    from tests.app.test_omop_cohort_page import _fhir_export

    n = _fhir_export(tmp_path / "export")
    pg.get_by_text("FHIR Bulk export (folder of NDJSON)", exact=True).click()
    app.idle()
    box = pg.get_by_label(re.compile("Folder of a FHIR Bulk Data export"))
    box.fill(str(tmp_path / "export"))
    box.press("Enter")
    app.idle(timeout=120)
    label = pg.locator('[data-testid="stMetric"]', has_text="Patients (FHIR cohort").first
    label.wait_for(timeout=60_000)
    assert label.locator('[data-testid="stMetricValue"]').inner_text().strip() == str(n)
    assert not app.exceptions()
    app.shot("cohort_database_fhir_export")
