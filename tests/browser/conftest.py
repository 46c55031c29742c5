"""Browser tests: the real app served by ``streamlit run app.py``, driven by Playwright in Debian's Chromium.

* ``server`` (session): starts Streamlit on a free loopback port with a temporary TRIALKIT_DATA_DIR (the
  shipped trials copied in) and waits on ``/_stcore/health``; stops it afterwards. ``server.url(path)``.
* ``browser`` (session): headless Chromium (``/usr/bin/chromium``, or ``TRIALKIT_CHROMIUM``) with the flags
  a closed network needs. ``page`` (per test): a fresh context and page.
* ``goto(page, url)``: navigate and wait until the script has finished running.
* ``shoot(page, name)``: a full-page screenshot kept under ``artifacts/screenshots/`` (a test artefact).

Without Chromium the tests are skipped locally but fail under ``CI=true``: CI installs it.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("TRIALKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
#: Preferred ports (this project's share of the machine); any free port when all are taken.
PORT_RANGE = range(8620, 8641)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    for p in PORT_RANGE:
        if _free(p):
            return p
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _need(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{what} is missing under CI=true (.ci/run installs it)")
    pytest.skip(f"{what} is not available here")


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the process that started it dies (no orphans after a kill)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class StreamlitServer:
    def __init__(self, script: Path, *, data_dir: Path | None = None, cwd: Path = ROOT,
                 env: dict[str, str] | None = None, log: Path | None = None):
        self.script, self.cwd, self.port = script, cwd, free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("TRIALKIT_DB_URL", "TRIALKIT_READ_ONLY", "TRIALKIT_TRIALS_DIR")}
        if data_dir is not None:
            self.env["TRIALKIT_DATA_DIR"] = str(data_dir)
        self.env.update(env or {})
        self.log = log or Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log")[1])
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def start(self, timeout: float = 60) -> "StreamlitServer":
        cmd = [sys.executable, "-m", "streamlit", "run", str(self.script), "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self._fh = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, env=self.env, stdout=self._fh, stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({self.proc.returncode}): {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url("/_stcore/health"), timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout}s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "_fh", None):
            self._fh.close()


def make_data_dir(base: Path) -> Path:
    d = base / "data"
    (d / "trials").mkdir(parents=True)
    for f in (ROOT / "data" / "trials").glob("*.json"):
        shutil.copy(f, d / "trials" / f.name)
    return d


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    _need("/usr/bin/chromium", Path(CHROMIUM).exists())
    d = make_data_dir(tmp_path_factory.mktemp("browser-data"))
    srv = StreamlitServer(ROOT / "app.py", data_dir=d, log=tmp_path_factory.mktemp("logs") / "streamlit.log")
    srv.data_dir = d
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    _need("/usr/bin/chromium", Path(CHROMIUM).exists())
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        _need("the playwright package", False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(30_000)
    pg = ctx.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    yield pg
    ctx.close()


def wait_idle(pg, timeout: float = 60) -> None:
    """Wait until the script run has finished and every element is painted (no skeletons left), three
    polls in a row, to ride out a quick rerun."""
    deadline = time.monotonic() + timeout
    calm = 0
    while time.monotonic() < deadline:
        state = pg.evaluate("""() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return null;
            const s = app.getAttribute('data-test-script-state');
            // elements still arriving are drawn as skeletons after the script has finished
            return s === 'notRunning' && document.querySelector('[data-testid="stSkeleton"]') ? 'painting' : s; }""")
        if state == "notRunning":
            calm += 1
            if calm >= 3:
                return
        else:
            calm = 0
        pg.wait_for_timeout(150)
    raise TimeoutError(f"the app did not finish running within {timeout}s (state {state!r})")


def goto(pg, url: str, timeout: float = 60) -> None:
    pg.goto(url, wait_until="domcontentloaded")
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    wait_idle(pg, timeout)
    wait_drawn(pg)


def wait_drawn(pg, timeout_ms: int = 8000) -> None:
    """Give tables (canvas grids) and charts a moment to paint, so screenshots show them."""
    try:
        pg.wait_for_function("""() => {
            const grids = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
            const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
            return grids.every(g => g.querySelector('canvas')) && charts.every(c => c.querySelector('.main-svg'));
        }""", timeout=timeout_ms)
    except Exception:  # a slow paint is not the test's subject; the tests assert what they need
        pass


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120] or "shot"


def shoot(pg, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{slug(name)}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def body_text(pg) -> str:
    return pg.inner_text("body")


APP_ERROR = "This app has encountered an error"


def exceptions(pg) -> list[str]:
    """Exception boxes on the page (with showErrorDetails = "none" they read only APP_ERROR...)."""
    found = [e.inner_text() for e in pg.query_selector_all('[data-testid="stException"]')]
    if not found and APP_ERROR in body_text(pg):
        found.append(APP_ERROR)
    return found


def page_not_found(pg) -> bool:
    return "Page not found" in body_text(pg)


class App:
    """The page under test, bound to the server: ``app.open("/Criteria?trial=…")``, ``app.shot(name)``."""

    def __init__(self, server: StreamlitServer, pg):
        self.server, self.page = server, pg

    def open(self, path: str, timeout: float = 60):
        goto(self.page, self.server.url(path), timeout)
        return self.page

    def idle(self, timeout: float = 60) -> None:
        wait_idle(self.page, timeout)

    def shot(self, name: str) -> Path:
        return shoot(self.page, name)

    def text(self) -> str:
        return body_text(self.page)

    def exceptions(self) -> list[str]:
        return exceptions(self.page)

    def page_not_found(self) -> bool:
        return page_not_found(self.page)

    def chooser(self):
        """The sidebar's shared trial chooser (a combobox input)."""
        return self.page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input[role="combobox"]').first

    def chosen_trial(self) -> str:
        return self.chooser().input_value()

    def choose_trial(self, nct_id: str) -> None:
        box = self.chooser()
        box.click()
        box.fill(nct_id)
        self.page.get_by_role("option", name=re.compile(re.escape(nct_id))).first.click()
        self.idle()


@pytest.fixture
def app(server, page) -> App:
    return App(server, page)
