"""Demo mode in the app: the ?demo=1 link and the sidebar switch, larger type, the plain-language summary
first, no participant-level tables, every count below 5 shown as "<5"."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRIAL = "NCT07176143"
PARTICIPANT_COLUMNS = {"subject_id", "screening number", "screening no.", "subject", "participant"}

from tests.unit.test_report import PARTICIPANTS_CSV, SITES_CSV  # the same three-participant log


@pytest.fixture
def small_log(data_dir, tmp_path):
    """A three-participant imported log for NCT07176143: every count on the enrollment views is below 5."""
    from trialkit.catalog import default_catalog
    from trialkit.db import get_engine
    from trialkit.enrollment.storage import import_log

    p, s = tmp_path / "participants.csv", tmp_path / "sites.csv"
    p.write_text(PARTICIPANTS_CSV, encoding="utf-8")
    s.write_text(SITES_CSV, encoding="utf-8")
    import_log(get_engine(), TRIAL, p, s, user="test", trial=default_catalog().load(TRIAL))


def _texts(at) -> list[str]:
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text"):
        out.extend(str(e.value) for e in getattr(at, kind))
    return out


def _participant_tables(at) -> list[list[str]]:
    found = []
    for df in at.dataframe:
        cols = [str(c).strip().lower() for c in df.value.columns]
        if PARTICIPANT_COLUMNS & set(cols):
            found.append(cols)
    return found


def _small_metrics(at) -> list[tuple[str, str]]:
    """Metrics whose value starts with a bare count from 1 to 4 ("3", "2 (40%)", "1 / 60")."""
    return [(m.label, m.value) for m in at.metric if re.match(r"^[1-4](?![\d.,])", str(m.value).strip())]


def test_demo_link_turns_demo_mode_on_and_puts_the_plain_summary_first(apptest):
    at = apptest("pages/1_Overview.py", trial=TRIAL, demo="1")
    assert not at.exception
    assert at.session_state["demo"] is True
    assert at.sidebar.toggle(key="_demo_toggle").value is True
    assert at.query_params.get("demo") == ["1"] or at.query_params.get("demo") == "1"
    # the plain-language panel comes before the trial's own title
    heads = [(type(e).__name__, str(getattr(e, "value", ""))) for e in at.main if hasattr(e, "value")]
    subheads = [str(h.value) for h in at.subheader]
    assert f"{TRIAL} in plain words" in subheads
    order = [v for _, v in heads]
    assert order.index(f"{TRIAL} in plain words") < next(i for i, v in enumerate(order) if "hBMSC Uterine" in v)
    text = "\n".join(_texts(at))
    assert "Women aged 20 to 38 years can take part" in text
    assert "participant\\-level tables hidden" in text or "participant-level tables hidden" in text


def test_without_demo_the_summary_is_folded_away(apptest):
    at = apptest("pages/1_Overview.py", trial=TRIAL)
    assert not at.exception
    assert at.sidebar.toggle(key="_demo_toggle").value is False
    assert f"{TRIAL} in plain words" not in [str(h.value) for h in at.subheader]
    assert any(e.label == f"{TRIAL} in plain words" for e in at.expander)


def test_the_switch_keeps_demo_mode_in_the_url(apptest):
    at = apptest("pages/1_Overview.py", trial=TRIAL)
    at.sidebar.toggle(key="_demo_toggle").set_value(True).run()
    assert at.session_state["demo"] is True
    assert "demo" in at.query_params
    assert f"{TRIAL} in plain words" in [str(h.value) for h in at.subheader]
    at.sidebar.toggle(key="_demo_toggle").set_value(False).run()
    assert at.session_state["demo"] is False
    assert "demo" not in at.query_params


def test_demo_zero_turns_it_off(apptest):
    at = apptest("pages/1_Overview.py", trial=TRIAL, demo="0")
    assert at.session_state["demo"] is False


def test_enrollment_page_suppresses_small_counts_in_demo_mode(apptest, small_log):
    page = "pages/5_Enrollment.py"
    if not (ROOT / page).exists():
        pytest.skip("no enrollment page yet")
    plain = apptest(page, trial=TRIAL)
    assert _small_metrics(plain), "the three-participant log should show counts below 5 outside demo mode"
    demo = apptest(page, trial=TRIAL, demo="1")
    assert demo.session_state["demo"] is True
    assert _small_metrics(demo) == []
    assert any(str(m.value).startswith("<5") for m in demo.metric)
    assert _participant_tables(demo) == []


@pytest.mark.parametrize("page", [None, "pages/1_Overview.py", "pages/2_Criteria.py", "pages/3_What_if.py",
                                  "pages/4_Cohort.py", "pages/5_Enrollment.py", "pages/6_Sites.py",
                                  "pages/7_Forecast.py"])
def test_no_participant_level_table_and_no_small_metric_in_demo_mode(apptest, small_log, page):
    if page and not (ROOT / page).exists():
        pytest.skip(f"{page} does not exist yet")
    at = apptest(page, trial=TRIAL, demo="1", timeout=120)
    assert not at.exception, f"{page} fails in demo mode: {at.exception}"
    assert at.session_state["demo"] is True
    assert _participant_tables(at) == []
    assert _small_metrics(at) == []
