"""A seeded SYNTHETIC OMOP CDM v5.4 database (DuckDB): the embedded default source, the test oracle and the
benchmark source. Nothing in it is a real person; every label that shows it says "synthetic".

Values come from the simulated cohort (:func:`trialkit.cohort.simulate.simulate`, its distributions and
missing rates), so the truth at the index date is known (:attr:`SyntheticOmop.truth`). Each person gets:

* ``person``: female (``gender_concept_id`` 8532; 1 % male, 8507), birth date such that the completed age at
  the index date is the simulated age; an ``observation_period`` covering the index date;
* ``measurement``: for each simulated lab/BMI value, the true value on a day in the lookback window, in a
  unit drawn at random among equivalent UCUM units (hemoglobin g/L, g/dL, mmol/L; platelets 10*9/L, 10*3/uL;
  FSH [IU]/L, m[IU]/mL), plus older values in the window, a decoy after the index date and a decoy older than
  the lookback (neither may be picked); 0.5 % of latest values carry a unit that cannot be converted (``%``):
  their truth is unknown;
* ``condition_occurrence``: recurrent miscarriage (SNOMED 102878001, or its synthetic descendant) before the
  index date for simulated "yes"; decoys after the index date; no record otherwise (truth: unknown);
* ``concept`` / ``concept_ancestor`` rows for every code used. Concept ids of LOINC and UCUM concepts follow
  OHDSI Athena where known (BMI 3038553, hemoglobin 3000963, platelets 3024929); the others (FSH, the SNOMED
  condition, some units) use ids ≥ 2,000,000,000, OMOP's range for local concepts. trialkit resolves concepts
  by vocabulary and code, so the ids never matter.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trialkit.cohort.params import default_params
from trialkit.cohort.simulate import _rng, simulate
from trialkit.i18n import N_

SYNTHETIC_LABEL = N_("SYNTHETIC OMOP CDM (trialkit's seeded generator; no real person)")
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "omop_synthetic.duckdb"
INDEX_DATE = dt.date(2026, 1, 1)
FIELDS = ("age", "bmi", "hemoglobin", "platelets", "fsh", "recurrent_miscarriage")

# (field, LOINC code, concept id, [(unit concept id, UCUM, value per canonical unit)])
LABS = [
    ("bmi", "39156-5", 3038553, [(9531, "kg/m2", 1.0)]),
    ("hemoglobin", "718-7", 3000963, [(8636, "g/L", 1.0), (8713, "g/dL", 0.1), (8753, "mmol/L", 1 / 16.1145)]),
    ("platelets", "777-3", 3024929, [(9444, "10*9/L", 1.0), (8848, "10*3/uL", 1.0)]),
    ("fsh", "15067-2", 2000000001, [(8923, "[IU]/L", 1.0), (2000000101, "m[IU]/mL", 1.0)]),
]
BAD_UNIT = (8554, "%")
SNOMED_RM, SNOMED_RM_CHILD = ("102878001", 2000000002), ("trialkit-synthetic-rm-child", 2000000003)
LOOKBACK = 365


@dataclass
class SyntheticOmop:
    path: Path
    n: int
    seed: int
    index_date: dt.date
    truth: pd.DataFrame | None  # person_id + FIELDS in canonical units (NaN / NA = unknown); None when chunked


def _concepts() -> pd.DataFrame:
    rows = [(8532, "FEMALE", "Gender", "F"), (8507, "MALE", "Gender", "M"), (BAD_UNIT[0], "percent", "UCUM", "%")]
    for f, code, cid, units in LABS:
        rows.append((cid, f, "LOINC", code))
        rows += [(uid, ucum, "UCUM", ucum) for uid, ucum, _ in units]
    rows += [(SNOMED_RM[1], "Recurrent miscarriage", "SNOMED", SNOMED_RM[0]),
             (SNOMED_RM_CHILD[1], "synthetic descendant of recurrent miscarriage", "SNOMED", SNOMED_RM_CHILD[0])]
    df = pd.DataFrame(rows, columns=["concept_id", "concept_name", "vocabulary_id", "concept_code"])
    return df.drop_duplicates("concept_id").astype({"concept_id": "int64"})


def _chunk(n: int, seed: int, start_id: int, index: dt.date, p: dict):
    sim = simulate(list(FIELDS), n, seed, p).frame
    rng = _rng(seed, f"omop:{start_id}")
    pid = np.arange(start_id, start_id + n, dtype=np.int64)
    idx = np.datetime64(index, "D")
    truth = pd.DataFrame({"person_id": pid})
    # person: birth date with completed age == simulated age at the index date
    age = sim["age"].to_numpy().astype(np.int64)
    days_after_birthday = rng.integers(0, 365, n)  # days since the last birthday, before the index date
    last_bd_year = np.where(days_after_birthday > 0, index.year, index.year)  # the birthday this year or earlier
    birthday = idx - days_after_birthday.astype("timedelta64[D]")
    by = birthday.astype("datetime64[Y]").astype(np.int64) + 1970 - age
    bm = (birthday.astype("datetime64[M]").astype(np.int64) % 12) + 1
    bd = (birthday - birthday.astype("datetime64[M]")).astype(np.int64) + 1
    feb29 = (bm == 2) & (bd == 29)
    bd = np.where(feb29, 28, bd)  # a leap-day birthday in a non-leap year: keep the arithmetic simple
    del last_bd_year
    male = rng.random(n) < 0.01
    person = pd.DataFrame({"person_id": pid, "gender_concept_id": np.where(male, 8507, 8532).astype(np.int64),
                           "year_of_birth": by, "month_of_birth": bm, "day_of_birth": bd})
    truth["age"] = age.astype(np.float64)
    truth["sex"] = np.where(male, "male", "female")
    op = pd.DataFrame({"person_id": pid, "observation_period_start_date": idx - np.int64(3 * 365),
                       "observation_period_end_date": idx + np.int64(30)})
    meas = []
    for f, _, cid, units in LABS:
        x = sim[f].to_numpy(dtype=np.float64)
        has = ~np.isnan(x)
        ids = pid[has]
        v = x[has]
        m = ids.size
        u = rng.integers(0, len(units), m)
        per = np.array([k for _, _, k in units])[u]
        uid = np.array([i for i, _, _ in units], dtype=np.int64)[u]
        bad = rng.random(m) < 0.005
        uid = np.where(bad, BAD_UNIT[0], uid)
        day = rng.integers(0, LOOKBACK - 30, m)  # the latest value: 0 .. 334 days before the index date
        meas.append(pd.DataFrame({"person_id": ids, "measurement_concept_id": cid, "measurement_date": idx - day,
                                  "value_as_number": v * per, "unit_concept_id": uid}))
        t = x.copy()
        t[np.flatnonzero(has)[bad]] = np.nan
        truth[f] = t
        # older values inside the window (1-3 of them), a decoy after the index date, a decoy too old
        for rep in range(3):
            keep = rng.random(m) < (0.9, 0.6, 0.3)[rep]
            k = int(keep.sum())
            older = day[keep] + rng.integers(1, 30, k) + 0 * rep
            uu = rng.integers(0, len(units), k)
            meas.append(pd.DataFrame({
                "person_id": ids[keep], "measurement_concept_id": cid,
                "measurement_date": idx - np.minimum(older, LOOKBACK - 1),
                "value_as_number": v[keep] * rng.uniform(0.6, 1.4, k) * np.array([q for _, _, q in units])[uu],
                "unit_concept_id": np.array([i for i, _, _ in units], dtype=np.int64)[uu]}))
        everyone = pid[rng.random(n) < 0.3]
        meas.append(pd.DataFrame({"person_id": everyone, "measurement_concept_id": cid,
                                  "measurement_date": idx + rng.integers(1, 200, everyone.size),
                                  "value_as_number": rng.uniform(0, 1000, everyone.size),
                                  "unit_concept_id": units[0][0]}))
        everyone = pid[rng.random(n) < 0.3]
        meas.append(pd.DataFrame({"person_id": everyone, "measurement_concept_id": cid,
                                  "measurement_date": idx - rng.integers(LOOKBACK, 3 * LOOKBACK, everyone.size),
                                  "value_as_number": rng.uniform(0, 1000, everyone.size),
                                  "unit_concept_id": units[0][0]}))
    meas = pd.concat(meas, ignore_index=True)
    meas = meas.sample(frac=1.0, random_state=int(rng.integers(0, 2**31))).reset_index(drop=True)
    meas.insert(0, "measurement_id", np.arange(start_id * 16, start_id * 16 + len(meas), dtype=np.int64))
    meas["measurement_date"] = meas["measurement_date"].astype("datetime64[s]").dt.date
    rm = sim["recurrent_miscarriage"].astype("boolean")
    yes = pid[rm.fillna(False).to_numpy(dtype=bool)]
    decoy = pid[rng.random(n) < 0.02]
    co = pd.DataFrame({
        "person_id": np.concatenate([yes, decoy]),
        "condition_concept_id": np.concatenate([np.where(rng.random(yes.size) < 0.5, SNOMED_RM[1],
                                                         SNOMED_RM_CHILD[1]),
                                                np.full(decoy.size, SNOMED_RM[1])]).astype(np.int64),
        "condition_start_date": np.concatenate([idx - rng.integers(30, 3000, yes.size),
                                                idx + rng.integers(1, 100, decoy.size)])})
    co["condition_start_date"] = co["condition_start_date"].astype("datetime64[s]").dt.date
    truth["recurrent_miscarriage"] = pd.array(np.where(np.isin(pid, yes), True, None), dtype="boolean")
    for c in ("observation_period_start_date", "observation_period_end_date"):
        op[c] = op[c].astype("datetime64[s]").dt.date
    return person, op, meas, co, truth


def generate(path: str | Path = DEFAULT_PATH, n: int = 20_000, seed: int = 1, index_date: dt.date = INDEX_DATE,
             chunk: int = 1_000_000, keep_truth: bool = True, progress=None) -> SyntheticOmop:
    """Write a synthetic OMOP CDM DuckDB at ``path`` (replacing it). ``progress(done, total)`` is called per
    chunk."""
    import duckdb

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    p = default_params("fertility")
    con = duckdb.connect(str(tmp))
    truths = []
    concept = _concepts()
    ancestor = pd.DataFrame({"ancestor_concept_id": [SNOMED_RM[1], SNOMED_RM[1]],
                             "descendant_concept_id": [SNOMED_RM[1], SNOMED_RM_CHILD[1]]})
    con.register("concept_df", concept)
    con.execute("CREATE TABLE concept AS SELECT * FROM concept_df")
    con.register("ancestor_df", ancestor)
    con.execute("CREATE TABLE concept_ancestor AS SELECT * FROM ancestor_df")
    done = 0
    for k, start in enumerate(range(0, n, chunk)):
        m = min(chunk, n - start)
        person, op, meas, co, truth = _chunk(m, seed * 1000 + k, start + 1, index_date, p)
        for name, df in (("person", person), ("observation_period", op), ("measurement", meas),
                         ("condition_occurrence", co)):
            con.register("chunk_df", df)
            if k == 0:
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM chunk_df")
            else:
                con.execute(f"INSERT INTO {name} SELECT * FROM chunk_df")
            con.unregister("chunk_df")
        if keep_truth:
            truths.append(truth)
        done += m
        if progress:
            progress(done, n)
    con.execute("CREATE TABLE cdm_source AS SELECT ? AS cdm_source_name, '5.4' AS cdm_version", [SYNTHETIC_LABEL])
    con.close()
    tmp.replace(path)
    return SyntheticOmop(path, n, seed, index_date, pd.concat(truths, ignore_index=True) if keep_truth else None)


def ensure_default(progress=None) -> Path:
    """The embedded default database (data/omop_synthetic.duckdb, gitignored), written on first use."""
    if not DEFAULT_PATH.is_file():
        generate(DEFAULT_PATH, progress=progress)
    return DEFAULT_PATH


_PG_TYPES = {"BIGINT": "bigint", "INTEGER": "integer", "DOUBLE": "double precision", "DATE": "date",
             "VARCHAR": "text", "BOOLEAN": "boolean", "TIMESTAMP": "timestamp"}


def copy_to_postgres(duckdb_path: str | Path, pg_url: str, schema: str, progress=None) -> None:
    """Copy a (synthetic) OMOP DuckDB database into ``schema`` of a PostgreSQL database with COPY (for the
    parity tests and the PostgreSQL benchmark); the schema is created and must not exist."""
    import io

    import duckdb
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(pg_url)
    src = duckdb.connect(str(duckdb_path), read_only=True)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database,
                         autocommit=True) as pg:
        pg.execute(f'CREATE SCHEMA "{schema}"')
        tables = [r[0] for r in src.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        for name in tables:
            cols = src.execute("SELECT column_name, data_type FROM information_schema.columns WHERE "
                               "table_name = ? ORDER BY ordinal_position", [name]).fetchall()
            ddl = ", ".join(f'"{c}" {_PG_TYPES.get(t, "text")}' for c, t in cols)
            pg.execute(f'CREATE TABLE "{schema}"."{name}" ({ddl})')
            reader = src.execute(f'SELECT * FROM "{name}"').fetch_record_batch(500_000)
            with pg.cursor().copy(f'COPY "{schema}"."{name}" FROM STDIN (FORMAT csv)') as cp:
                for batch in reader:
                    buf = io.StringIO()
                    batch.to_pandas().to_csv(buf, index=False, header=False)  # not an export: COPY stream
                    cp.write(buf.getvalue())
            if progress:
                progress(name)
        for name, col in (("person", "person_id"), ("measurement", "person_id"),
                          ("condition_occurrence", "person_id"), ("concept", "concept_id")):
            if name in tables:
                pg.execute(f'CREATE INDEX ON "{schema}"."{name}" ("{col}")')
        pg.execute(f'ANALYZE')
    src.close()
