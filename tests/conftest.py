"""One shared set of fixtures for every test layer.

* ``data_dir``: a temporary data folder (trials copied from data/trials, an empty imported/ and a fresh
  SQLite database), exported as TRIALKIT_DATA_DIR so the package, the CLI and the app all use it.
* ``engine``: that folder's SQLite database with every table created.
* ``apptest``: a factory for Streamlit AppTest runs of app.py or a page, with caches cleared.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CTGOV = SHARED / "ctgov"
SEED_IDS = ("NCT06610773", "NCT07176143")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "data"
    (d / "trials").mkdir(parents=True)
    for f in (ROOT / "data" / "trials").glob("*.json"):
        shutil.copy(f, d / "trials" / f.name)
    monkeypatch.setenv("TRIALKIT_DATA_DIR", str(d))
    monkeypatch.delenv("TRIALKIT_DB_URL", raising=False)
    monkeypatch.delenv("TRIALKIT_READ_ONLY", raising=False)
    from trialkit import db

    db.dispose_all()
    yield d
    db.dispose_all()


@pytest.fixture
def engine(data_dir):
    """The embedded SQLite database of ``data_dir`` with every trialkit table (no demo logs)."""
    from trialkit import db

    eng = db.get_engine()
    db.init_db(eng)
    return eng


@pytest.fixture
def apptest(data_dir):
    """``apptest(page=None, trial=None, **query)`` -> a run AppTest of app.py (switched to ``page``)."""
    from streamlit.testing.v1 import AppTest
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()

    def run(page: str | None = None, *, trial: str | None = None, timeout: float = 60, **query) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        if trial:
            at.query_params["trial"] = trial
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        if page:
            at.switch_page(page)
            if trial:
                at.query_params["trial"] = trial
            for k, v in query.items():
                at.query_params[k] = v
            at.run()
        return at

    yield run
    st.cache_data.clear()
    st.cache_resource.clear()


def ctgov_files() -> list[Path]:
    return sorted(CTGOV.glob("NCT*.json"))
