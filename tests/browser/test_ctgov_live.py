"""ClinicalTrials.gov live in a real browser: the Import page's fetch by id and the Find trials page, with the
app's TRIALKIT_CTGOV_URL pointing at the local stand-in (tests/ctgov_standin.py) that replays the real
recorded records. Also: an app whose TRIALKIT_CTGOV_URL points at nothing says so and stores nothing.

The app servers are started here (conftest's StreamlitServer with ``env=``) so their environment carries the
stand-in's address; the shared ``server`` fixture is left as it is.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, StreamlitServer, exceptions, goto, make_data_dir, shoot, wait_idle
from tests.ctgov_standin import StandIn


@pytest.fixture(scope="module")
def standin():
    s = StandIn().start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory, standin, browser):
    d = make_data_dir(tmp_path_factory.mktemp("ctgov-live"))
    srv = StreamlitServer(ROOT / "app.py", data_dir=d, env={"TRIALKIT_CTGOV_URL": standin.url},
                          log=d.parent / "streamlit.log").start()
    srv.data_dir = d
    yield srv
    srv.stop()


def listed(data_dir) -> list[str]:
    env = dict(os.environ, TRIALKIT_DATA_DIR=str(data_dir))
    out = subprocess.run([sys.executable, "-m", "trialkit", "list", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [r["nct_id"] for r in json.loads(out.stdout)]


def main_text(pg) -> str:
    return pg.inner_text('[data-testid="stMain"]')


def fetch(pg, typed: str) -> None:
    pg.get_by_role("tab", name="Fetch by NCT id").click()
    box = pg.get_by_role("textbox", name="NCT id", exact=True)
    box.fill(typed)
    pg.get_by_role("button", name="Fetch", exact=True).click()
    wait_idle(pg)


def error_shown(pg, shot: str) -> str:
    """Wait for the page's first error box, keep a screenshot, return its text as a person reads it."""
    alert = pg.locator('[data-testid="stAlertContentError"]').first
    alert.wait_for()
    shoot(pg, shot)
    return alert.inner_text().replace("\u2060", "")


def add_and_check(pg, live, button: str, nct_id: str, shot: str) -> None:
    """Press the add button, see the success line, and find the study in `list --json`."""
    pg.get_by_role("button", name=button).click()
    wait_idle(pg)
    pg.get_by_text(f"Added {nct_id} to the catalog").wait_for()
    shoot(pg, shot)
    assert not exceptions(pg)
    assert nct_id in listed(live.data_dir)


def test_import_fetches_by_id_and_adds(live, page):
    goto(page, live.url("/Import"))
    fetch(page, "NCT03377387")
    page.get_by_text("Read NCT03377387").wait_for()
    shoot(page, "ctgov_live_Import_fetched")
    assert "NCT03377387" not in listed(live.data_dir)  # shown, not stored yet
    add_and_check(page, live, "Add to the catalog", "NCT03377387", "ctgov_live_Import_added")


@pytest.mark.parametrize("typed, message", [("NCT00000001", "ClinicalTrials.gov has no study NCT00000001"),
                                            ("NCT123", "'NCT123' is not an NCT id")])
def test_import_bad_ids_say_which_and_store_nothing(live, page, typed, message):
    before = listed(live.data_dir)
    goto(page, live.url("/Import"))
    fetch(page, typed)
    assert message in error_shown(page, f"ctgov_live_Import_{typed}")
    assert page.get_by_role("button", name="Add to the catalog").count() == 0
    assert listed(live.data_dir) == before


def test_find_trials_near_guangzhou_maps_and_adds(live, standin, page):
    goto(page, live.url("/Find_trials"))
    assert "Nothing searched yet" in main_text(page)
    page.get_by_role("textbox", name="Near (a city, or latitude, longitude)").fill("Guangzhou")
    page.get_by_role("button", name="Search ClinicalTrials.gov").click()
    wait_idle(page)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
    shoot(page, "ctgov_live_Find_trials_Guangzhou")
    text = main_text(page)
    assert "within 50 miles of Guangzhou, China" in text
    assert "place=Guangzhou" in page.url
    assert any("filter.geo" in args and args["filter.geo"].startswith("distance(23.11667,113.25000,50")
               for _, args in standin.requests)
    add_and_check(page, live, "Add NCT05147467", "NCT05147467", "ctgov_live_Find_trials_added")


def test_unreachable_server_says_so_and_stores_nothing(tmp_path, browser):
    d = make_data_dir(tmp_path)
    srv = StreamlitServer(ROOT / "app.py", data_dir=d, env={"TRIALKIT_CTGOV_URL": "http://127.0.0.1:9/api/v2"},
                          log=tmp_path / "streamlit.log").start()
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        goto(pg, srv.url("/Import"))
        fetch(pg, "NCT04267848")
        assert "cannot reach ClinicalTrials.gov at http://127.0.0.1:9/api/v2" in error_shown(pg, "ctgov_live_Import_offline")
        goto(pg, srv.url("/Find_trials"))
        pg.get_by_role("textbox", name="Condition or disease").fill("asthma")
        pg.get_by_role("button", name="Search ClinicalTrials.gov").click()
        wait_idle(pg)
        assert "cannot reach ClinicalTrials.gov" in error_shown(pg, "ctgov_live_Find_trials_offline")
        assert not (d / "imported").exists()
        ctx.close()
    finally:
        srv.stop()
