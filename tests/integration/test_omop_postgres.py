"""OMOP CDM on a real PostgreSQL server gives exactly the DuckDB / in-memory results (issue 14 item 7).

``TRIALKIT_TEST_PG_URL`` names the server (``.ci/run`` starts one); without it the test skips locally but
fails under CI. The synthetic OMOP database is copied into a schema of its own (``--cdm-schema``), dropped
afterwards."""
from __future__ import annotations

import os
import uuid

import pytest

from trialkit.cli import resolve_trial
from trialkit.criteria.ruleset import load_ruleset
from trialkit.omop.scan import scan
from trialkit.omop.source import OmopSourceError
from trialkit.omop.synthetic import copy_to_postgres, generate

pytestmark = pytest.mark.postgres
PG_URL = os.environ.get("TRIALKIT_TEST_PG_URL")


@pytest.fixture(scope="module")
def pg_cdm(tmp_path_factory):
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("TRIALKIT_TEST_PG_URL is not set in CI: the PostgreSQL tests must run there")
        pytest.skip("TRIALKIT_TEST_PG_URL not set (no PostgreSQL server for this run)")
    syn = generate(tmp_path_factory.mktemp("omop") / "syn.duckdb", n=3000, seed=11)
    schema = f"cdm_{uuid.uuid4().hex[:10]}"
    copy_to_postgres(syn.path, PG_URL, schema)
    yield syn, schema
    from sqlalchemy import create_engine, text

    eng = create_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    eng.dispose()


@pytest.mark.parametrize("trial", ["NCT07176143", "NCT06610773"])
def test_postgres_equals_duckdb(pg_cdm, trial):
    syn, schema = pg_cdm
    rs = load_ruleset(resolve_trial(trial))
    pg = scan(rs, PG_URL, cdm_schema=schema, index_date=syn.index_date, assume_judgment="favourable")
    dk = scan(rs, f"duckdb:///{syn.path}", index_date=syn.index_date, assume_judgment="favourable")
    a, b = pg.summary, dk.summary
    assert (a.n, a.eligible, a.needs_review, a.ineligible) == (b.n, b.eligible, b.needs_review, b.ineligible)
    assert a.n == syn.n
    assert a.funnel == b.funnel and a.sole_exclusions == b.sole_exclusions and a.unknown == b.unknown
    for c in a.shapley:
        assert a.shapley[c] == pytest.approx(b.shapley[c], abs=1e-9)
    ra, rb = pg.results(), dk.results()
    assert ra[["patient_id", "status", "failed", "unknown"]].equals(rb[["patient_id", "status", "failed", "unknown"]])


def test_postgres_wrong_schema(pg_cdm):
    with pytest.raises(OmopSourceError, match="no schema 'nope'"):
        scan(load_ruleset(resolve_trial("NCT07176143")), PG_URL, cdm_schema="nope")
