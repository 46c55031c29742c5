"""Page load in the browser: EVERY page of the app vs an empty Streamlit app, served and loaded in the same run.

A Streamlit server is started on a loopback port for the app (with a temporary copy of the shipped trials)
and one for an empty app; headless Chromium opens each page in a fresh browser context, several times, the
pages interleaved with the empty app so machine noise hits them alike. The time measured is from navigation
start to the first paint of the *finished* page: the app's script run has ended (``data-test-script-state``
back to ``notRunning`` after ``running``), no element is still a loading skeleton (``stSkeleton``), and the
page's main block is in the DOM, then the next animation frame. Printed: the median per page, the median
over the pages and the slowest page, each as a ratio to the empty app's median.

The pages are ui.common.PAGES (the sidebar's list), so a page added there is measured too.

    python bench/page_load.py [--repeats 5] [--trial NCT07176143] [--pages Overview,Cohort] [--json]
"""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

# Installed before any page script: records performance.now() when the first script run has finished
# and the wanted element is present, at the next animation frame (i.e. painted).
READY_JS = """
(() => {
  window.__benchReady = null; let sawRunning = false;
  const wanted = () => document.querySelector(window.__benchSelector || '[data-testid="stApp"]');
  const check = (records) => {
    if (window.__benchReady !== null) return;
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return;
    for (const r of records || []) if (r.oldValue === 'running') sawRunning = true;
    const s = app.getAttribute('data-test-script-state');
    if (s === 'running') sawRunning = true;
    if (sawRunning && s === 'notRunning' && wanted() && !document.querySelector('[data-testid="stSkeleton"]')) {
      window.__benchReady = -1;
      requestAnimationFrame(() => { window.__benchReady = performance.now(); });
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true,
      attributeOldValue: true, attributeFilter: ['data-test-script-state']});
})();
"""


def free_port(preferred=range(8630, 8641)) -> int:
    for p in preferred:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
                return p
            except OSError:
                continue
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the process that started it dies (no orphans after a kill)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Server:
    def __init__(self, script: Path, cwd: Path, env: dict):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"streamlit {script} did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def app_and_baseline(tmp: Path, baseline_source: str, servers: list) -> tuple[Server, Server]:
    """trialkit's app on a private copy of the shipped trials, and a one-file baseline Streamlit app, both
    served (appended to ``servers`` as they start, so the caller's cleanup stops whatever did start)."""
    import os

    data = tmp / "data"
    shutil.copytree(ROOT / "data" / "trials", data / "trials")
    env = {k: v for k, v in os.environ.items() if k not in ("TRIALKIT_DB_URL", "TRIALKIT_READ_ONLY")}
    env["TRIALKIT_DATA_DIR"] = str(data)
    base_dir = tmp / "baseline"
    base_dir.mkdir()
    (base_dir / "app.py").write_text(baseline_source)
    servers.append(Server(ROOT / "app.py", ROOT, env))
    servers.append(Server(base_dir / "app.py", base_dir, env))
    return servers[-2], servers[-1]


def load_once(browser, url: str, selector: str) -> float:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.add_init_script(f"window.__benchSelector = {json.dumps(selector)};" + READY_JS)
    page = ctx.new_page()
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__benchReady !== null && window.__benchReady > 0", timeout=60_000)
        return page.evaluate("() => window.__benchReady") / 1000.0
    finally:
        ctx.close()


def page_urls() -> dict[str, str]:
    """Sidebar label -> URL path ("" for the home page), from ui.common.PAGES."""
    sys.path.insert(0, str(ROOT))
    from ui.common import PAGES, url_path

    return {label: url_path(path) for path, label, _ in PAGES}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--trial", default="NCT07176143")
    ap.add_argument("--pages", default="", help="comma-separated URL paths to measure (default: every page)")
    ap.add_argument("--json", action="store_true", help="also print one JSON line with the results")
    a = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"page_load: {CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    pages = page_urls()
    if a.pages:
        wanted = {p.strip() for p in a.pages.split(",")}
        pages = {k: v for k, v in pages.items() if v in wanted or k in wanted}
    tmp = Path(tempfile.mkdtemp(prefix="trialkit-bench-"))
    servers = []
    try:
        app, empty = app_and_baseline(tmp, "import streamlit as st\n", servers)
        main_sel = '[data-testid="stMainBlockContainer"] [data-testid="stHeading"], [data-testid="stMain"] h1, ' \
                   '[data-testid="stMain"] h2, [data-testid="stMain"] h3'
        cases = {label: (f"http://127.0.0.1:{app.port}/{path}?trial={a.trial}", main_sel)
                 for label, path in pages.items()}
        empty_case = (f"http://127.0.0.1:{empty.port}/", '[data-testid="stMain"]')
        times: dict[str, list[float]] = {k: [] for k in [*cases, "empty"]}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for name, (url, sel) in [*cases.items(), ("empty", empty_case)]:  # warm-up: first run, caches
                load_once(browser, url, sel)
            for _ in range(a.repeats):
                for name, (url, sel) in cases.items():
                    times["empty"].append(load_once(browser, *empty_case))
                    times[name].append(load_once(browser, url, sel))
            browser.close()
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["empty"]
    ratios = {k: med[k] / base for k in cases}
    over_pages = statistics.median(ratios.values())
    slowest = max(ratios, key=ratios.get)
    print(f"page load to the finished page (script idle, no stSkeleton), median of {a.repeats} per page; "
          f"empty Streamlit app: {base * 1000:.0f} ms (median of {len(times['empty'])})")
    for k in cases:
        print(f"  {k:<24} {med[k] * 1000:7.0f} ms  {ratios[k]:5.2f}x   "
              f"[{', '.join(f'{t * 1000:.0f}' for t in times[k])}]")
    print(f"  median over the {len(cases)} pages: {over_pages:.2f}x the empty app; slowest: {slowest} "
          f"{ratios[slowest]:.2f}x")
    if a.json:
        print(json.dumps({"bench": "page_load", "ratio": round(over_pages, 3), "slowest": slowest,
                          "slowest_ratio": round(ratios[slowest], 3), "baseline_s": round(base, 4),
                          "per_page": {k: round(v, 3) for k, v in ratios.items()}, "repeats": a.repeats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
