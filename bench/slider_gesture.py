"""Slider key press -> finished page, in the browser: the What-if Age slider and the Cohort threshold slider
vs the same gesture on a one-slider Streamlit app, all served and measured in the same run.

Each case: headless Chromium opens the page and waits until it is finished; then, repeatedly, the slider's
thumb gets a key press (ArrowRight, then ArrowLeft, so the value moves back and forth; on the What-if page
age 38 <-> 39 on NCT07176143 flips the verdict every time). The time measured runs from the keydown event
to the finished page: the server's ``script_finished`` message for that rerun (or fragment rerun) has
arrived on the page's websocket and no ``stSkeleton`` is left. (The DOM's ``data-test-script-state`` is
not used here: for a run as short as the one-slider app's, React batches running -> notRunning away and
the flip is never seen.) Printed: the medians and their ratio to the one-slider app.

    python bench/slider_gesture.py [--repeats 15] [--json]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_load import ARGS, CHROMIUM, app_and_baseline  # noqa: E402

ONE_SLIDER = 'import streamlit as st\nst.slider("Age (years)", 0, 100, 38, key="x")\n'

NO_SKELETON = "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"


class Finishes:
    """Listens on the page's websocket: the time (perf_counter) each ``script_finished`` message arrives
    (the server's word that a script or fragment run has ended)."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.times: list[float] = []

        def on_frame(payload):
            try:
                msg = ForwardMsg.FromString(payload if isinstance(payload, bytes) else payload.encode())
            except Exception:
                return
            if msg.WhichOneof("type") == "script_finished":
                self.times.append(time.perf_counter())

        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))


def wait_idle(page) -> None:
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]'); }", timeout=120_000)
    page.wait_for_timeout(300)


def gestures(browser, url: str, thumb_of, repeats: int, prepare=None) -> list[float]:
    """``repeats`` key presses on the slider; each timed from just before the press to the finished page
    (the server's script_finished for that rerun, and no skeleton left on the page)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    fin = Finishes(page)
    try:
        page.goto(url)
        if prepare:  # e.g. open the lazy tab that holds the slider
            page.wait_for_selector('[data-testid="stMain"] h2', timeout=120_000)
            wait_idle(page)
            prepare(page)
        page.wait_for_selector('[data-testid="stSlider"]', state="attached", timeout=120_000)
        wait_idle(page)
        thumb = thumb_of(page)
        out = []
        for i in range(repeats + 2):  # the first two are warm-up
            thumb.focus()
            page.wait_for_timeout(50)
            fin.times.clear()
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            deadline = t0 + 60
            while not fin.times and time.perf_counter() < deadline:
                page.wait_for_timeout(2)
            if not fin.times:
                raise SystemExit(f"no rerun after a key press on {url}")
            end = fin.times[0]
            if not page.evaluate(NO_SKELETON):
                page.wait_for_function(NO_SKELETON, polling="raf", timeout=60_000)
                end = time.perf_counter()
            if i >= 2:
                out.append(end - t0)
            wait_idle(page)
        return out
    finally:
        ctx.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"slider_gesture: {CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="trialkit-bench-"))
    servers = []
    try:
        app, base = app_and_baseline(tmp, ONE_SLIDER, servers)

        def age_thumb(page):
            return page.locator('[data-testid="stSlider"]', has_text="Age (years)").first.get_by_role("slider")

        def cohort_tab(page):
            page.get_by_role("tab", name="What if").click()

        def cohort_thumb(page):
            return page.get_by_role("tabpanel").locator('[data-testid="stSlider"]').first.get_by_role("slider")

        times: dict[str, list[float]] = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            n = max(1, a.repeats // 3)
            for _ in range(3):  # three rounds, interleaved so machine noise hits every case alike
                times.setdefault("one-slider app", []).extend(
                    gestures(browser, f"http://127.0.0.1:{base.port}/", age_thumb, n))
                times.setdefault("What-if Age slider", []).extend(gestures(
                    browser, f"http://127.0.0.1:{app.port}/What_if?trial=NCT07176143&age=38", age_thumb, n))
                times.setdefault("Cohort threshold slider", []).extend(gestures(
                    browser, f"http://127.0.0.1:{app.port}/Cohort?trial=NCT07176143", cohort_thumb, n,
                    prepare=cohort_tab))
            browser.close()
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    b = med["one-slider app"]
    print("slider key press -> finished page (script idle, no stSkeleton), medians:")
    for k, v in times.items():
        print(f"  {k:<24} {med[k] * 1000:7.0f} ms  {med[k] / b:5.2f}x   [{', '.join(f'{t * 1000:.0f}' for t in v)}]")
    if a.json:
        print(json.dumps({"bench": "slider_gesture", "ratio": round(med["What-if Age slider"] / b, 3),
                          "baseline_s": round(b, 4),
                          "ratios": {k: round(med[k] / b, 3) for k in med}, "repeats": len(times[k])}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
