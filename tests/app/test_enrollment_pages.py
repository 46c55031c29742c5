"""AppTest of the Enrollment and Sites pages and of the record-screening form (issue 5)."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import CTGOV
from tests.unit.test_enrollment_fixtures import NCT, good_files, seed_trial

ENROLLMENT, SITES = "pages/5_Enrollment.py", "pages/6_Sites.py"


def all_text(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "header", "subheader", "title", "text", "success", "info", "warning", "error"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    parts += [str(m.label) + " " + str(m.value) for m in at.metric]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def charts(at) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


ENROLLMENT_TABS = ("Over time", "By arm", "Screen failures", "CONSORT flow", "Downloads", "Import a log",
                   "Audit trail")


def open_tab(at, label: str):
    """Open one of the Enrollment page's lazy tabs (only the open tab's content runs; the choice is the session
    key ``enrollment_tab``) and return the rerun AppTest."""
    assert label in ENROLLMENT_TABS
    at.session_state["enrollment_tab"] = label
    at.run()
    assert not at.exception
    return at


def test_enrollment_tabs_are_lazy_and_each_opens(apptest):
    """A first visit builds the first tab only (one figure); every other tab draws its content once opened."""
    at = apptest(ENROLLMENT, trial=NCT)
    assert not at.exception
    first = [c["layout"]["title"]["text"] for c in charts(at)]
    assert len(first) == 1 and first[0].startswith("Cumulative enrollment"), first
    assert not at.file_uploader and not at.dataframe
    seen = {}
    for label in ENROLLMENT_TABS[1:4]:
        seen[label] = [c["layout"]["title"]["text"] for c in charts(open_tab(at, label))]
    assert all(len(v) == 1 for v in seen.values()), seen
    assert seen["CONSORT flow"][0].startswith("CONSORT")
    assert any("CSV" in b.label for b in open_tab(at, "Downloads").get("download_button"))
    assert any(u.label == "participants.csv" for u in open_tab(at, "Import a log").file_uploader)
    assert any("action" in df.value.columns for df in open_tab(at, "Audit trail").dataframe)


def tab_warnings(at) -> list[str]:
    return [w.value for w in at.warning if "tab value" in w.value]


def test_a_link_opens_its_lazy_tab_and_the_open_tab_goes_into_the_link(apptest):
    """?tab= (a stable English slug) opens that tab on Enrollment and Sites; switching tabs writes the new one
    into the link, and the first tab leaves none."""
    at = apptest(ENROLLMENT, trial=NCT, tab="consort")
    assert not at.exception and not tab_warnings(at)
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert len(titles) == 1 and titles[0].startswith("CONSORT"), titles
    open_tab(at, "Audit trail")
    assert at.query_params["tab"] == "audit"
    open_tab(at, "Over time")
    assert "tab" not in at.query_params
    sites = apptest(SITES, trial=NCT, tab="map")
    assert not sites.exception and not tab_warnings(sites)
    assert sites.session_state["sites_tab"] == "Map of the log's sites"
    shown = [c["layout"]["title"]["text"] for c in charts(sites)] + [c.value for c in sites.caption]
    assert any(t.startswith("Sites by enrolled participants") or "so there is no map" in t for t in shown), shown
    assert not any(t.startswith("Site enrollment rates") for t in shown), shown  # the ranking tab is not built


def test_a_tab_value_the_page_does_not_have_is_said_and_dropped(apptest):
    at = apptest(SITES, trial=NCT, tab="<b>nope</b>")
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    assert "nope" in warned and "<b>" not in warned, warned  # the link's text is escaped, never markup
    assert "is not a tab of this page (ranking, timeline, map); showing \u201cRanking of site rates\u201d" in warned
    assert "tab" not in at.query_params
    assert at.session_state["sites_tab"] == "Ranking of site rates"


def test_the_open_tab_survives_a_switch_of_language(apptest):
    at = apptest(ENROLLMENT, trial=NCT, tab="by-arm")
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception
    assert at.query_params["tab"] == "by-arm"
    assert at.session_state["enrollment_tab"] != "By arm"  # the Chinese label of the same tab
    assert len(charts(at)) == 1


def db_summary(nct=NCT):
    from trialkit.db import get_engine
    from trialkit.enrollment.metrics import summarize
    from trialkit.enrollment.storage import read_log

    log = read_log(get_engine(), nct)
    return summarize(log.participants, log.sites, seed_trial() if nct == NCT else None, source=log.source)


def test_enrollment_page_shows_demo_data_labelled_and_tiles_agree_with_consort(apptest):
    at = apptest(ENROLLMENT, trial=NCT)
    assert not at.exception
    text = all_text(at)
    assert "Simulated demo data" in text
    s = db_summary()
    assert s["source"] == "demo"
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Screened"] == str(s["screened"])
    sf = s["kpis"]["screen_failure_rate"]
    assert tiles["Screen-failed"].startswith(f"{sf['numerator']} (")
    assert f"of {sf['denominator']} screenings with an outcome" in text
    assert tiles["Enrolled / target"].startswith(f"{s['enrolled']} / 60")
    assert tiles["Discontinued"].startswith(str(s["discontinued"]))
    specs = charts(at)
    for label in ENROLLMENT_TABS[1:4]:  # lazy tabs: each chart tab's figure once it is open
        specs += charts(open_tab(at, label))
    titles = [c["layout"]["title"]["text"] for c in specs]
    assert len(titles) == 4 and all("simulated demo data" in t for t in titles), titles
    consort = next(c for c in specs if t_starts(c, "CONSORT"))
    notes = " ".join(a["text"] for a in consort["layout"]["annotations"])
    assert f"Assessed for eligibility</b><br>(n = {s['screened']})" in notes
    assert f"Excluded</b><br>(n = {s['consort']['excluded']})" in notes
    for arm, n in s["by_arm"].items():
        assert f"Allocated to {arm}</b><br>(n = {n})" in notes.replace("<br>group", " group")
    labels = [b.label for b in open_tab(at, "Downloads").get("download_button")]
    assert any("Participant log" in label for label in labels)


def t_starts(spec, prefix):
    return spec["layout"]["title"]["text"].startswith(prefix)


def test_demo_mode_hides_participant_rows_and_small_counts(apptest):
    at = apptest(ENROLLMENT, trial="NCT06610773", demo="1")
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    labels = [b.label for b in open_tab(at, "Downloads").get("download_button")]
    assert not any("Participant log" in label for label in labels)
    assert "Participant-level rows are not offered in demo mode." in all_text(at)
    s = db_summary("NCT06610773")
    if 0 < s["discontinued"] < 5:
        assert tiles["Discontinued"].startswith("<5")
    audit_tables = [df.value for df in open_tab(at, "Audit trail").dataframe if "action" in df.value.columns]
    assert audit_tables and "subject_id" not in audit_tables[0].columns


def test_read_only_server_offers_no_import(apptest, monkeypatch):
    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    at = open_tab(apptest(ENROLLMENT, trial=NCT), "Import a log")
    assert "read-only" in all_text(at)
    assert not [b for b in at.button if b.label == "Import"]


def test_imported_log_is_not_labelled_simulated(apptest, data_dir):
    from trialkit.db import get_engine, init_db
    from trialkit.enrollment.storage import import_log

    eng = get_engine()
    init_db(eng)
    import_log(eng, NCT, *good_files(), user="alice", trial=seed_trial())
    at = apptest(ENROLLMENT, trial=NCT)
    assert not at.exception
    assert "simulated" not in all_text(at).lower()
    assert {m.label: m.value for m in at.metric}["Screened"] == "10"
    trail = [df.value for df in open_tab(at, "Audit trail").dataframe if "action" in df.value.columns][0]
    assert list(trail["action"]) == ["import"] and list(trail["user"]) == ["alice"]
    at = apptest(SITES, trial=NCT)
    assert not at.exception
    site_df = at.dataframe[0].value
    assert list(site_df["Site"]) == ["A", "B", "C"]
    assert list(site_df["Enrolled / target"]) == ["2 / 10", "3 / 5", "0 / 5"]


def test_sites_page_demo_flags_silent_sites_and_ranks(apptest):
    at = apptest(SITES, trial=NCT)
    assert not at.exception
    text = all_text(at)
    assert "Simulated demo data" in text
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert len(titles) == 1 and titles[0].startswith("Site enrollment rates, shrunk")  # lazy tabs: the open one
    at.session_state["sites_tab"] = "Activation timeline"
    at.run()
    assert not at.exception
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert len(titles) == 1 and titles[0].startswith("Site activation timeline")
    assert "lists no locations" in text


def test_sites_page_with_a_thousand_registry_locations_stays_paginated(apptest, data_dir):
    from trialkit.catalog import default_catalog

    path = CTGOV / "NCT04267848.json"
    if not path.exists():
        pytest.skip("shared/ctgov not beside the repository")
    default_catalog().add(path.read_bytes())
    at = apptest(SITES, trial="NCT04267848", timeout=120)
    assert not at.exception
    text = all_text(at)
    assert "no enrollment log" in text
    assert "1,148 location(s)" in text
    tables = [df.value for df in at.dataframe]
    countries, locations = tables[0], tables[-1]
    assert "Country" in countries.columns and countries["Locations"].sum() == 1148
    assert len(locations) == 25  # one page of 25, not 1,148 rows
    specs = charts(at)
    from trialkit.enrollment.metrics import by_city, registry_locations

    n_cities = len(by_city(registry_locations(default_catalog().load("NCT04267848"))))
    assert specs and len(specs[0]["data"][0]["text"]) == n_cities < 1148  # one marker per city


RECORD_SCRIPT = """
import streamlit as st
from types import SimpleNamespace
from trialkit.ctgov import load_study
from ui import record_screening
trial = load_study(%r)
result = SimpleNamespace(status="ineligible", failed_ids=lambda: ["I3", "E10"])
record_screening.render(trial, result)
"""


def _record_app(data_dir):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    return AppTest.from_string(RECORD_SCRIPT % str(ROOT / "data" / "trials" / f"{NCT}.json"), default_timeout=60)


def test_record_screening_form_writes_through_the_audited_path(data_dir):
    from trialkit.db import get_engine, init_db
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import import_log, read_log

    eng = get_engine()
    init_db(eng)
    import_log(eng, NCT, *good_files(), user="alice", trial=seed_trial())
    at = _record_app(data_dir).run()
    assert not at.exception
    outcome = [s for s in at.selectbox if s.label == "Screen outcome"][0]
    assert outcome.value == "SCREEN_FAILURE"  # prefilled from the check
    failed = [m for m in at.multiselect if m.label.startswith("Failed criteria")][0]
    assert failed.value == ["I3", "E10"]
    at.text_input[0].input("A-200")
    at.button[0].click().run()
    assert not at.exception
    assert at.success, [e.value for e in at.error]
    log = read_log(eng, NCT).participants.set_index("subject_id")
    assert log.loc["A-200", "screen_outcome"] == "SCREEN_FAILURE"
    assert log.loc["A-200", "screen_fail_criteria"] == "I3;E10"
    trail = read_audit(eng, NCT)
    assert trail.iloc[-1]["action"] == "record_screening" and trail.iloc[-1]["user"].startswith("local:")
    at.text_input[0].input("A-200")
    at.button[0].click().run()
    assert at.error and "already in this trial's log" in " ".join(df.value.to_string() for df in at.dataframe)


def test_record_screening_form_refuses_demo_logs(data_dir):
    at = _record_app(data_dir).run()
    assert not at.exception
    assert "simulated demo data" in " ".join(i.value for i in at.info)
    assert not at.button
