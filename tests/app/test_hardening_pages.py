"""Issue 12 part B in the app (AppTest): a What-if link with unit text pint cannot read, a forecast target
past pandas' last date, a broken study file in the catalog, demo mode's audit trail."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.app.test_enrollment_pages import all_text

ROOT = Path(__file__).resolve().parents[2]
SEED = "NCT07176143"


@pytest.mark.parametrize("value", ["9 g/dL)", "10 mIU/(mL", "9 g/dL**"])
def test_whatif_link_with_untokenisable_unit_is_refused_not_crashed(apptest, value):
    at = apptest("pages/3_What_if.py", trial=SEED, age="30", hemoglobin=value)
    assert not at.exception, [e.value for e in at.exception]
    text = all_text(at)
    assert "hemoglobin" in text.lower() and "unit" in text and value.split(" ", 1)[1] in text


def test_forecast_page_target_past_2262_says_not_reached(apptest):
    at = apptest("pages/7_Forecast.py", trial=SEED, timeout=180)
    at.number_input(key=f"fc_target_{SEED}").set_value(5000).run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    median = next(m.value for m in at.metric if m.label.startswith("Median date target reached"))
    assert median == "not reached within 100 years"
    assert "80% band (10%–90%): not reached within 100 years" in all_text(at)


def test_broken_study_file_is_skipped_and_named_without_the_server_path(apptest, data_dir):
    d = json.loads((ROOT / "data" / "trials" / f"{SEED}.json").read_text(encoding="utf-8"))
    d["protocolSection"]["identificationModule"]["nctId"] = "NCT00000001"
    text = json.dumps(d).replace('"count": 60', '"count": NaN', 1)
    assert "NaN" in text
    (data_dir / "trials" / "NCT00000001.json").write_text(text, encoding="utf-8")
    at = apptest("pages/1_Overview.py", trial=SEED)
    assert not at.exception, [e.value for e in at.exception]
    warnings = [re.sub(r"\\(.)", r"\1", w.value) for w in at.sidebar.warning if "broken study file" in w.value]
    assert len(warnings) == 1 and "NCT00000001.json" in warnings[0]
    assert str(data_dir) not in warnings[0] and "/" not in warnings[0].split("NCT00000001.json")[0]


def test_demo_mode_audit_trail_is_counts_only(apptest):
    from tests.app.test_enrollment_pages import open_tab

    at = open_tab(apptest("pages/5_Enrollment.py", trial=SEED, demo="1"), "Audit trail")  # lazy tabs
    audit = [df.value for df in at.dataframe if "action" in df.value.columns]
    assert audit and list(audit[0].columns) == ["day", "action", "events"]
    assert "Demo mode: events counted per day and kind only." in all_text(at)
