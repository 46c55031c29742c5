"""The app in a real browser: deep links, every page for both trials, charts, bad links, the trial chooser.

Pages come from ``ui.common.PAGES``, so a page added there is covered here without editing this file.
Each test keeps a full-page screenshot under artifacts/screenshots/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, StreamlitServer, make_data_dir, goto, shoot, body_text, exceptions, page_not_found
from ui.common import PAGES

TRIALS = ("NCT06610773", "NCT07176143")


def url_path(script: str) -> str:
    """``pages/2_Criteria.py`` -> ``/Criteria``; ``app.py`` -> ``/`` (Streamlit's pages/ routing)."""
    if script == "app.py":
        return "/"
    return "/" + re.sub(r"^\d+_", "", Path(script).stem)


def draws_charts(script: str) -> bool:
    return "plotly_chart" in (ROOT / script).read_text(encoding="utf-8")


PAGE_IDS = [url_path(p).strip("/") or "Home" for p, _, _ in PAGES]


def test_first_deep_link_after_server_start(tmp_path, browser):
    """A fresh server's very first request is a deep link: no "Page not found", the linked trial is shown."""
    srv = StreamlitServer(ROOT / "app.py", data_dir=make_data_dir(tmp_path), log=tmp_path / "streamlit.log").start()
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        goto(pg, srv.url("/Criteria?trial=NCT07176143"))
        pg.wait_for_timeout(1500)  # the dialog, when it comes, comes after the first render
        shoot(pg, "first_deep_link_Criteria_NCT07176143")
        text = body_text(pg)
        assert not page_not_found(pg), text[:500]
        assert "Eligibility criteria · NCT07176143" in text
        assert "hBMSC" in text  # the trial's title
        assert "trial=NCT07176143" in pg.url
        assert not exceptions(pg)
        ctx.close()
    finally:
        srv.stop()


@pytest.mark.parametrize("trial", TRIALS)
@pytest.mark.parametrize("script", [p for p, _, _ in PAGES], ids=PAGE_IDS)
def test_every_page_renders_for_both_trials(app, script, trial):
    pg = app.open(f"{url_path(script)}?trial={trial}")
    app.shot(f"page_{url_path(script).strip('/') or 'Home'}_{trial}")
    assert not app.page_not_found()
    assert not app.exceptions(), app.exceptions()
    # the shared chooser shows this trial, and the URL keeps it
    assert app.chosen_trial().startswith(trial)
    assert f"trial={trial}" in pg.url
    # every chart on the page is drawn (charts in a closed tab or expander are drawn but hidden)
    for chart in pg.locator('[data-testid="stPlotlyChart"]').all():
        svg = chart.locator(".js-plotly-plot .main-svg").first
        svg.wait_for(state="attached", timeout=30_000)
        if chart.is_visible():
            box = svg.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100, box


CHART_PAGES = [p for p, _, _ in PAGES if draws_charts(p)]


@pytest.mark.skipif(not CHART_PAGES, reason="no page in ui.common.PAGES draws a Plotly chart yet")
@pytest.mark.parametrize("script", CHART_PAGES, ids=[url_path(p).strip("/") for p in CHART_PAGES])
def test_chart_pages_draw_their_charts(app, script):
    drawn = {}
    for trial in TRIALS:
        pg = app.open(f"{url_path(script)}?trial={trial}")
        assert not app.exceptions(), app.exceptions()
        plots = pg.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
        visible = [p for p in plots.all() if p.is_visible()]
        for plot in visible:
            plot.locator(".main-svg").first.wait_for(state="visible", timeout=30_000)
            box = plot.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100, box
        drawn[trial] = len(visible)
        app.shot(f"charts_{url_path(script).strip('/')}_{trial}")
    assert any(drawn.values()), f"{script} draws no chart for either trial: {drawn}"


@pytest.mark.parametrize("value,expect", [
    ("NCT00000000", "NCT00000000 from the link is not in the catalog"),
    ("<script>alert(1)</script>", "is not an NCT id"),
    ("javascript:alert(1)", "is not an NCT id"),
], ids=["unknown", "script", "javascript"])
def test_bad_trial_in_link_gets_a_clear_message(app, value, expect):
    dialogs = []
    app.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    from urllib.parse import quote

    pg = app.open(f"/Overview?trial={quote(value)}")
    app.shot(f"bad_link_{value}")
    text = app.text()
    assert expect in text
    assert not app.exceptions() and not app.page_not_found()
    assert not dialogs, dialogs
    assert pg.evaluate("() => window.__pwned === undefined")
    # a trial is still shown, and the page reads normally
    assert re.match(r"NCT\d{8} ", app.chosen_trial())


def test_trial_chooser_keeps_the_trial_across_page_links(app):
    pg = app.open("/")
    sidebar = pg.locator('[data-testid="stSidebar"]')
    current = app.chosen_trial()
    other = next(t for t in TRIALS if t not in current)
    app.choose_trial(other)
    assert app.chosen_trial().startswith(other)
    assert f"trial={other}" in pg.url
    # follow the sidebar's own links; each page opens on the chosen trial
    for script, label, _ in PAGES[1:]:
        sidebar.locator(f'a[data-testid="stPageLink-NavLink"]', has_text=label).first.click()
        pg.wait_for_url(re.compile(re.escape(url_path(script)) + r"\?"), timeout=20_000)
        app.idle()
        assert f"trial={other}" in pg.url, (label, pg.url)
        assert app.chosen_trial().startswith(other), label
        assert not app.exceptions(), (label, app.exceptions())
        app.shot(f"chooser_kept_{url_path(script).strip('/')}_{other}")


def test_a_link_opens_a_lazy_tab_and_a_click_puts_the_tab_in_the_link(app):
    """?tab=map opens the Sites map tab in the browser (selected, its content drawn); clicking another tab writes
    that tab into the address; the first tab leaves none (issue 13: lazy tabs that can still be linked)."""
    pg = app.open("/Sites?trial=NCT07176143&tab=map")
    selected = pg.locator('[data-testid="stTabs"] [role="tab"][aria-selected="true"]')
    assert selected.inner_text().strip() == "Map of the log's sites"
    text = app.text()  # the map tab's content: the map, or why there is none (the simulated sites have no place)
    assert "Sites by enrolled participants" in text or "so there is no map" in text
    assert "Site enrollment rates" not in text  # the ranking tab is not built
    app.shot("sites_tab_map_from_link")
    pg.locator('[data-testid="stTabs"] [role="tab"]', has_text="Activation timeline").click()
    pg.wait_for_url(re.compile(r"[?&]tab=timeline(&|$)"), timeout=20_000)
    app.idle()
    pg.locator('[data-testid="stTabs"] [role="tab"]', has_text="Ranking of site rates").click()
    pg.wait_for_url(lambda u: "tab=" not in u, timeout=20_000)
    app.idle()
    assert "trial=NCT07176143" in pg.url
    assert not app.exceptions() and not app.page_not_found()
