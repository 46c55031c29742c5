"""Demo mode: no page prints a percentage of a hidden count ("<5 enrolled … (67%)", "3% of target").

Walks EVERY page of the sidebar (ui.common.PAGES) with the three-participant log (every enrollment count is
below 5, so hidden) and reads every text, caption, metric and table cell on it."""
from __future__ import annotations

import re

import pytest

from tests.app.test_demo_mode import TRIAL, small_log  # noqa: F401 - the fixture
from ui.common import COHORT, PAGES

COHORT_TABS = ["Funnel", "Who each criterion excludes", "What if", "Eligible vs whole cohort", "Per-patient results"]

HIDDEN = "<5"
#: A percentage that is a model's setting, not a share of a count ("80% band (10%–90%)", "80% range").
_NOT_A_SHARE = re.compile(r"\d+% (?:band|range|bands|of (?:\d[\d,]* )?simulated)|\(\d+%[–-]\d+%\)|\d+[–-]\d+%|"
                          r"Nominal: \d+%|nominal \d+%|\d+% chance|cover \d+[–-]\d+%")
_PERCENT = re.compile(r"\d+(?:\.\d+)?\s?%")


def _elements(at) -> list[str]:
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "success"):
        out.extend(str(e.value) for e in getattr(at, kind))
    for m in at.metric:
        out.append(f"{m.label}: {m.value}")
    for df in at.dataframe:  # cell by cell: a table's columns are different counts (each suppressed alone)
        out.extend(str(v) for v in df.value.astype(str).to_numpy().ravel())
    return out


def shares_of_hidden_counts(texts: list[str]) -> list[str]:
    """Elements that show a hidden count with a share beside it, and bare "N% of …" shares on a page that
    hides a count (the share sits in a caption under the metric that hides it)."""
    bad = []
    page_hides = any(HIDDEN in t for t in texts)
    for t in texts:
        shares = _PERCENT.findall(_NOT_A_SHARE.sub("", t))
        if not shares:
            continue
        if HIDDEN in t or (page_hides and re.match(r"^\s*\d+(?:\.\d+)?%\s+of\b", t)):
            bad.append(t)
    return bad


def test_the_detector_catches_what_the_forecast_page_showed():
    assert shares_of_hidden_counts(["Observed: <5 enrolled of <5 screenings with an outcome (67%)"])
    assert shares_of_hidden_counts(["Enrolled: <5 / 30", "3% of target"])
    assert not shares_of_hidden_counts(["80% range <5–<5. Observed: <5 enrolled", "P(target by 2027-01-01): 40%"])
    assert not shares_of_hidden_counts(["Enrolled: 12 / 30", "40% of target"])


@pytest.mark.parametrize("page", [p for p, _, _ in PAGES])
def test_demo_mode_shows_no_share_of_a_hidden_count(apptest, small_log, page):  # noqa: F811
    at = apptest(None if page == "app.py" else page, trial=TRIAL, demo="1")
    assert not at.exception, page
    assert at.session_state["demo"] is True
    texts = _elements(at)
    if page == COHORT:  # lazy tabs: open each one in turn
        for label in COHORT_TABS:
            at.session_state["cohort_tab"] = label
            at.run()
            assert not at.exception, (page, label)
            texts += _elements(at)
    assert shares_of_hidden_counts(texts) == [], page
