"""The app in Chinese in a real browser (issue 18, contracts §10): ``?lang=zh`` opens a page in Chinese, its charts
use the CJK font stack, and the sidebar switch changes the language while the page and the trial stay.

Screenshots are kept under the test's tmp dir (and artifacts/screenshots/ like every browser test) so a person
can check them for tofu boxes; the font assertions check what the browser itself resolved.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from conftest import shoot

TRIAL = "NCT07176143"  # the seed trial with the simulated demo log: charts and the CONSORT flow are drawn

#: What the browser reports for a Plotly text element's font-family must name a Simplified Chinese face.
CJK_FACE = "Noto Sans CJK SC"


def _params(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def _save(pg, tmp_path, name: str):
    path = tmp_path / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    shoot(pg, name)
    assert path.stat().st_size > 10_000  # a real picture, not a blank page
    return path


def _cjk_font_available(pg) -> bool:
    """True when the browser draws "受试者" in the CJK face differently from a face that does not exist (so the
    CJK face is installed and used, not a fallback box)."""
    return pg.evaluate("""() => {
        const c = document.createElement('canvas').getContext('2d');
        const w = f => { c.font = '32px ' + f; return c.measureText('受试者入组').width; };
        const box = (() => { c.font = '32px "No Such Font X"'; return c.measureText('\\uE000\\uE001\\uE002\\uE003\\uE004').width; })();
        return document.fonts.check('32px "Noto Sans CJK SC"', '受试者') && w('"Noto Sans CJK SC"') > 0
               && Math.abs(w('"Noto Sans CJK SC"') - box) > 0.5;
    }""")


def test_enrollment_page_in_chinese_with_cjk_fonts(app, tmp_path):
    pg = app.open(f"/Enrollment?trial={TRIAL}&lang=zh")
    _save(pg, tmp_path, f"lang_zh_Enrollment_{TRIAL}")
    text = app.text()
    assert not app.exceptions(), app.exceptions()
    assert "入组" in text and "模拟演示数据" in text and "CONSORT 流程图" in text
    assert "Screened" not in text and "Enrolled / target" not in text  # the tiles are translated
    assert _params(pg.url).get("lang") == "zh" and _params(pg.url).get("trial") == TRIAL
    family = pg.evaluate("""() => {
        const t = document.querySelector('[data-testid="stPlotlyChart"] .gtitle');
        return t ? getComputedStyle(t).fontFamily || t.style.fontFamily : null; }""")
    assert family and CJK_FACE in family, family
    assert _cjk_font_available(pg)


def test_what_if_page_in_chinese_stays_chinese_when_a_slider_moves(app, tmp_path):
    """The What-if page with ?lang=zh: the header, the inputs and the verdict in Chinese; a key press on the Age
    slider reruns only the inputs-and-verdict fragment, which must keep the run's language (the fragment does not
    run ui.common.page(), where the language is resolved)."""
    pg = app.open(f"/What_if?trial={TRIAL}&lang=zh&age=30")
    assert f"假设分析 · {TRIAL}" in app.text()
    assert "候选受试者" in app.text() and "什么会改变这一结论" in app.text()
    _save(pg, tmp_path, f"lang_zh_What_if_{TRIAL}")
    box = pg.locator('[data-testid="stSlider"]').filter(has_text=re.compile(r"^年龄", re.M)).first
    slider = box.locator('input[type="range"]').first
    assert slider.input_value() == "30"
    slider.focus()
    pg.keyboard.press("End")  # the oldest age on the slider: above the trial's 38 years
    pg.wait_for_function("() => /[?&]age=(\\d+)/.test(location.search) && "
                         "+location.search.match(/[?&]age=(\\d+)/)[1] > 38", timeout=30_000)
    app.idle()
    pg.wait_for_function("() => document.body.innerText.includes('不合格')", timeout=30_000)
    _save(pg, tmp_path, f"lang_zh_What_if_{TRIAL}_moved")
    text = app.text()
    assert "不合格" in text and "候选受试者" in text and "Ineligible" not in text and "Candidate" not in text
    assert _params(pg.url).get("lang") == "zh"
    assert not app.exceptions(), app.exceptions()


def test_switch_changes_language_and_keeps_page_and_trial(app, tmp_path):
    pg = app.open(f"/Criteria?trial={TRIAL}")
    assert f"Eligibility criteria · {TRIAL}" in app.text()
    sidebar = pg.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("radio", name="中文").click()
    pg.wait_for_function("() => location.search.includes('lang=zh')", timeout=30_000)
    app.idle()
    _save(pg, tmp_path, f"lang_switch_Criteria_{TRIAL}")
    assert urlparse(pg.url).path.rstrip("/").endswith("/Criteria")
    assert _params(pg.url) .get("trial") == TRIAL and _params(pg.url).get("lang") == "zh"
    assert f"入选/排除标准 · {TRIAL}" in app.text()
    assert app.chosen_trial().startswith(TRIAL) or TRIAL in app.chosen_trial()
    # a reload of the address (a shared link) opens in Chinese
    app.open(re.sub(r"^https?://[^/]+", "", pg.url))
    assert f"入选/排除标准 · {TRIAL}" in app.text()
    sidebar = pg.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("radio", name="English").click()
    pg.wait_for_function("() => location.search.includes('lang=en')", timeout=30_000)
    app.idle()
    assert f"Eligibility criteria · {TRIAL}" in app.text()
    assert _params(pg.url).get("trial") == TRIAL
    assert not app.exceptions(), app.exceptions()
