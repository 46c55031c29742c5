"""Cohort what-if at 1,000,000 patients: trialkit's command-line path against a plain numpy/pandas script.

* trialkit: ``python -m trialkit cohort NCT07176143 --n 1000000 --seed S --json`` run in-process through
  ``trialkit.cli.main`` (rules loaded from data/rules, cohort simulated, every criterion evaluated by the
  engine, funnel / sole exclusions / Shapley computed, JSON printed to a buffer);
* baseline: a hand-written numpy/pandas script that draws the same fields with comparable distributions
  and missingness, tests the same thresholds as hard-coded comparisons (Kleene codes), and computes the
  same counts, funnel, sole exclusions and Shapley shares.

Prints the median of several repeats of each and the ratio (target: at most 4×).
Usage: ``python bench/cohort_1m.py [--n 1000000] [--repeats 3]``.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRIAL = "NCT07176143"


def trialkit_run(n: int, seed: int) -> dict:
    from trialkit.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["cohort", TRIAL, "--n", str(n), "--seed", str(seed), "--json"])
    assert rc == 0, rc
    return json.loads(buf.getvalue())


def baseline_run(n: int, seed: int) -> dict:
    """Plain numpy/pandas: generate, test the thresholds, count."""
    rng = np.random.default_rng(seed)

    def miss(x, rate):
        x = x.astype(float)
        x[rng.random(n) < rate] = np.nan
        return x

    def fact(prev, rate):
        return pd.arrays.BooleanArray(rng.random(n) < prev, rng.random(n) < rate)

    age = np.floor(np.clip(rng.normal(32, 4.5, n), 20, 45))
    z = rng.standard_normal(n)
    df = pd.DataFrame({
        "age": age,
        "bmi": miss(np.round(np.exp(np.log(22 + 0.08 * (age - 30)) + 0.15 * rng.standard_normal(n)), 1), 0.3),
        "cycle_length": miss(np.where(rng.random(n) < 0.1, rng.integers(36, 61, n),
                                      np.rint(29.3 - 0.18 * (age - 33) + 4 * rng.standard_normal(n))), 0.45),
        "regular_cycle_months": miss(np.where(rng.random(n) < 0.1, rng.random(n) * 12, 12 + rng.random(n) * 108), 0.5),
        "afc": miss(rng.poisson(rng.gamma(5, np.maximum(14 - 0.5 * (age - 30), 0.5) * np.exp(0.17 * z) / 5)), 0.55),
        "fsh": miss(np.round(6.5 * np.exp(0.03 * (age - 30) + 0.3 * (-0.4 * z + 0.9 * rng.standard_normal(n))), 1), 0.55),
        "good_blastocysts": miss(rng.poisson(np.maximum(2.5 - 0.08 * (age - 30), 0.05)), 0.45),
        "ovarian_cyst_size": miss(np.where(rng.random(n) < 0.1, np.round(22 * np.exp(0.4 * rng.standard_normal(n))), 0), 0.55),
        "fibroid_size": miss(np.where(rng.random(n) < 0.15, np.round(20 * np.exp(0.5 * rng.standard_normal(n))), 0), 0.55),
        "hemoglobin": miss(np.round(128 + 12 * rng.standard_normal(n)), 0.45),
        "platelets": miss(np.round(255 + 60 * rng.standard_normal(n)), 0.45),
        "months_since_negative_serology": miss(np.where(rng.random(n) < 0.8, rng.random(n) * 12, np.inf), 0.5),
        "months_since_normal_hysteroscopy": miss(np.where(rng.random(n) < 0.5, rng.random(n) * 12, np.inf), 0.5),
        "months_since_abnormal_cytology": miss(np.where(rng.random(n) < 0.08, rng.random(n) * 60, np.inf), 0.55),
        "months_since_other_trial": miss(np.where(rng.random(n) < 0.04, rng.random(n) * 36, np.inf), 0.6),
    })
    for f, prev, rate in [("sex_hormones_normal", .85, .55), ("severe_iua_treated", .3, .4),
                          ("cancelled_fet_thin_endometrium", .35, .4), ("recurrent_implantation_failure", .1, .45),
                          ("unexplained_vaginal_bleeding", .03, .5), ("active_pid", .02, .5),
                          ("thromboembolism_history", .01, .55), ("recurrent_miscarriage", .05, .45),
                          ("chromosomal_abnormality", .03, .6), ("teratogenic_exposure", .02, .6)]:
        df[f] = fact(prev, rate)
    df["sex"] = pd.Categorical(np.full(n, "female"))

    def code(cond, unknown):
        out = np.where(cond, 1, -1).astype(np.int8)
        out[unknown] = 0
        return out

    def rng_(f, lo=None, hi=None, lo_inc=True, hi_inc=True):
        x = df[f].to_numpy()
        c = np.ones(n, bool)
        with np.errstate(invalid="ignore"):
            if lo is not None:
                c &= x >= lo if lo_inc else x > lo
            if hi is not None:
                c &= x <= hi if hi_inc else x < hi
        return code(c, np.isnan(x))

    def within(f, m):
        x = df[f].to_numpy()
        with np.errstate(invalid="ignore"):
            return code(x <= m, np.isnan(x))

    def yes(f, expected=True):
        b = df[f]
        v = b.to_numpy(dtype=bool, na_value=False)
        return code(v if expected else ~v, b.isna().to_numpy())

    unk = np.zeros(n, np.int8)
    inc = lambda *r: np.minimum.reduce(r) if len(r) > 1 else r[0]  # noqa: E731
    exc = lambda *r: -(np.maximum.reduce(r) if len(r) > 1 else r[0])  # noqa: E731
    cols = {
        "SEX": code(df["sex"].to_numpy() == "female", np.zeros(n, bool)),
        "I1": inc(yes("sex_hormones_normal") * 0, unk), "I2": rng_("age", 20, 38), "I3": rng_("bmi", 18, 27),
        "I4": inc(rng_("cycle_length", 27, 35), rng_("regular_cycle_months", 6)),
        "I5": inc(rng_("afc", 6), rng_("fsh", 1, 10), yes("sex_hormones_normal")),
        "I6": within("months_since_negative_serology", 6), "I7": rng_("good_blastocysts", 2),
        "I8": inc(yes("severe_iua_treated"), within("months_since_normal_hysteroscopy", 3)),
        "I9": yes("cancelled_fet_thin_endometrium"),
        "E1": exc(rng_("ovarian_cyst_size", 20), rng_("fibroid_size", 30, lo_inc=False), unk), "E2": exc(unk),
        "E3": exc(yes("recurrent_implantation_failure")), "E4": exc(yes("unexplained_vaginal_bleeding")),
        "E5": exc(yes("active_pid")), "E6": exc(unk), "E7": exc(within("months_since_abnormal_cytology", 12)),
        "E8": exc(unk), "E9": exc(yes("thromboembolism_history")),
        "E10": exc(rng_("platelets", hi=100, hi_inc=False), rng_("hemoglobin", hi=100, hi_inc=False), unk),
        "E11": exc(unk), "E12": exc(yes("recurrent_miscarriage")), "E13": exc(yes("chromosomal_abnormality")),
        "E14": exc(unk), "E15": exc(yes("teratogenic_exposure")),
        "E16": exc(within("months_since_other_trial", 3)), "E17": exc(unk), "E18": exc(unk),
    }
    ids = list(cols)
    codes = np.column_stack([cols[i] for i in ids]).astype(np.int8)
    status = codes.min(axis=1)
    fails = codes == -1
    nfail = fails.sum(axis=1)
    first = np.where(fails.any(axis=1), fails.argmax(axis=1), len(ids))
    remaining = n - np.cumsum(np.bincount(first, minlength=len(ids) + 1)[:-1])
    w = np.where(nfail > 0, 1.0 / np.maximum(nfail, 1), 0.0)
    return {"n": n, "eligible": int((status == 1).sum()), "needs_review": int((status == 0).sum()),
            "ineligible": int((status == -1).sum()),
            "funnel": [{"id": i, "remaining": int(r)} for i, r in zip(ids, remaining)],
            "sole_exclusions": dict(zip(ids, (fails & (nfail == 1)[:, None]).sum(axis=0).tolist())),
            "shapley": dict(zip(ids, (w @ fails).tolist()))}


def timed(fn, *args):
    """(wall seconds, CPU seconds of this process, result): the machine is shared, so both are printed."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return time.perf_counter() - t0, time.process_time() - c0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    trialkit_run(10_000, 0)  # warm imports
    baseline_run(10_000, 0)
    tk, base, tkc, basec = [], [], [], []
    for r in range(args.repeats):  # interleaved, so both see the same machine load
        t, c, out = timed(trialkit_run, args.n, r + 1)
        tk.append(t)
        tkc.append(c)
        assert out["n"] == args.n and out["eligible"] + out["needs_review"] + out["ineligible"] == args.n
        t, c, bout = timed(baseline_run, args.n, r + 1)
        base.append(t)
        basec.append(c)
    med = statistics.median
    print(f"cohort {TRIAL}, n={args.n:,}, {args.repeats} repeats (wall / CPU seconds)")
    print(f"  trialkit CLI path : median {med(tk):.2f} s wall, {med(tkc):.2f} s CPU  "
          f"({', '.join(f'{x:.2f}' for x in tk)})")
    print(f"  numpy/pandas base : median {med(base):.2f} s wall, {med(basec):.2f} s CPU  "
          f"({', '.join(f'{x:.2f}' for x in base)})")
    print(f"  ratio             : {med(tk) / med(base):.2f}x wall, {med(tkc) / med(basec):.2f}x CPU (target <= 4x)")
    print(f"  last run: trialkit needs_review={out['needs_review']:,} ineligible={out['ineligible']:,}; "
          f"baseline needs_review={bout['needs_review']:,} ineligible={bout['ineligible']:,}")


if __name__ == "__main__":
    main()
