"""The enrollment log on a real PostgreSQL server: import, validation leaving the database unchanged, the
append-only audit trail, and eight parallel writers (threads and processes).

``TRIALKIT_TEST_PG_URL`` names the server (``.ci/run`` starts Debian's postgresql and exports it, e.g.
``postgresql+psycopg://trialkit@127.0.0.1:5432/trialkit_test``). Without it the tests skip locally, but
fail when ``CI`` is set, so CI cannot skip them silently. Each test works in a schema of its own, dropped
afterwards.
"""
from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest

from tests.unit import test_enrollment_storage as shared
from tests.unit.test_enrollment_fixtures import NCT, good_files, seed_trial
from trialkit.errors import LogValidationError

pytestmark = pytest.mark.postgres

PG_URL = os.environ.get("TRIALKIT_TEST_PG_URL")


@pytest.fixture
def pg_url(data_dir):
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("TRIALKIT_TEST_PG_URL is not set in CI: the PostgreSQL tests must run there")
        pytest.skip("TRIALKIT_TEST_PG_URL not set (no PostgreSQL server for this run)")
    from sqlalchemy import create_engine, text

    schema = f"tk_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    yield url
    from trialkit import db

    db.dispose_all()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(pg_url):
    from trialkit.db import get_engine, init_db

    eng = get_engine(pg_url)
    assert eng.dialect.name == "postgresql"
    init_db(eng)
    return eng


def test_import_and_read_on_postgres(engine):
    shared.check_import_and_read(engine)


def test_audit_trail_shows_every_import_on_postgres(engine):
    shared.check_audit_shows_every_import(engine)


def test_audit_trail_is_append_only_on_postgres(engine):
    shared.check_audit_is_append_only(engine)


def test_bad_file_leaves_postgres_unchanged(engine):
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import import_log, read_log

    import_log(engine, NCT, *good_files(), user="alice", trial=seed_trial())
    before = read_log(engine, NCT)
    bad = good_files()[0].decode().replace("2025-01-25", "2025-01-05")  # enrollment before site activation
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, bad, good_files()[1], user="bob", trial=seed_trial())
    assert any(p.startswith("row 2: enrollment_date:") for p in err.value.problems)
    after = read_log(engine, NCT)
    assert before.participants.equals(after.participants) and before.sites.equals(after.sites)
    assert list(read_audit(engine, NCT)["user"]) == ["alice"]


def test_eight_parallel_threads_on_postgres(engine, pg_url):
    shared.check_parallel_writers(engine, pg_url, workers=8, per_worker=10)


def test_eight_parallel_processes_on_postgres(engine, pg_url):
    shared.check_parallel_writers(engine, pg_url, workers=8, per_worker=5, processes=True)


def test_demo_data_and_summary_on_postgres(engine):
    from trialkit.catalog import default_catalog
    from trialkit.enrollment.metrics import summarize
    from trialkit.enrollment.storage import ensure_demo_data, read_log

    ensure_demo_data(engine, default_catalog())
    ensure_demo_data(engine, default_catalog())
    log = read_log(engine, NCT)
    s = summarize(log.participants, log.sites, seed_trial(), source=log.source)
    assert log.source == "demo" and s["simulated"]
    assert s["screened"] == (s["in_screening"] + s["screen_failed"] + s["declined"] + s["eligible_not_enrolled"]
                             + s["enrolled"])
