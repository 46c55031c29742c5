"""OMOP CDM cohorts (issue 14): the database path equals the in-memory engine, the extracted values equal the
synthetic generator's truth, compiled SQL parses in other dialects, bad sources get one clear line."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trialkit.cli import resolve_trial
from trialkit.cohort.analysis import summarize
from trialkit.criteria.evaluate import evaluate_frame
from trialkit.criteria.ruleset import load_ruleset
from trialkit.omop.scan import scan
from trialkit.omop.source import OmopSourceError, open_source
from trialkit.omop.synthetic import generate

ROOT = Path(__file__).resolve().parents[2]
SYNTHEA = Path("/work/shared/omop/Synthea27NjParquet_5.4.zip")
if not SYNTHEA.exists():
    SYNTHEA = ROOT.parent / "shared" / "omop" / "Synthea27NjParquet_5.4.zip"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("omop") / "syn.duckdb", n=4000, seed=7)


@pytest.mark.parametrize("trial", ["NCT07176143", "NCT06610773"])
@pytest.mark.parametrize("assume", [None, "favourable"])
def test_duckdb_equals_in_memory(synthetic, trial, assume):
    rs = load_ruleset(resolve_trial(trial))
    r = scan(rs, f"duckdb:///{synthetic.path}", index_date=synthetic.index_date, assume_judgment=assume)
    per = r.results()
    ids = r.criterion_ids
    frame = per[r.values.fields].copy()
    for f in frame.columns:
        if f in ("recurrent_miscarriage",):
            frame[f] = frame[f].astype("boolean")
    ev = evaluate_frame(rs, frame, assumed=r.assumed)
    mem = summarize(ev.codes, ids)
    db = r.summary
    assert (db.n, db.eligible, db.needs_review, db.ineligible) == (mem.n, mem.eligible, mem.needs_review,
                                                                    mem.ineligible) == (db.n, *_counts(per))
    assert db.funnel == mem.funnel and db.sole_exclusions == mem.sole_exclusions
    assert db.failing == mem.failing and db.unknown == mem.unknown
    for c in ids:
        assert db.shapley[c] == pytest.approx(mem.shapley[c], abs=1e-9)
    assert int(r.weights.sum()) == synthetic.n and len(r.patterns) < synthetic.n


def _counts(per):
    v = per["status"].value_counts()
    return int(v.get("eligible", 0)), int(v.get("needs_review", 0)), int(v.get("ineligible", 0))


def test_values_equal_the_generators_truth(synthetic):
    rs = load_ruleset(resolve_trial("NCT07176143"))
    r = scan(rs, f"duckdb:///{synthetic.path}", index_date=synthetic.index_date)
    per = r.results().set_index("patient_id")
    truth = synthetic.truth.set_index("person_id").loc[per.index]
    for f in ("age", "bmi", "hemoglobin", "platelets", "fsh"):
        a, b = per[f].to_numpy(float), truth[f].to_numpy(float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), f  # decoys after the index / too old never picked
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-12, err_msg=f)
    assert (per["sex"] == truth["sex"]).all()
    got = per["recurrent_miscarriage"].astype("boolean")
    assert got.isna().equals(truth["recurrent_miscarriage"].isna())  # no record = unknown, decoys ignored
    # the unconvertible unit ('%') is listed, never guessed
    assert any(u == "%" for _, _, u, _ in r.values.unconvertible)
    assert any("cannot be converted" in n for n in r.notes())
    assert r.synthetic and "SYNTHETIC" in r.label
    assert synthetic.path.name in r.label and str(synthetic.path.parent) not in r.label  # no server folders


def test_notes_hide_small_counts_in_demo_mode(synthetic):
    import dataclasses

    rs = load_ruleset(resolve_trial("NCT07176143"))
    r = scan(rs, f"duckdb:///{synthetic.path}", index_date=synthetic.index_date)
    field = next(iter(r.unknown_values))
    small = dataclasses.replace(r, unknown_values={**r.unknown_values, field: 3})
    assert any(f"no usable value for 3 of {r.summary.n:,} persons" in n for n in small.notes())
    hidden = small.notes(suppress=True)
    assert not any("for 3 of" in n for n in hidden)
    assert any(f"no usable value for <5 of {r.summary.n:,} persons" in n for n in hidden)


def test_sql_parses_in_other_dialects_and_matches_snapshot(synthetic):
    import ibis
    import sqlglot

    from trialkit.omop.compile import pattern_query, person_values

    rs = load_ruleset(resolve_trial("NCT07176143"))
    src = open_source(f"duckdb:///{synthetic.path}")
    pv = person_values(src, list(rs.fields_used()), synthetic.index_date, engine="portable")  # not DuckDB's arg_max
    expr = pattern_query(rs, pv)
    for dialect in ("bigquery", "snowflake", "trino", "postgres"):
        sql = ibis.to_sql(expr, dialect=dialect)
        sqlglot.parse_one(str(sql), read=dialect)  # raises on a syntax error
        sql = _stable_names(str(sql))
        snap = ROOT / "tests" / "unit" / "omop_sql" / f"{dialect}.sql"
        if os.environ.get("TRIALKIT_UPDATE_SNAPSHOTS") or not snap.exists():
            snap.write_text(str(sql) + "\n")
        assert str(sql) + "\n" == snap.read_text(), f"{dialect} SQL changed: TRIALKIT_UPDATE_SNAPSHOTS=1 to accept"


def _stable_names(sql: str) -> str:
    """ibis names each in-memory table (the unit factors) at random: number them in order of appearance."""
    import re

    names: dict[str, str] = {}
    return re.sub(r"ibis_pandas_memtable_[a-z0-9]+",
                  lambda m: names.setdefault(m.group(0), f"unit_factors_{len(names) + 1}"), sql)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "trialkit", "cohort", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_cli_on_the_synthea_parquet_sample(tmp_path):
    if not SYNTHEA.exists() and not os.environ.get("CI"):
        pytest.skip("../shared/omop/Synthea27NjParquet_5.4.zip is not here (a user's clone has no ../shared)")
    with zipfile.ZipFile(SYNTHEA) as z:
        z.extractall(tmp_path)
    folder = tmp_path / "Synthea27NjParquet"
    out = tmp_path / "persons.csv"
    p = _cli("NCT07176143", "--omop", str(folder), "--index-date", "2022-10-11", "--json", "--out", str(out))
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["n"] == 28 and j["eligible"] + j["needs_review"] + j["ineligible"] == 28
    table = pd.read_csv(out)
    assert len(table) == 28 and {"patient_id", "status", "failed", "unknown", "age", "bmi"} <= set(table.columns)
    assert table["bmi"].notna().any()  # Synthea has BMI measurements (LOINC 39156-5, kg/m2)
    assert abs(sum(j["shapley"].values()) - j["ineligible"]) < 1e-3


@pytest.mark.parametrize("source,extra,needle", [
    ("/", [], "not an OMOP folder"),
    ("postgresql://nobody@127.0.0.1:1/cdm", [], "cannot connect"),
    ("duckdb:////nonexistent/x.duckdb", [], "no DuckDB file"),
])
def test_bad_sources_one_line_exit_2(source, extra, needle):
    p = _cli("NCT07176143", "--omop", source, "--json", *extra)
    assert p.returncode == 2 and needle in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_wrong_schema_and_missing_table(synthetic, tmp_path):
    p = _cli("NCT07176143", "--omop", f"duckdb:///{synthetic.path}", "--cdm-schema", "cdm54", "--json")
    assert p.returncode == 2 and "no schema 'cdm54'" in p.stderr
    import duckdb

    db = tmp_path / "partial.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE person AS SELECT 1 AS person_id, 8532 AS gender_concept_id, 1990 AS year_of_birth, "
                "1 AS month_of_birth, 1 AS day_of_birth")
    con.close()
    with pytest.raises(OmopSourceError, match="no OMOP CDM table 'concept'"):
        scan(load_ruleset(resolve_trial("NCT07176143")), f"duckdb:///{db}")


def test_threshold_curves_equal_the_in_memory_what_if(synthetic):
    from trialkit.cohort.analysis import CodeMatrix, WhatIf

    rs = load_ruleset(resolve_trial("NCT07176143"))
    r = scan(rs, f"duckdb:///{synthetic.path}", index_date=synthetic.index_date, assume_judgment="favourable")
    per = r.results()
    frame = per[r.values.fields].copy()
    frame["recurrent_miscarriage"] = frame["recurrent_miscarriage"].astype("boolean")
    wi = WhatIf(rs, CodeMatrix.from_evaluation(evaluate_frame(rs, frame, assumed=r.assumed)), frame)
    keys = [b.key for b in wi.bounds if b.field in r.values.fields]
    assert {"age.min", "bmi.max", "bmi.min"} <= set(keys)
    for key in keys:
        lo, hi, step = wi.slider_range(key)
        t = np.arange(lo, hi + step, step)
        for overrides in ({}, {"age.max": 36.0}):
            a, b = wi.curve(key, t, overrides), r.curve(key, t, overrides)
            assert np.array_equal(a["eligible"], b["eligible"]), key
            assert np.array_equal(a["not_excluded"], b["not_excluded"]), key
    # the cache: a second call makes no query (the prep object is reused)
    assert r.curve_prep("bmi.max") is r.curve_prep("bmi.max")
