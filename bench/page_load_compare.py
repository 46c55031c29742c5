"""Page load, before vs after: the same pages served from several checkouts of trialkit side by side (plus the
empty Streamlit app), loaded interleaved in one run, so machine noise hits every version alike.

Each ROOT is a checkout of the repository (e.g. ``git archive <commit> | tar -x -C /tmp/base``); each gets its
own server and a private copy of its shipped trials. The measure is ``bench/page_load.py``'s (finished page:
script idle, no stSkeleton; a first-time visitor in a fresh browser context, or ``--warm`` for a returning one).

    python bench/page_load_compare.py --roots /tmp/base,. --pages Enrollment,Sites [--repeats 7] [--warm]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_load import ARGS, CHROMIUM, Server, load_once, served_env  # noqa: E402

MAIN = ('[data-testid="stMainBlockContainer"] [data-testid="stHeading"], [data-testid="stMain"] h1, '
        '[data-testid="stMain"] h2, [data-testid="stMain"] h3')


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roots", required=True, help="comma-separated checkouts of trialkit to compare")
    ap.add_argument("--pages", default="Overview", help="comma-separated URL paths (\"\" is Home)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--warm", action="store_true", help="a returning visitor (second load in the same context)")
    ap.add_argument("--trial", default="NCT07176143")
    a = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"page_load_compare: {CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    roots = [Path(r).resolve() for r in a.roots.split(",")]
    for r in roots:
        if not (r / "app.py").exists():
            print(f"page_load_compare: {r} is not a trialkit checkout (no app.py)", file=sys.stderr)
            return 2
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="trialkit-bench-"))
    env = served_env(tmp)  # each checkout then gets its own data folder below
    servers, cases = [], {}
    kind = "warm" if a.warm else "cold"
    try:
        for i, root in enumerate(roots):
            data = tmp / f"data{i}"
            shutil.copytree(root / "data" / "trials", data / "trials")
            servers.append(Server(root / "app.py", root, dict(env, TRIALKIT_DATA_DIR=str(data))))
            for page in a.pages.split(","):
                cases[f"{root.name}:{page or 'Home'}"] = (f"http://127.0.0.1:{servers[-1].port}/{page}?trial={a.trial}",
                                                          MAIN)
        empty_dir = tmp / "empty"
        empty_dir.mkdir()
        (empty_dir / "app.py").write_text("import streamlit as st\n")
        servers.append(Server(empty_dir / "app.py", empty_dir, env))
        cases["empty app"] = (f"http://127.0.0.1:{servers[-1].port}/", '[data-testid="stMain"]')
        times = {k: [] for k in cases}
        load = [os.getloadavg()[0]]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for url, sel in cases.values():  # warm-up: first runs, server caches
                load_once(browser, url, sel)
            for _ in range(a.repeats):
                for name, (url, sel) in cases.items():
                    times[name].append(load_once(browser, url, sel, warm=a.warm)[kind]["t"])
                load.append(os.getloadavg()[0])
            browser.close()
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    base = statistics.median(times["empty app"])
    print(f"{kind} page loads, median of {a.repeats}, interleaved; load average {min(load):.2f}-{max(load):.2f}")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:<40} {m * 1000:6.0f} ms {m / base:5.2f}x  [{', '.join(f'{t * 1000:.0f}' for t in ts)}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
