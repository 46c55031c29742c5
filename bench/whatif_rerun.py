"""How long the what-if page takes to rerun after a slider move, against an empty one-slider app.

Both are driven by Streamlit's AppTest in this same process and run (no browser, no websocket: this
measures the script's own work: the page's inputs, the evaluation, the table, and the shared sidebar).
Each repeat moves the slider to the other side of a threshold (age 30 <-> 39 on NCT07176143, so the
verdict flips every time) and times ``run()``. Prints the medians of the repeats and their ratio.

    python bench/whatif_rerun.py [--repeats 21]

Two rounds: AppTest as it comes (it builds a fresh ScriptCache, so it recompiles both scripts on every
run), and with the compiled bytecode kept between runs, as a running server's one ScriptCache does. The
second is the figure to quote for a user's slider move; the first is printed for transparency.

Data: a temporary copy of data/trials (TRIALKIT_DATA_DIR), so nothing is written into the working tree.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE = """
import streamlit as st
st.slider("x", 0, 100, 30, key="x")
"""


def time_reruns(at, key: str, values: tuple, repeats: int) -> list[float]:
    times = []
    for i in range(repeats):
        at.slider(key=key).set_value(values[i % 2])
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
        if at.exception:
            raise SystemExit(f"the app raised: {at.exception[0].value}")
    return times


def measure(AppTest, repeats: int) -> tuple[list[float], list[float]]:
    base = AppTest.from_string(BASELINE, default_timeout=60)
    base.run()
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    page.query_params["trial"] = "NCT07176143"
    page.run()
    page.switch_page("pages/3_What_if.py")
    page.query_params["trial"] = "NCT07176143"
    page.query_params["age"] = "30"
    page.run()
    if page.exception:
        raise SystemExit(f"the what-if page raised: {page.exception[0].value}")
    # warm-up (imports, caches), then interleave the two so machine noise hits both alike
    time_reruns(base, "x", (39, 30), 3)
    time_reruns(page, "wi_age", (39, 30), 3)
    b, p = [], []
    for _ in range(repeats):
        b += time_reruns(base, "x", (39, 30), 1)
        p += time_reruns(page, "wi_age", (39, 30), 1)
    return b, p


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=21)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="trialkit-bench-"))
    (tmp / "trials").mkdir()
    for f in (ROOT / "data" / "trials").glob("*.json"):
        shutil.copy(f, tmp / "trials" / f.name)
    os.environ["TRIALKIT_DATA_DIR"] = str(tmp)
    os.environ.pop("TRIALKIT_DB_URL", None)
    from streamlit.testing.v1 import AppTest

    try:
        raw = measure(AppTest, args.repeats)
        from streamlit.runtime.scriptrunner import script_cache

        original = script_cache.ScriptCache.get_bytecode
        kept: dict = {}

        def get_bytecode(self, script_path):  # one cache for the process, as the server's runtime has
            if script_path not in kept:
                kept[script_path] = original(self, script_path)
            return kept[script_path]

        script_cache.ScriptCache.get_bytecode = get_bytecode
        try:
            served = measure(AppTest, args.repeats)
        finally:
            script_cache.ScriptCache.get_bytecode = original
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for title, (b, p) in (("AppTest as it comes (scripts recompiled every run)", raw),
                          ("bytecode kept between runs, as a server does", served)):
        mb, mp = statistics.median(b), statistics.median(p)
        print(f"{title}:")
        print(f"  empty one-slider app rerun: median {mb * 1000:.1f} ms over {len(b)} reruns")
        print(f"  what-if page rerun (NCT07176143, age slider): median {mp * 1000:.1f} ms over {len(p)} reruns")
        print(f"  ratio what-if / empty: {mp / mb:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
