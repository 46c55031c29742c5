"""Page load in the browser: EVERY page of the app vs an empty Streamlit app, served and loaded in the same run.

A Streamlit server is started on a loopback port for the app (with a temporary copy of the shipped trials)
and one for an empty app; headless Chromium opens each page in a fresh browser context, several times, the
pages interleaved with the empty app so machine noise hits them alike. The time measured is from navigation
start to the first paint of the *finished* page: the app's script run has ended (``data-test-script-state``
back to ``notRunning`` after ``running``), no element is still a loading skeleton (``stSkeleton``), and the
page's main block is in the DOM, then the next animation frame.

Two visitors are measured, each against the empty app measured the same way:
  * cold: a first-time visitor (a fresh browser context: empty HTTP cache, so every JS chunk of Streamlit's
    frontend that the page needs is fetched, parsed and compiled);
  * warm: a returning visitor (the same context opens the page a second time: Streamlit's chunks are
    content-hashed and served ``Cache-Control: immutable``, so they come from the browser's cache).
Printed: the median per page, the median over the pages and the slowest page, each as a ratio to the empty
app's median, for both. ``--breakdown`` adds, per page, where the time goes: the milestones of the load (HTML,
websocket open and first message, the script run as the DOM shows it, the last skeleton gone), when the
server's ``script_finished`` reached the browser (CDP network events), the main thread's long tasks, and every
resource the page fetched that the empty app did not (the lazily loaded JS chunks of the element types it
draws, with size and arrival time).

The pages are ui.common.PAGES (the sidebar's list), so a page added there is measured too.

Floors (measured in the same run, the same way, unless ``--no-floors``): what Streamlit's own frontend costs
before a page draws anything of its own, each as a ratio to the empty app. "trialkit's frame" is a page that
calls ``ui.common.page()`` and draws only its title (the sidebar every page has: page links, trial chooser,
demo switch, language switch); "one Plotly chart" and "one st.dataframe" are one-file apps that draw a title
and one small element of that kind, with no sidebar; "frame + one Plotly chart" is the frame plus the same
chart. A page cannot load faster than the floor of what it shows, so these say which targets a page with a
trial chooser, a table or a chart can meet at all. Each page is also printed over its own floor: the frame + one
Plotly chart if a Plotly chart was on the finished page, else the frame; that ratio is the part of the load that
is the page's own (its other elements, their JS chunks, its script run).

    python bench/page_load.py [--repeats 5] [--trial NCT07176143] [--pages Overview,Cohort] [--cold-only]
                              [--breakdown] [--no-floors] [--json]
"""
from __future__ import annotations

import argparse
import base64
import json
import os
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
# and the wanted element is present, at the next animation frame (i.e. painted). Also records, for
# --breakdown, the milestones of the load: the websocket's first message, the script's start and end as
# the DOM shows them (data-test-script-state), the last stSkeleton gone, and every long task (> 50 ms of
# the page's main thread: parsing and running a JS chunk, React rendering a large tree, Plotly drawing).
READY_JS = """
(() => {
  window.__benchReady = null; let sawRunning = false;
  const B = window.__bench = {wsOpen: null, wsFirst: null, wsLast: null, wsMessages: 0, running: null,
                              idle: null, skeletonSeen: 0, skeletonGone: null, longtasks: []};
  try { performance.setResourceTimingBufferSize(2000); } catch (e) {}
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries())
      B.longtasks.push([Math.round(e.startTime), Math.round(e.duration)]); })
      .observe({type: 'longtask', buffered: true});
  } catch (e) {}
  const NativeWS = window.WebSocket;
  window.WebSocket = class extends NativeWS {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => { if (B.wsOpen === null) B.wsOpen = performance.now(); });
      this.addEventListener('message', () => { const t = performance.now();
        if (B.wsFirst === null) B.wsFirst = t; B.wsLast = t; B.wsMessages++; });
    }
  };
  let skeleton = false;
  const wanted = () => document.querySelector(window.__benchSelector || '[data-testid="stApp"]');
  const check = (records) => {
    const now = performance.now();
    const sk = !!document.querySelector('[data-testid="stSkeleton"]');
    if (sk) B.skeletonSeen++;
    if (skeleton && !sk) B.skeletonGone = now;
    skeleton = sk;
    if (window.__benchReady !== null) return;
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return;
    for (const r of records || []) if (r.oldValue === 'running') sawRunning = true;
    const s = app.getAttribute('data-test-script-state');
    if (s === 'running') { sawRunning = true; if (B.running === null) B.running = now; }
    if (sawRunning && s === 'notRunning' && B.idle === null) B.idle = now;
    if (sawRunning && s === 'notRunning' && wanted() && !sk) {
      window.__benchReady = -1;
      requestAnimationFrame(() => { window.__benchReady = performance.now(); });
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true,
      attributeOldValue: true, attributeFilter: ['data-test-script-state']});
})();
"""

