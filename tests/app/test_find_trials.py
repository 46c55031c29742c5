"""AppTest of Find trials and of the Import page's fetch-by-id and check-for-updates, against the local
ClinicalTrials.gov stand-in (tests/ctgov_standin.py). No network."""
from __future__ import annotations

import json
import re

import pytest

from tests.ctgov_standin import StandIn, many
from trialkit import ctgov_api

FIND, IMPORT = "pages/12_Find_trials.py", "pages/8_Import.py"


@pytest.fixture
def standin(monkeypatch):
    s = StandIn().start()
    monkeypatch.setenv("TRIALKIT_CTGOV_URL", s.url)
    monkeypatch.setattr(ctgov_api, "MIN_INTERVAL", 0.0)
    monkeypatch.setattr(ctgov_api, "BACKOFF", 0.01)
    yield s
    s.stop()


def plain(text: str) -> str:
    """Text as a person reads it (md_escape's backslashes and word joiners removed)."""
    return re.sub(r"\\(.)", r"\1", str(text)).replace("\u2060", "")


def texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "success", "info", "warning", "error")
                     for e in getattr(at, kind))


def button(at, label: str):
    found = [b for b in at.button if b.label.startswith(label)]
    assert found, [b.label for b in at.button]
    return found[0]


def test_find_trials_fetches_nothing_until_asked(apptest, standin):
    at = apptest(FIND)
    assert not at.exception
    assert standin.requests == []
    assert "Nothing searched yet" in texts(at)


def test_find_trials_near_guangzhou_lists_maps_and_adds(apptest, standin, data_dir):
    at = apptest(FIND)
    at.text_input(key="find_place").set_value("Guangzhou")
    at.multiselect(key="find_status").set_value([])
    button(at, "Search ClinicalTrials.gov").click().run()
    assert not at.exception, at.exception
    geo = standin.requests[0][1]["filter.geo"]
    assert geo.startswith("distance(23.11667,113.25000,50mi")
    table = at.dataframe[0].value
    assert list(table["NCT id"]) == ["NCT03934567", "NCT05147467"]  # the API's order
    assert {"Status", "Phase", "Sponsor", "Sites", "Distance (mi)"} <= set(table.columns)
    assert (table["Distance (mi)"] <= 50).all()
    assert at.query_params["place"] in ("Guangzhou", ["Guangzhou"])
    assert len(at.get("plotly_chart")) == 1
    at.selectbox(key="find_add_choice").set_value("NCT05147467").run()
    button(at, "Add NCT05147467").click().run()
    assert not at.exception
    assert any("Added NCT05147467 to the catalog" in s.value for s in at.success)
    assert (data_dir / "imported" / "NCT05147467").is_dir()


def test_find_trials_unknown_place_says_so_and_sends_nothing(apptest, standin):
    at = apptest(FIND)
    at.text_input(key="find_place").set_value("Xyzzyville")
    button(at, "Search ClinicalTrials.gov").click().run()
    assert "no city called 'Xyzzyville'" in plain(at.error[0].value)
    assert standin.requests == []


def test_find_trials_follows_pages(apptest, monkeypatch):
    s = StandIn(pool=many(25), page_cap=10).start()
    monkeypatch.setenv("TRIALKIT_CTGOV_URL", s.url)
    monkeypatch.setattr(ctgov_api, "MIN_INTERVAL", 0.0)
    try:
        at = apptest(FIND)
        at.text_input(key="find_term").set_value("a")
        at.multiselect(key="find_status").set_value([])
        at.number_input(key="find_limit").set_value(25)
        button(at, "Search ClinicalTrials.gov").click().run()
        assert not at.exception
        assert len(at.dataframe[0].value) == 25 and len(s.requests) == 3
    finally:
        s.stop()


def test_find_trials_offline_says_so(apptest, monkeypatch):
    monkeypatch.setenv("TRIALKIT_CTGOV_URL", "http://127.0.0.1:9/api/v2")
    at = apptest(FIND)
    at.text_input(key="find_cond").set_value("asthma")
    button(at, "Search ClinicalTrials.gov").click().run()
    assert not at.exception
    assert "cannot reach ClinicalTrials.gov at http://127.0.0.1:9/api/v2" in plain(at.error[0].value)


def test_import_fetch_by_id_shows_then_adds(apptest, standin, data_dir):
    at = apptest(IMPORT)
    at.text_input(key="fetch_id").set_value(" nct03377387 ")
    button(at, "Fetch").click().run()
    assert not at.exception
    assert any("Read NCT03377387" in s.value for s in at.success)
    assert not (data_dir / "imported").exists()  # shown, not stored yet
    button(at, "Add to the catalog").click().run()
    assert any("Added NCT03377387 to the catalog" in s.value for s in at.success)
    assert len(list((data_dir / "imported" / "NCT03377387").glob("*.json"))) == 1


@pytest.mark.parametrize("typed, message", [("NCT00000001", "has no study NCT00000001"),
                                            ("NCT123", "is not an NCT id")])
def test_import_fetch_bad_ids_say_which(apptest, standin, data_dir, typed, message):
    at = apptest(IMPORT)
    at.text_input(key="fetch_id").set_value(typed)
    button(at, "Fetch").click().run()
    assert not at.exception
    assert message in plain(at.error[0].value)
    assert "Add to the catalog" not in [b.label for b in at.button]
    assert not (data_dir / "imported").exists()


def test_check_for_updates_stores_a_changed_record(apptest, standin, data_dir):
    at = apptest(IMPORT)
    at.text_input(key="fetch_id").set_value("NCT00973089")
    button(at, "Fetch").click().run()
    button(at, "Add to the catalog").click().run()
    data = json.loads(standin.records["NCT00973089"])
    data["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    standin.records["NCT00973089"] = json.dumps(data).encode()
    at = apptest(IMPORT, trial="NCT00973089")
    button(at, "Check NCT00973089 for updates").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table["Result"]) == ["updated"]
    assert len(list((data_dir / "imported" / "NCT00973089").glob("*.json"))) == 2


def test_updates_are_off_in_read_only_mode(apptest, standin, monkeypatch):
    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    at = apptest(IMPORT)
    assert not [b for b in at.button if "for updates" in b.label or b.label.startswith("Check all")]
    at2 = apptest(FIND)
    assert not at2.exception
