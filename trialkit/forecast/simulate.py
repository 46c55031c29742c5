"""Simulated trials from the Poisson–gamma recruitment process, for calibration checks and tests.

Every frame made here is simulated; callers that show it must say so. Columns follow contracts §5.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.forecast.model import DAYS_PER_MONTH


@dataclass
class SimulatedTrial:
    participants: pd.DataFrame
    sites: pd.DataFrame
    alpha: float
    beta: float  # days
    start: pd.Timestamp

    def date_of_patient(self, n: int) -> pd.Timestamp | None:
        """The date the n-th patient was enrolled (None when the simulation never got there)."""
        d = self.participants["enrollment_date"].dropna().sort_values()
        return d.iloc[n - 1] if len(d) >= n else None

    def enrolled_by(self, date) -> int:
        return int((self.participants["enrollment_date"] <= pd.Timestamp(date)).sum())


def simulate_trial(rng: np.random.Generator, *, n_sites: int = 8, alpha: float = 2.0,
                   mean_rate_per_month: float = 1.0, start: str = "2024-01-01", plan_spread_days: float = 180,
                   delays=(-7, 0, 7, 14, 30, 45, 60, 90), horizon_days: float = 1500,
                   arms=("Arm A", "Arm B"), conversion: float = 0.6, stop_at: int | None = None) -> SimulatedTrial:
    """A trial whose sites have planned activations spread over ``plan_spread_days``, each opening after a
    delay drawn from ``delays``, then enrolling as a Poisson process with rate λ ~ Gamma(α, β) per day.
    Each enrolled patient comes with screenings that failed or declined at rate ``1 − conversion``.
    ``stop_at`` ends enrollment at that many patients (the trial is full)."""
    start_ts = pd.Timestamp(start)
    beta = alpha / (mean_rate_per_month / DAYS_PER_MONTH)
    planned = np.sort(rng.uniform(0, plan_spread_days, n_sites)).round()
    actual = planned + rng.choice(np.asarray(delays, dtype=float), n_sites)
    actual = np.maximum(actual, 0)
    lam = rng.gamma(alpha, 1 / beta, n_sites)
    times, site_of = [], []
    for i in range(n_sites):
        span = horizon_days - actual[i]
        if span <= 0 or lam[i] <= 0:
            continue
        k = rng.poisson(lam[i] * span)
        t = actual[i] + np.sort(rng.uniform(0, span, k))
        times.extend(t.tolist())
        site_of.extend([i] * k)
    order = np.argsort(times)
    times = np.asarray(times)[order]
    site_of = np.asarray(site_of, dtype=int)[order]
    if stop_at is not None:
        times, site_of = times[:stop_at], site_of[:stop_at]
    rows = []
    n = 0
    for t, i in zip(times, site_of):
        # screen failures / declines that preceded this enrollment at the same site
        fails = rng.geometric(conversion) - 1
        day = start_ts + pd.Timedelta(days=int(np.floor(t)))
        for _ in range(fails):
            n += 1
            rows.append({"subject_id": f"S{n:05d}", "site_id": f"SITE{i + 1:02d}", "screening_date": day,
                         "screen_outcome": "SCREEN_FAILURE" if rng.random() < 0.8 else "DECLINED",
                         "enrollment_date": pd.NaT, "arm": None, "status": None})
        n += 1
        rows.append({"subject_id": f"S{n:05d}", "site_id": f"SITE{i + 1:02d}", "screening_date": day,
                     "screen_outcome": "ELIGIBLE", "enrollment_date": day,
                     "arm": arms[int(rng.integers(len(arms)))] if arms else None, "status": "ONGOING"})
    participants = pd.DataFrame(rows, columns=["subject_id", "site_id", "screening_date", "screen_outcome",
                                               "enrollment_date", "arm", "status"])
    for c in ("screening_date", "enrollment_date"):
        participants[c] = pd.to_datetime(participants[c])
    end = start_ts + pd.Timedelta(days=horizon_days)
    act = [start_ts + pd.Timedelta(days=int(a)) for a in actual]
    sites = pd.DataFrame({
        "site_id": [f"SITE{i + 1:02d}" for i in range(n_sites)],
        "site_name": [f"Simulated site {i + 1}" for i in range(n_sites)],
        "status": ["ACTIVE" if a <= end else "PLANNED" for a in act],
        "planned_activation_date": [start_ts + pd.Timedelta(days=int(p)) for p in planned],
        "activation_date": [a if a <= end else pd.NaT for a in act],
    })
    sites["planned_activation_date"] = pd.to_datetime(sites["planned_activation_date"])
    sites["activation_date"] = pd.to_datetime(sites["activation_date"])
    return SimulatedTrial(participants=participants, sites=sites, alpha=alpha, beta=beta, start=start_ts)


@dataclass
class CalibrationResult:
    trials: int
    covered: int
    below: int  # truth earlier than the 10% date
    above: int  # truth later than the 90% date
    covered_plugin: int | None
    skipped: int

    @property
    def coverage(self) -> float:
        return self.covered / self.trials if self.trials else float("nan")

    @property
    def coverage_plugin(self) -> float | None:
        return self.covered_plugin / self.trials if self.covered_plugin is not None and self.trials else None


def calibration_check(n_trials: int = 100, *, seed: int = 7, n_sims: int = 1000, plugin: bool = False,
                      max_tries: int | None = None) -> CalibrationResult:
    """Simulate trials with known rates, forecast each from a mid-trial cut with the site model, and count
    how often the true date of the target falls inside the forecast's 10–90% band (nominal 80%).

    Per trial: 4–16 sites, α ~ U(0.8, 5), mean rate ~ U(0.3, 2) patients per site-month, planned
    activations over 2–8 months with delays from a fixed list; the cut falls where at least 3 sites and 10
    patients are in (so the Poisson–gamma model is the one tested); the target asks for 0.5–2.5 times as
    many patients again. ``plugin`` also scores the plug-in forecast (α, β fixed) on the same trials.
    """
    from trialkit.forecast.predict import forecast

    rng = np.random.default_rng(seed)
    covered = below = above = cov_plug = skipped = done = 0
    max_tries = max_tries or n_trials * 3
    tries = 0
    while done < n_trials and tries < max_tries:
        tries += 1
        n_sites = int(rng.integers(4, 17))
        tr = simulate_trial(rng, n_sites=n_sites, alpha=float(rng.uniform(0.8, 5)),
                            mean_rate_per_month=float(rng.uniform(0.3, 2.0)),
                            plan_spread_days=float(rng.uniform(60, 240)), horizon_days=4000, arms=("A", "B"))
        acts = tr.sites["activation_date"].dropna().sort_values()
        enr = tr.participants["enrollment_date"].dropna().sort_values()
        if len(acts) < 3 or len(enr) < 10:
            skipped += 1
            continue
        earliest = max(acts.iloc[2], enr.iloc[9])
        cut = earliest + pd.Timedelta(days=int(rng.uniform(0, 150)))
        enrolled = tr.enrolled_by(cut)
        target = enrolled + int(round(rng.uniform(0.5, 2.5) * enrolled)) + 1
        truth = tr.date_of_patient(target)
        p = tr.participants[tr.participants["screening_date"] <= cut]
        s = tr.sites.copy()
        later = s["activation_date"] > cut
        s.loc[later, "activation_date"] = pd.NaT
        s.loc[later, "status"] = "PLANNED"
        f = forecast(p, s, target=target, as_of=cut, n_sims=n_sims, seed=int(rng.integers(1 << 31)))
        truth_d = truth.date() if truth is not None else None
        ok = _inside(truth_d, f.p10_date, f.p90_date)
        covered += ok
        if not ok:
            if truth_d is not None and f.p10_date is not None and truth_d < f.p10_date:
                below += 1
            else:
                above += 1
        if plugin:
            g = forecast(p, s, target=target, as_of=cut, n_sims=n_sims, seed=int(rng.integers(1 << 31)),
                         parameter_uncertainty=False)
            cov_plug += _inside(truth_d, g.p10_date, g.p90_date)
        done += 1
    return CalibrationResult(trials=done, covered=covered, below=below, above=above,
                             covered_plugin=cov_plug if plugin else None, skipped=skipped)


def _inside(truth, lo, hi) -> bool:
    if truth is None:  # never reached in the simulation horizon
        return hi is None
    return (lo is None or lo <= truth) and (hi is None or truth <= hi)