# What a finished load reports besides its time (--breakdown): milestones in ms from navigation start, and
# every resource fetched (JS chunk, CSS, font, image) with its size and when it had arrived.
BREAKDOWN_JS = """
() => {
  const B = window.__bench, nav = performance.getEntriesByType('navigation')[0] || {};
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
  return {ready: window.__benchReady, html: nav.responseEnd || null, dcl: nav.domContentLoadedEventEnd || null,
          fcp: paint['first-contentful-paint'] || null, wsOpen: B.wsOpen, wsFirst: B.wsFirst, wsLast: B.wsLast,
          wsMessages: B.wsMessages, running: B.running, idle: B.idle, skeletonSeen: B.skeletonSeen,
          skeletonGone: B.skeletonGone, longtasks: B.longtasks,
          resources: performance.getEntriesByType('resource').map(e => ({
            name: e.name.split('?')[0].split('/').pop(), type: e.initiatorType, start: e.startTime,
            end: e.responseEnd, bytes: e.decodedBodySize, transfer: e.transferSize}))};
}
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


def served_env(tmp: Path) -> dict:
    """The environment every served app gets: the private data folder under ``tmp``, the embedded database,
    writes allowed (whatever the caller's shell sets)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TRIALKIT_DB_URL", "TRIALKIT_READ_ONLY")}
    env["TRIALKIT_DATA_DIR"] = str(tmp / "data")
    return env


def app_and_baseline(tmp: Path, baseline_source: str, servers: list) -> tuple[Server, Server]:
    """trialkit's app on a private copy of the shipped trials, and a one-file baseline Streamlit app, both
    served (appended to ``servers`` as they start, so the caller's cleanup stops whatever did start)."""
    shutil.copytree(ROOT / "data" / "trials", tmp / "data" / "trials")
    env = served_env(tmp)
    base_dir = tmp / "baseline"
    base_dir.mkdir()
    (base_dir / "app.py").write_text(baseline_source)
    servers.append(Server(ROOT / "app.py", ROOT, env))
    servers.append(Server(base_dir / "app.py", base_dir, env))
    return servers[-2], servers[-1]


_FRAME = "from ui import common\nimport streamlit as st\n\ncommon.page(\"trialkit\")\nst.title(\"trialkit\")\n"
_CHART = ("import plotly.graph_objects as go\nimport streamlit as st\n\n{head}st.title(\"One chart\")\n"
          "st.plotly_chart(go.Figure(go.Bar(x=[\"a\", \"b\", \"c\"], y=[3, 1, 2])))\n")
#: label -> (source of the floor app's main script, whether it needs trialkit's files beside it)
FRAME, FRAME_CHART = "trialkit's frame (sidebar only)", "frame + one Plotly chart"
FLOORS = {
    FRAME: (_FRAME, True),
    "one Plotly chart": (_CHART.format(head=""), False),
    "one st.dataframe": ("import pandas as pd\nimport streamlit as st\n\nst.title(\"One table\")\n"
                         "st.dataframe(pd.DataFrame({\"a\": [1, 2, 3], \"b\": [\"x\", \"y\", \"z\"]}))\n", False),
    FRAME_CHART: (_CHART.format(head="from ui import common\n\ncommon.page(\"trialkit\")\n"), True),
}


def floor_servers(tmp: Path, servers: list) -> dict[str, Server]:
    """One server per FLOORS app. An app that draws trialkit's frame is served from a folder holding its script
    as ``app.py`` beside links to this checkout's ``ui``, ``trialkit``, ``pages`` and ``.streamlit`` (the page
    links point at the real pages; the trials are the same private copy the app uses)."""
    env = served_env(tmp)
    out = {}
    for i, (label, (source, needs_trialkit)) in enumerate(FLOORS.items()):
        folder = tmp / f"floor{i}"
        folder.mkdir()
        (folder / "app.py").write_text(source)
        if needs_trialkit:
            for name in ("ui", "trialkit", "pages", ".streamlit"):
                (folder / name).symlink_to(ROOT / name, target_is_directory=True)
        servers.append(Server(folder / "app.py", folder, env))
        out[label] = servers[-1]
    return out


class WireTimes:
    """--breakdown: when the server's messages reach the browser (CDP network events, so the arrival time,
    not when a busy main thread gets to them), in ms from the document request: the first websocket frame
    and the script run's ``script_finished``. Their gap is the server's first run of the page in a new
    session plus the messages' way; what follows it until the finished page is the browser's work."""

    def __init__(self, ctx, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._msg = ForwardMsg
        self.t0 = None
        self.first = None
        self.finished = None
        self.bytes = 0
        cdp = ctx.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.send("Network.enable")

    def reset(self):
        self.t0 = self.first = self.finished = None
        self.bytes = 0

    def _request(self, ev):
        if self.t0 is None and ev.get("type") == "Document":
            self.t0 = ev["timestamp"]

    def _frame(self, ev):
        if self.t0 is None:
            return
        t = (ev["timestamp"] - self.t0) * 1000
        if self.first is None:
            self.first = t
        data = ev["response"].get("payloadData", "")
        self.bytes += len(data) * 3 // 4
        if self.finished is None and ev["response"].get("opcode") == 2:
            try:
                msg = self._msg.FromString(base64.b64decode(data))
            except Exception:
                return
            if msg.WhichOneof("type") == "script_finished":
                self.finished = t


def _load(page, url: str, wire) -> dict:
    if wire is not None:
        wire.reset()
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__benchReady !== null && window.__benchReady > 0", timeout=60_000)
    out = {"t": page.evaluate("() => window.__benchReady") / 1000.0,
           "chart": page.evaluate("() => !!document.querySelector('[data-testid=\"stPlotlyChart\"]')")}
    if wire is not None:
        out["b"] = {**page.evaluate(BREAKDOWN_JS), "wireFirst": wire.first, "wireFinished": wire.finished,
                    "wireBytes": wire.bytes}
    return out


def load_once(browser, url: str, selector: str, *, warm: bool = False, breakdown: bool = False) -> dict:
    """One first-time visitor (a fresh browser context: empty HTTP cache, no V8 code cache): the cold load.
    With ``warm``, the same context then opens the page again, as a returning visitor does (Streamlit's JS
    chunks, CSS and fonts are content-hashed and served ``immutable``, so they come from the browser's cache;
    the websocket session, and so the script run, is new). Returns {"cold": {...}, "warm": {...}}, each with
    "t" (seconds to the finished page) and, with ``breakdown``, "b" (milestones, long tasks, resources)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.add_init_script(f"window.__benchSelector = {json.dumps(selector)};" + READY_JS)
    page = ctx.new_page()
    wire = WireTimes(ctx, page) if breakdown else None
    try:
        out = {"cold": _load(page, url, wire)}
        if warm:
            page.goto("about:blank")
            out["warm"] = _load(page, url, wire)
        return out
    finally:
        ctx.close()


def page_urls() -> dict[str, str]:
    """Sidebar label -> URL path ("" for the home page), from ui.common.PAGES."""
    sys.path.insert(0, str(ROOT))
    from ui.common import PAGES, url_path

    return {label: url_path(path) for path, label, _ in PAGES}


def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _ms(v) -> str:
    return "   -  " if v is None else f"{v:6.0f}"


def summarize(samples: list[dict], empty_samples: list[dict]) -> list[str]:
    """The --breakdown lines of one page: milestone medians (ms from navigation start), long tasks, and the
    resources this page fetched that the empty app did not (the element types it draws on first paint)."""
    bs = [x["b"] for x in samples]
    m = {k: _med([b[k] for b in bs]) for k in ("html", "fcp", "wsOpen", "wsFirst", "running", "idle",
                                               "skeletonGone", "ready", "wsMessages", "wireFirst", "wireFinished",
                                               "wireBytes")}
    lt_total = _med([sum(d for _, d in b["longtasks"]) for b in bs])
    lt_after = _med([sum(d for t, d in b["longtasks"] if b["idle"] is not None and t + d > b["idle"]) for b in bs])
    lt_n = _med([len(b["longtasks"]) for b in bs])
    script = _med([b["idle"] - b["running"] for b in bs if b["idle"] is not None and b["running"] is not None])
    lines = [f"      html {_ms(m['html'])}  fcp {_ms(m['fcp'])}  ws open {_ms(m['wsOpen'])}  first msg "
             f"{_ms(m['wsFirst'])}  script {_ms(m['running'])} ->{_ms(m['idle'])} (= {_ms(script)})  "
             f"last skeleton gone {_ms(m['skeletonGone'])}  finished {_ms(m['ready'])}  msgs {m['wsMessages']:.0f}",
             f"      on the wire: first frame {_ms(m['wireFirst'])}, script_finished {_ms(m['wireFinished'])} "
             f"(server run + delivery = {_ms(_med([b['wireFinished'] - b['wireFirst'] for b in bs if b['wireFinished'] and b['wireFirst']]))}), "
             f"{m['wireBytes'] / 1e3:.0f} KB of messages",
             f"      long tasks: {lt_n:.0f}, {lt_total:.0f} ms in all, {lt_after:.0f} ms of them after the script "
             f"ended"]
    base_names = {r["name"] for x in empty_samples for r in x["b"]["resources"]}
    per_name: dict[str, list[dict]] = {}
    for b in bs:
        for r in b["resources"]:
            per_name.setdefault(r["name"], []).append(r)
    total = _med([sum(r["bytes"] or 0 for r in b["resources"]) for b in bs])
    extra = sorted((n for n in per_name if n not in base_names), key=lambda n: _med([r["start"] for r in per_name[n]]))
    lines.append(f"      resources: {_med([len(b['resources']) for b in bs]):.0f} fetched, {total / 1e6:.2f} MB "
                 f"decoded; beyond the empty app's:")
    for n in extra:
        rs = per_name[n]
        lines.append(f"        {n:<44} {_med([r['bytes'] or 0 for r in rs]) / 1e3:8.0f} KB  "
                     f"{_med([r['start'] for r in rs]):6.0f} -> {_med([r['end'] for r in rs]):6.0f} ms  "
                     f"(in {len(rs)}/{len(bs)} loads)")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--trial", default="NCT07176143")
    ap.add_argument("--pages", default="", help="comma-separated URL paths to measure (default: every page)")
    ap.add_argument("--cold-only", action="store_true", help="skip the returning visitor's (warm cache) load")
    ap.add_argument("--breakdown", action="store_true",
                    help="also print, per page, where the time goes (milestones, long tasks, JS chunks fetched)")
    ap.add_argument("--no-floors", action="store_true",
                    help="skip the floors (trialkit's frame, one Plotly chart, one st.dataframe, frame + chart)")
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
    warm = not a.cold_only
    kinds = ["cold", "warm"] if warm else ["cold"]
    tmp = Path(tempfile.mkdtemp(prefix="trialkit-bench-"))
    servers = []
    load_avg = []
    try:
        app, empty = app_and_baseline(tmp, "import streamlit as st\n", servers)
        main_sel = '[data-testid="stMainBlockContainer"] [data-testid="stHeading"], [data-testid="stMain"] h1, ' \
                   '[data-testid="stMain"] h2, [data-testid="stMain"] h3'
        cases = {label: (f"http://127.0.0.1:{app.port}/{path}?trial={a.trial}", main_sel)
                 for label, path in pages.items()}
        floors = {} if a.no_floors else {
            label: (f"http://127.0.0.1:{s.port}/?trial={a.trial}", main_sel)
            for label, s in floor_servers(tmp, servers).items()}
        empty_case = (f"http://127.0.0.1:{empty.port}/", '[data-testid="stMain"]')
        measured = {**cases, **floors}
        samples: dict[str, dict[str, list[dict]]] = {k: {kind: [] for kind in kinds} for k in [*measured, "empty"]}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for name, (url, sel) in [*measured.items(), ("empty", empty_case)]:  # warm-up: first run, caches
                load_once(browser, url, sel)
            load_avg.append(os.getloadavg()[0])
            for _ in range(a.repeats):
                for name, (url, sel) in measured.items():  # interleaved: the empty app before every page
                    for key, (u, s_) in (("empty", empty_case), (name, (url, sel))):
                        got = load_once(browser, u, s_, warm=warm, breakdown=a.breakdown)
                        for kind in kinds:
                            samples[key][kind].append(got[kind])
                load_avg.append(os.getloadavg()[0])
            browser.close()
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    result = {"bench": "page_load", "repeats": a.repeats,
              "load_average": [round(min(load_avg), 2), round(max(load_avg), 2)]}
    print(f"page load to the finished page (script idle, no stSkeleton), median of {a.repeats} per page; "
          f"load average {min(load_avg):.2f}-{max(load_avg):.2f} during the run")
    for kind in kinds:
        times = {k: [x["t"] for x in v[kind]] for k, v in samples.items()}
        med = {k: statistics.median(v) for k, v in times.items()}
        base = med["empty"]
        ratios = {k: med[k] / base for k in cases}
        floor_ratios = {k: med[k] / base for k in floors}
        # each page over the floor of what it shows on first paint: the frame, or the frame and a Plotly chart
        floor_of = {k: (FRAME_CHART if any(x["chart"] for x in samples[k][kind]) else FRAME) for k in cases}
        over_floor = {k: med[k] / med[floor_of[k]] for k in cases} if floors else {}
        over_pages = statistics.median(ratios.values())
        slowest = max(ratios, key=ratios.get)
        who = ("first-time visitor (fresh browser context: empty HTTP cache)" if kind == "cold" else
               "returning visitor (same context, second load: chunks from the HTTP cache)")
        print(f"{kind}: {who}; empty Streamlit app: {base * 1000:.0f} ms (median of {len(times['empty'])})")
        for k in cases:
            print(f"  {k:<24} {med[k] * 1000:7.0f} ms  {ratios[k]:5.2f}x   "
                  f"[{', '.join(f'{t * 1000:.0f}' for t in times[k])}]"
                  + (f"   {over_floor[k]:4.2f}x its floor ({'frame + chart' if floor_of[k] == FRAME_CHART else 'frame'})"
                     if over_floor else ""))
            if a.breakdown:
                print("\n".join(summarize(samples[k][kind], samples["empty"][kind])))
        if a.breakdown:
            print(f"  {'empty app':<24} {base * 1000:7.0f} ms")
            print("\n".join(summarize(samples["empty"][kind], [])[:2]))
        for k in floors:
            print(f"  floor: {k:<33} {med[k] * 1000:7.0f} ms  {floor_ratios[k]:5.2f}x   "
                  f"[{', '.join(f'{t * 1000:.0f}' for t in times[k])}]")
        print(f"  {kind}: median over the {len(cases)} pages: {over_pages:.2f}x the empty app; slowest: {slowest} "
              f"{ratios[slowest]:.2f}x")
        if over_floor:
            worst = max(over_floor, key=over_floor.get)
            print(f"  {kind}: over each page's floor: median {statistics.median(over_floor.values()):.2f}x; slowest: "
                  f"{worst} {over_floor[worst]:.2f}x")
        result[kind] = {"ratio": round(over_pages, 3), "slowest": slowest, "slowest_ratio": round(ratios[slowest], 3),
                        "baseline_s": round(base, 4), "per_page": {k: round(v, 3) for k, v in ratios.items()},
                        "floors": {k: round(v, 3) for k, v in floor_ratios.items()},
                        "over_floor": {k: round(v, 3) for k, v in over_floor.items()}}
    if a.json:  # "ratio" (what bench/run_all.py quotes) is the first-time visitor's median over the pages
        print(json.dumps({**result, "ratio": result["cold"]["ratio"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
