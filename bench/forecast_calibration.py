"""Calibration of the recruitment forecast on simulated trials (issue 6).

Simulates trials from the Poisson–gamma process with known rates, forecasts each from a mid-trial cut, and
prints how often the nominal 80% band (10%–90% dates) held the true date the target was reached: it should
be between 70% and 90%. The plug-in forecast ((α, β) fixed at their estimate, no parameter uncertainty) is
scored on the same trials for comparison (background.md: about 77% for a nominal 80%). Also prints the
forecast's run time as a ratio to the plug-in forecast measured in the same run (medians of repeats).

    python bench/forecast_calibration.py [--trials 200] [--seed 7] [--sims 1000]

Exit 1 when the coverage is outside 70–90%.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trialkit.forecast import forecast  # noqa: E402
from trialkit.forecast.simulate import calibration_check, simulate_trial  # noqa: E402


def _timing(sims: int, repeats: int = 7) -> tuple[float, float]:
    tr = simulate_trial(np.random.default_rng(1), n_sites=12, horizon_days=600)
    full, plug = [], []
    for i in range(repeats):
        t = time.perf_counter()
        forecast(tr.participants, tr.sites, target=300, as_of="2024-09-01", n_sims=sims, seed=i)
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        forecast(tr.participants, tr.sites, target=300, as_of="2024-09-01", n_sims=sims, seed=i,
                 parameter_uncertainty=False)
        plug.append(time.perf_counter() - t)
    return statistics.median(full), statistics.median(plug)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sims", type=int, default=1000)
    args = ap.parse_args()
    t = time.perf_counter()
    r = calibration_check(args.trials, seed=args.seed, n_sims=args.sims, plugin=True)
    took = time.perf_counter() - t
    se = (r.coverage * (1 - r.coverage) / r.trials) ** 0.5
    print(f"simulated trials: {r.trials} (seed {args.seed}, {args.sims} draws each; {took:.1f} s)")
    print(f"nominal 80% band held the true target date: {r.covered}/{r.trials} = {r.coverage:.1%} "
          f"(± {se:.1%} s.e.; truth earlier than the band {r.below}, later {r.above})")
    print(f"plug-in (no parameter uncertainty), same trials: {r.covered_plugin}/{r.trials} = {r.coverage_plugin:.1%}")
    full, plug = _timing(args.sims)
    print(f"run time per forecast: {full * 1000:.0f} ms with parameter uncertainty vs {plug * 1000:.0f} ms plug-in "
          f"(ratio {full / plug:.2f}, medians of 7)")
    ok = 0.70 <= r.coverage <= 0.90
    print("PASS: coverage within 70–90%" if ok else "FAIL: coverage outside 70–90%")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
