"""OMOP CDM cohort in DuckDB (and PostgreSQL) against the in-memory engine, in the same run (issue 14).

* baseline: the in-memory engine's full summary of an N-patient simulated cohort
  (``python -m trialkit cohort NCT07176143 --n N --seed S --json`` in-process: simulate, evaluate, summarize);
* trialkit OMOP: ``cohort NCT07176143 --omop duckdb:///…`` on a synthetic OMOP CDM database of N persons
  (~5 measurement rows per person and field kind mix, decoys), full summary (concept and unit resolution, one
  GROUP BY over code patterns, unknown counts) — each run in a fresh subprocess that reports its own peak RSS.

Peak RSS is the child's VmHWM (ru_maxrss survives exec and would report the parent's peak). Prints medians,
the ratio OMOP / in-memory (target ≤ 2 at 1M) and peak RSS (targets ≤ 700 MB at 1M, ≤ 1 GB at
10M); ``--pg URL`` also copies the database into PostgreSQL and reports that figure.
Usage: ``python bench/omop_summary.py [--n 1000000] [--repeats 3] [--pg postgresql://…]``.
The synthetic databases are cached under data/bench_omop/ (gitignored).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TRIAL = "NCT07176143"
CACHE = ROOT / "data" / "bench_omop"

CHILD = r"""
import contextlib, io, json, sys, time
sys.path.insert(0, {root!r})
from trialkit.cli import main
args = {args!r}
buf = io.StringIO()
t = time.perf_counter()
with contextlib.redirect_stdout(buf):
    rc = main(args)
dt = time.perf_counter() - t
assert rc == 0, rc
out = json.loads(buf.getvalue())
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]  # kB; reset by exec
t2 = time.perf_counter()
print(json.dumps({{"seconds": dt, "rss_mb": int(hwm) / 1024,
                  "n": out["n"], "eligible": out["eligible"], "ineligible": out["ineligible"]}}))
"""


def child(args: list[str]) -> dict:
    p = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), args=args)], capture_output=True,
                       text=True, check=False)
    if p.returncode:
        raise SystemExit(p.stderr[-2000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def synthetic_db(n: int) -> Path:
    from trialkit.omop.synthetic import generate

    path = CACHE / f"omop_{n}.duckdb"
    if not path.is_file():
        t = time.perf_counter()
        generate(path, n=n, seed=1, keep_truth=False,
                 progress=lambda d, tot: print(f"  generating synthetic OMOP: {d:,}/{tot:,}", file=sys.stderr))
        print(f"synthetic OMOP database generated: {n:,} persons in {time.perf_counter() - t:.0f} s (once; cached)")
    return path


def median_run(args, repeats):
    runs = [child(args) for _ in range(repeats)]
    return statistics.median(r["seconds"] for r in runs), max(r["rss_mb"] for r in runs), runs[0]


def slider_move_ms(db: Path, index_date) -> float:
    """The Cohort page's slider path on a database cohort (ui.cohort_database.slider_move: the curve from the
    scan's cached histogram, the count at the value, the Plotly figure), timed directly, uncached by value."""
    import numpy as np

    from trialkit.cli import resolve_trial
    from trialkit.cohort.analysis import numeric_bounds
    from trialkit.criteria.ruleset import load_ruleset
    from trialkit.omop.scan import scan
    from ui.cohort_database import bound_range, slider_move

    r = scan(load_ruleset(resolve_trial(TRIAL)), f"duckdb:///{db}", index_date=index_date,
             assume_judgment="favourable")
    b = next(x for x in numeric_bounds(r.ruleset) if x.key == "bmi.max")
    t = time.perf_counter()
    slider_move(r, b, b.value, r.label)
    print(f"  first touch of bmi.max (grouped histogram query): {time.perf_counter() - t:.2f} s", file=sys.stderr)
    lo, hi, step = bound_range(b)
    times = []
    for v in np.arange(lo, hi + step / 2, step):
        t = time.perf_counter()
        slider_move(r, b, float(v), r.label)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-n", type=int, default=None, help="simulated cohort size (default: n, max 2M)")
    ap.add_argument("--pg", help="also measure PostgreSQL (a URL; the data is copied into a new schema)")
    a = ap.parse_args(argv)
    import os

    from trialkit.omop.synthetic import INDEX_DATE

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2-core machine)")

    db = synthetic_db(a.n)
    bn = min(a.baseline_n or a.n, 1_000_000)
    base_s, base_rss, _ = median_run(["cohort", TRIAL, "--n", str(bn), "--seed", "1", "--json"], a.repeats)
    omop_s, omop_rss, info = median_run(["cohort", TRIAL, "--omop", f"duckdb:///{db}", "--index-date",
                                         str(INDEX_DATE), "--json"], a.repeats)
    print(f"in-memory engine, {bn:,} simulated patients: median {base_s:.2f} s, peak RSS {base_rss:.0f} MB")
    print(f"OMOP DuckDB, {a.n:,} synthetic persons: median {omop_s:.2f} s, peak RSS {omop_rss:.0f} MB "
          f"(n={info['n']:,}, eligible={info['eligible']:,}, ineligible={info['ineligible']:,})")
    print(f"ratio OMOP DuckDB / in-memory: {omop_s / base_s:.2f}x  (medians of {a.repeats}; 2-core shared machine)")
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    slider_ms = slider_move_ms(db, INDEX_DATE)
    print(f"threshold-slider move on the database cohort (the page's slider path: cached curve + count + figure, "
          f"bmi.max): median {slider_ms:.1f} ms (target <= 50 ms; the histogram query runs once, at first touch)")
    if a.pg:
        import uuid

        from trialkit.omop.synthetic import copy_to_postgres

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        t = time.perf_counter()
        copy_to_postgres(db, a.pg, schema)
        print(f"  copied to PostgreSQL schema {schema} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        try:
            pg_s, pg_rss, _ = median_run(["cohort", TRIAL, "--omop", a.pg, "--cdm-schema", schema,
                                          "--index-date", str(INDEX_DATE), "--json"], a.repeats)
            print(f"OMOP PostgreSQL, {a.n:,} persons: median {pg_s:.2f} s, peak RSS {pg_rss:.0f} MB, "
                  f"ratio to in-memory {pg_s / base_s:.2f}x")
        finally:
            from sqlalchemy import create_engine, text

            eng = create_engine(a.pg)
            with eng.begin() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
