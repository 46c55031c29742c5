"""Speed of the enrollment metrics on a trial the size of NCT04267848 (1,148 sites, ~17,000 screenings).

Baseline, measured in the same run: the per-site counts computed the naive way (one boolean mask over all
participants per site, O(sites × participants)). Prints medians of several repeats and the ratios
trialkit ÷ baseline (smaller is better, 1.0 = as fast as the baseline), after checking both give the same
counts; with ``--json`` the last line is ``{"bench": "enrollment_sites", "ratio": ...}`` (the site table).

    python bench/enrollment_sites.py [--sites 1148] [--repeats 5] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trialkit.enrollment.metrics import site_table, summarize  # noqa: E402
from trialkit.enrollment.storage import _participants_frame, _sites_frame  # noqa: E402


def make_log(n_sites: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    sites, rows = [], []
    for i in range(n_sites):
        act = date(2024, 1, 1) + timedelta(days=int(rng.integers(0, 500)))
        sites.append(dict(site_id=f"S{i}", site_name=f"Site {i}", status="ACTIVE", activation_date=act, target=20))
        for k in range(int(rng.poisson(15))):
            d = act + timedelta(days=int(rng.integers(0, 300)))
            outcome = "ELIGIBLE" if rng.uniform() < 0.7 else "SCREEN_FAILURE"
            rows.append(dict(subject_id=f"S{i}-{k}", site_id=f"S{i}", screening_date=d, consent_date=d,
                             screen_outcome=outcome, enrollment_date=d if outcome == "ELIGIBLE" else None,
                             arm="X" if outcome == "ELIGIBLE" else None,
                             status="ONGOING" if outcome == "ELIGIBLE" else None))
    return _participants_frame(rows), _sites_frame(sites)


def naive_by_site(p, s):
    enrolled = (p["screen_outcome"] == "ELIGIBLE") & p["enrollment_date"].notna()
    out = {}
    for sid in s["site_id"]:
        m = p["site_id"] == sid
        out[sid] = {"screened": int(m.sum()), "screen_failed": int((m & (p["screen_outcome"] == "SCREEN_FAILURE")).sum()),
                    "enrolled": int((m & enrolled).sum())}
    return out


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=1148)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    p, s = make_log(args.sites)
    assert summarize(p, s)["by_site"] == naive_by_site(p, s)
    t_table = site_table(p, s, date(2025, 12, 31))
    assert list(t_table["enrolled"]) == [v["enrolled"] for v in naive_by_site(p, s).values()]
    base = median_time(lambda: naive_by_site(p, s), args.repeats)
    t_sum = median_time(lambda: summarize(p, s), args.repeats)
    t_site = median_time(lambda: site_table(p, s, date(2025, 12, 31)), args.repeats)
    print(f"{args.sites} sites, {len(p)} participants; medians of {args.repeats} repeats")
    print(f"baseline (per-site masks, counts only): {base * 1000:8.1f} ms")
    print(f"summarize (all counts, KPIs, CONSORT):  {t_sum * 1000:8.1f} ms   ratio summarize/baseline = {t_sum / base:.3f}")
    print(f"site_table (+ model fit, posteriors):   {t_site * 1000:8.1f} ms   ratio site_table/baseline = {t_site / base:.3f}")
    if args.json:
        print(json.dumps({"bench": "enrollment_sites", "ratio": round(t_site / base, 4)}))


if __name__ == "__main__":
    main()
