"""A hostile study in the real browser: every page shows its markup as inert text.

No script from the data runs, no ``javascript:`` link is live, no image is fetched from outside, and the
browser asks nothing of any host but the app's own server.
"""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import ROOT, StreamlitServer, make_data_dir, goto, shoot, exceptions, page_not_found
from ui.common import PAGES

_spec = importlib.util.spec_from_file_location("trialkit_tests_hostile", Path(__file__).parents[1] / "hostile.py")
hostile = sys.modules.setdefault("trialkit_tests_hostile", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(hostile)


def url_path(script: str) -> str:
    return "/" if script == "app.py" else "/" + re.sub(r"^\d+_", "", Path(script).stem)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    d = make_data_dir(base)
    hostile.write_hostile_trial(d / "trials")
    srv = StreamlitServer(ROOT / "app.py", data_dir=d, log=base / "streamlit.log").start()
    yield srv
    srv.stop()


def _outside(url: str) -> bool:
    u = urlparse(url)
    if u.scheme not in ("http", "https", "ws", "wss") or u.hostname in ("127.0.0.1", "localhost"):
        return False
    # Nothing else: the favicon is a local file (ui/favicon.png), so the app itself fetches nothing either.
    return True


LIVE_MARKUP_JS = """() => {
    const bad = [];
    for (const s of document.querySelectorAll('script'))
        if ((s.textContent || '').includes('__pwned') || (s.src || '').includes('198.51.100')) bad.push('script: ' + s.outerHTML.slice(0, 120));
    for (const a of document.querySelectorAll('a[href]'))
        if (a.getAttribute('href').trim().toLowerCase().replace(/[\\s\\u0000-\\u001f]/g, '').startsWith('javascript:'))
            bad.push('javascript link: ' + a.outerHTML.slice(0, 120));
    for (const img of document.querySelectorAll('img[src], image'))
        { const src = img.getAttribute('src') || img.getAttribute('href') || '';
          if (/^(https?:)?\\/\\//i.test(src) && !src.startsWith(location.origin)) bad.push('outside image: ' + src); }
    for (const el of document.querySelectorAll('[onerror],[onload],[onclick]'))
        if (/__pwned|alert/.test(el.outerHTML)) bad.push('handler: ' + el.outerHTML.slice(0, 120));
    if (window.__pwned !== undefined) bad.push('window.__pwned = ' + window.__pwned);
    return bad;
}"""


@pytest.mark.parametrize("script", [p for p, _, _ in PAGES], ids=[url_path(p).strip("/") or "Home" for p, _, _ in PAGES])
def test_hostile_study_is_inert_in_the_browser(hostile_server, browser, script):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    dialogs, outside = [], []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.on("request", lambda r: outside.append(r.url) if _outside(r.url) else None)
    try:
        goto(pg, hostile_server.url(f"{url_path(script)}?trial={hostile.HOSTILE_ID}"), timeout=90)
        pg.wait_for_timeout(500)
        shoot(pg, f"hostile_{url_path(script).strip('/') or 'Home'}")
        assert not page_not_found(pg)
        assert not exceptions(pg), exceptions(pg)
        chosen = pg.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input[role="combobox"]').first
        assert chosen.input_value().startswith(hostile.HOSTILE_ID)
        assert pg.evaluate(LIVE_MARKUP_JS) == []
        assert not dialogs, dialogs
        assert not outside, f"the page asked outside hosts for: {outside[:5]}"
    finally:
        ctx.close()


def test_hostile_criteria_are_shown_as_text(hostile_server, browser):
    """Not vacuous: the payload is on the page, as visible text."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    try:
        goto(pg, hostile_server.url(f"/Criteria?trial={hostile.HOSTILE_ID}"), timeout=90)
        # ui.text.md_escape puts an invisible WORD JOINER (U+2060) inside "://" so that GFM does not autolink
        # the address: the reader sees the same characters, so compare without it.
        text = pg.inner_text('[data-testid="stMain"]').replace("\u2060", "")
        assert "<script>window.__pwned=1;" in text
        assert "[click me](javascript:alert(1))" in text
        assert "![x](http://198.51.100.7/track.png)" in text
        assert pg.evaluate(LIVE_MARKUP_JS) == []
    finally:
        ctx.close()
