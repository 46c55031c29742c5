"""Hardening round two on a real PostgreSQL server (issue 12, part A): eight concurrent ``enrollment import``
commands of one trial for several rounds (the first on an empty schema: table creation and first-import
races), and values PostgreSQL would refuse (too long for a column, NUL) caught by validation first.

``TRIALKIT_TEST_PG_URL`` as in test_enrollment_postgres.py (skips locally without it, fails under CI).
"""
from __future__ import annotations

import pytest

from tests.integration.test_enrollment_postgres import pg_url  # noqa: F401 - the fixture
from tests.unit import test_hardening_storage as shared

pytestmark = pytest.mark.postgres


def test_eight_concurrent_cli_imports_of_one_trial_on_postgres(pg_url, tmp_path):  # noqa: F811
    shared.check_concurrent_imports(lambda r: pg_url, tmp_path, rounds=3, workers=8)


def test_values_postgres_would_refuse_are_caught_by_validation(pg_url):  # noqa: F811
    from trialkit.db import get_engine, init_db

    engine = get_engine(pg_url)
    init_db(engine)
    shared.check_values_postgres_would_refuse(engine)
