"""The what-if page in the browser: moving the age slider (keyboard, as a person would) changes the verdict."""
from __future__ import annotations

import re

import pytest

from ui.common import PAGES

WHATIF = next((p for p, label, _ in PAGES if "What_if" in p), None)
pytestmark = pytest.mark.skipif(WHATIF is None, reason="no what-if page in ui.common.PAGES yet")
VERDICTS = re.compile(r"^(Eligible|Ineligible|Needs review)$")


def verdict(pg) -> str:
    heads = pg.locator('[data-testid="stMain"] h2').filter(has_text=VERDICTS)
    assert heads.count() == 1, [h.inner_text() for h in pg.locator('[data-testid="stMain"] h2').all()]
    return heads.first.inner_text().strip()


def settled_verdict(app, want=None, timeout: float = 30) -> str:
    """The verdict once the reruns the slider triggered are done (and, if given, once it reads ``want``)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        app.idle()
        v = verdict(app.page)
        if want is None or v == want or time.monotonic() > deadline:
            return v
        app.page.wait_for_timeout(300)


def age_slider(pg):
    box = pg.locator('[data-testid="stSlider"]').filter(has_text=re.compile(r"^Age", re.M)).first
    return box.locator('input[type="range"]').first


def test_moving_the_age_slider_changes_the_verdict(app):
    pg = app.open("/What_if?trial=NCT07176143&age=30")
    before = verdict(pg)
    assert before in ("Eligible", "Needs review")  # 30 is inside 20-38 years
    app.shot("whatif_age30")
    slider = age_slider(pg)
    assert slider.input_value() == "30"
    slider.focus()
    pg.keyboard.press("End")  # oldest age on the slider, above the trial's 38 years
    after = settled_verdict(app, "Ineligible")
    app.shot("whatif_age_max")
    assert int(age_slider(pg).input_value()) > 38
    assert after == "Ineligible" and after != before
    assert re.search(r"[?&]age=(\d+)", pg.url) and int(re.search(r"[?&]age=(\d+)", pg.url).group(1)) > 38
    # and back inside the range, step by step with the arrow keys: the verdict returns
    slider = age_slider(pg)
    slider.focus()
    pg.keyboard.press("Home")
    assert settled_verdict(app, "Ineligible") == "Ineligible"
    age_slider(pg).focus()
    for _ in range(25):  # one step per press, 0 -> 25 years
        pg.keyboard.press("ArrowRight", delay=20)
    pg.wait_for_url(re.compile(r"[?&]age=25\b"), timeout=60_000)
    assert age_slider(pg).input_value() == "25"
    assert settled_verdict(app, before) == before
    assert re.search(r"[?&]age=25\b", pg.url), pg.url
    assert not app.exceptions()
    app.shot("whatif_age_back_in_range")


@pytest.mark.parametrize("age,expect", [("30", {"Eligible", "Needs review"}), ("45", {"Ineligible"})])
def test_what_if_scenario_from_the_link(app, age, expect):
    pg = app.open(f"/What_if?trial=NCT07176143&age={age}")
    assert verdict(pg) in expect
    assert age_slider(pg).input_value() == age
    assert not app.exceptions()
    app.shot(f"whatif_link_age{age}")


def test_dragging_an_unknown_age_slider_sets_it_at_once_and_clear_makes_it_unknown(app):
    """No "known" box to tick first: the mouse drags the Age slider's thumb and the value counts at once."""
    pg = app.open("/What_if?trial=NCT07176143")
    assert "age=" not in pg.url
    box = pg.locator('[data-testid="stSlider"]').filter(has_text=re.compile(r"^Age", re.M)).first
    assert "unknown (move the slider to set it)" in app.text()
    thumb = box.get_by_role("slider").first
    tb = thumb.bounding_box()
    track = box.locator('input[type="range"]').first.bounding_box() or tb
    pg.mouse.move(tb["x"] + tb["width"] / 2, tb["y"] + tb["height"] / 2)
    pg.mouse.down()
    pg.mouse.move(track["x"] + track["width"] + 50, tb["y"] + tb["height"] / 2, steps=8)  # past the right end
    pg.mouse.up()
    pg.wait_for_url(re.compile(r"[?&]age=\d+"), timeout=60_000)
    assert settled_verdict(app, "Ineligible") == "Ineligible"  # the slider's top end is above 38 years
    assert int(re.search(r"[?&]age=(\d+)", pg.url).group(1)) > 38
    app.shot("whatif_age_dragged")
    pg.get_by_role("button", name=re.compile("Clear")).first.click()
    pg.wait_for_url(lambda u: "age=" not in u, timeout=60_000)
    assert settled_verdict(app, "Needs review") == "Needs review"
    assert not app.exceptions()

