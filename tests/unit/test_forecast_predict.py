"""The forecast: reproducible, only what was known on as-of, fallback, what-ifs, by-arm, screenings."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from trialkit.forecast import AddedSite, ForecastError, MovedActivation, WhatIf, forecast, plan_from_trial
from trialkit.forecast.simulate import simulate_trial

SIMS = 600


@pytest.fixture(scope="module")
def trial_log():
    tr = simulate_trial(np.random.default_rng(11), n_sites=8, alpha=2.5, mean_rate_per_month=1.2,
                        plan_spread_days=200, horizon_days=700)
    return tr


def _known_then(tr, cut):
    """The log exactly as it stood on ``cut``: later rows gone, later enrollments pending, later sites planned."""
    cut = pd.Timestamp(cut)
    p = tr.participants[tr.participants["screening_date"] <= cut].copy()
    late = p["enrollment_date"] > cut
    p.loc[late, "enrollment_date"] = pd.NaT
    p.loc[late, "screen_outcome"] = "IN_SCREENING"
    p.loc[late, "arm"] = None
    s = tr.sites.copy()
    later = s["activation_date"] > cut
    s.loc[later, "activation_date"] = pd.NaT
    s.loc[later, "status"] = "PLANNED"
    return p, s


def test_same_seed_same_answer_and_contract_keys(trial_log):
    a = forecast(trial_log.participants, trial_log.sites, target=120, as_of="2024-08-01", n_sims=SIMS, seed=5)
    b = forecast(trial_log.participants, trial_log.sites, target=120, as_of="2024-08-01", n_sims=SIMS, seed=5)
    assert a.to_json(fan=True) == b.to_json(fan=True)
    j = a.to_json()
    for k in ("median_date", "p10_date", "p90_date"):
        assert dt.date.fromisoformat(j[k]) > dt.date(2024, 8, 1)
    assert j["p10_date"] <= j["median_date"] <= j["p90_date"]


def test_as_of_uses_only_what_was_known_then(trial_log):
    cut = "2024-07-15"
    full = forecast(trial_log.participants, trial_log.sites, target=100, as_of=cut, n_sims=SIMS, seed=9,
                    arms=["Arm A", "Arm B"], by_date="2025-03-01")
    p, s = _known_then(trial_log, cut)
    then = forecast(p, s, target=100, as_of=cut, n_sims=SIMS, seed=9, arms=["Arm A", "Arm B"],
                    by_date="2025-03-01")
    assert full.to_json(fan=True) == then.to_json(fan=True)


def test_site_model_with_enough_sites_and_patients(trial_log):
    f = forecast(trial_log.participants, trial_log.sites, target=150, as_of="2024-09-01", n_sims=SIMS)
    assert f.model == "poisson_gamma"
    assert f.params["alpha"] > 0 and f.params["mean_rate_per_site_month"] > 0
    assert f.params["mean_rate_per_site_month_p10"] < f.params["mean_rate_per_site_month"] < \
        f.params["mean_rate_per_site_month_p90"]


def test_early_trial_falls_back_to_single_rate_with_the_plan(trial_log):
    acts = trial_log.sites["activation_date"].sort_values()
    cut = acts.iloc[1] + pd.Timedelta(days=1)  # only two sites active
    f = forecast(trial_log.participants, trial_log.sites, target=60, as_of=cut, n_sims=SIMS)
    assert f.model == "single_rate"
    assert "fewer" in f.reason or "Only" in f.reason
    assert "assumed 24 months" in f.reason  # no plan given: said so
    assert f.median_date is not None


def test_plan_from_registry_dates():
    class D:
        start = "2024-01"
        primary_completion = "2025-07-01"

    class T:
        dates = D()

    plan = plan_from_trial(T(), 60)
    assert plan.n == 60 and plan.days == (pd.Timestamp("2025-07-01") - pd.Timestamp("2024-01-01")).days
    assert "registry" in plan.source and plan.confidence == 0.5
    assert plan_from_trial(None, 60).confidence < 0.5
    with pytest.raises(ForecastError):
        plan_from_trial(None, 60, planned_days=0)


def test_plan_moves_the_single_rate_forecast(trial_log):
    cut = trial_log.sites["activation_date"].sort_values().iloc[1] + pd.Timedelta(days=1)
    fast = forecast(trial_log.participants, trial_log.sites, target=60, as_of=cut, n_sims=SIMS,
                    plan=plan_from_trial(None, 60, planned_days=180, confidence=0.9))
    slow = forecast(trial_log.participants, trial_log.sites, target=60, as_of=cut, n_sims=SIMS,
                    plan=plan_from_trial(None, 60, planned_days=1800, confidence=0.9))
    assert fast.median_date < slow.median_date


def test_what_if_adding_sites_brings_the_date_forward(trial_log):
    base = forecast(trial_log.participants, trial_log.sites, target=150, as_of="2024-09-01", n_sims=SIMS)
    more = forecast(trial_log.participants, trial_log.sites, target=150, as_of="2024-09-01", n_sims=SIMS,
                    what_if=WhatIf(add_sites=tuple(AddedSite(planned_start=dt.date(2024, 9, 15)) for _ in range(6))))
    assert more.median_date < base.median_date
    assert sum(s.state == "added" for s in more.sites) == 6
    assert WhatIf.from_key(more.what_if.key()) == more.what_if


def test_what_if_moving_a_planned_activation(trial_log):
    cut = "2024-05-01"
    base = forecast(trial_log.participants, trial_log.sites, target=60, as_of=cut, n_sims=SIMS)
    planned = [s for s in base.sites if s.state == "planned"]
    assert planned, "the fixture should have sites planned after the cut"
    later = WhatIf(move=tuple(MovedActivation(site_id=s.site_id, planned_start=dt.date(2026, 1, 1)) for s in planned))
    moved = forecast(trial_log.participants, trial_log.sites, target=60, as_of=cut, n_sims=SIMS, what_if=later)
    assert moved.median_date > base.median_date
    assert all(s.planned_start == dt.date(2026, 1, 1) for s in moved.sites if s.state == "planned")
    with pytest.raises(ForecastError, match="not a planned site"):
        forecast(trial_log.participants, trial_log.sites, target=60, as_of=cut, n_sims=SIMS,
                 what_if=WhatIf(move=(MovedActivation(site_id="SITE01", planned_start=dt.date(2026, 1, 1)),)))
    with pytest.raises(ForecastError, match="no such site"):
        forecast(trial_log.participants, trial_log.sites, target=60, as_of=cut, n_sims=SIMS,
                 what_if=WhatIf(move=(MovedActivation(site_id="NOPE", planned_start=dt.date(2026, 1, 1)),)))


def test_probability_by_date_and_fan(trial_log):
    f = forecast(trial_log.participants, trial_log.sites, target=150, as_of="2024-09-01", n_sims=SIMS,
                 by_date="2030-01-01")
    assert f.prob_by_date > 0.99
    g = forecast(trial_log.participants, trial_log.sites, target=150, as_of="2024-09-01", n_sims=SIMS,
                 by_date=f.median_date)
    assert 0.35 < g.prob_by_date < 0.65
    fan = f.fan
    assert (fan["p10"] <= fan["p50"]).all() and (fan["p50"] <= fan["p90"]).all()
    assert fan["p50"].iloc[0] == f.enrolled and fan["p50"].is_monotonic_increasing
    # the median path crosses the target near the median date (two estimates of one distribution)
    cross = fan.loc[fan["p50"] >= f.target, "date"].min()
    assert abs((cross - pd.Timestamp(f.median_date)).days) < 45
    with pytest.raises(ForecastError):
        forecast(trial_log.participants, trial_log.sites, target=150, as_of="2024-09-01", by_date="2024-01-01")


def test_by_arm_adds_up_to_the_target(trial_log):
    f = forecast(trial_log.participants, trial_log.sites, target=150, as_of="2024-09-01", n_sims=SIMS,
                 arms=["Arm A", "Arm B", "Arm C"], by_date="2025-01-01")
    assert [a.arm for a in f.by_arm] == ["Arm A", "Arm B", "Arm C"]
    assert sum(a.enrolled for a in f.by_arm) == f.enrolled
    assert sum(a.expected_at_target for a in f.by_arm) == pytest.approx(150)
    c = next(a for a in f.by_arm if a.arm == "Arm C")
    assert c.enrolled == 0 and c.expected_at_target < 150 / 3  # never used so far: a small expected share
    assert sum(a.expected_by_date for a in f.by_arm) == pytest.approx(f.expected_by_date)


def test_screenings_needed_at_the_observed_rate(trial_log):
    f = forecast(trial_log.participants, trial_log.sites, target=150, as_of="2024-09-01", n_sims=SIMS)
    s = f.screening
    assert s.with_outcome == s.enrolled + s.screen_failed + s.declined + s.eligible_not_enrolled
    assert s.screened == s.with_outcome + s.in_screening
    assert s.needed_at_observed_rate == max(0, math.ceil(s.remaining / s.conversion_rate - s.in_screening))
    assert s.needed_p10 <= s.needed_median <= s.needed_p90
    assert s.needed_median >= s.remaining


def test_target_already_reached(trial_log):
    f = forecast(trial_log.participants, trial_log.sites, target=5, as_of="2024-09-01", n_sims=SIMS)
    assert f.remaining == 0
    fifth = trial_log.participants["enrollment_date"].dropna().sort_values().iloc[4].date()
    assert f.reached_on == fifth == f.median_date == f.p10_date == f.p90_date
    assert f.screening.needed_at_observed_rate == 0


def test_closed_sites_stop_and_nothing_left_means_never(trial_log):
    s = trial_log.sites.copy()
    s["status"] = "CLOSED"
    s.loc[s["activation_date"].isna(), "status"] = "ON_HOLD"
    f = forecast(trial_log.participants, s, target=10_000, n_sims=SIMS)
    assert f.prob_never == 1.0
    assert f.median_date is None and f.p90_date is None
    assert any("no open or planned site" in n for n in f.notes)


def test_bad_input():
    empty_p = pd.DataFrame(columns=["subject_id", "site_id", "screening_date", "screen_outcome", "enrollment_date"])
    empty_s = pd.DataFrame(columns=["site_id", "site_name", "status", "planned_activation_date", "activation_date"])
    with pytest.raises(ForecastError, match="empty"):
        forecast(empty_p, empty_s, target=10)
    tr = simulate_trial(np.random.default_rng(1), n_sites=3, horizon_days=200)
    with pytest.raises(ForecastError, match="target"):
        forecast(tr.participants, tr.sites, target=0)


def test_unfittable_site_model_falls_back_and_says_why():
    d = pd.Timestamp("2024-03-01")
    s = pd.DataFrame({"site_id": list("ABC"), "site_name": list("abc"), "status": ["ACTIVE"] * 3,
                      "planned_activation_date": [d] * 3, "activation_date": [d] * 3})
    p = pd.DataFrame({"subject_id": [str(i) for i in range(12)], "site_id": ["A"] * 12, "screening_date": [d] * 12,
                      "screen_outcome": ["ELIGIBLE"] * 12, "enrollment_date": [d] * 12, "arm": ["X"] * 12})
    f = forecast(p, s, target=30, n_sims=200)  # all patients on the first day: no exposure to fit rates on
    assert f.model == "single_rate" and "could not be fitted" in f.reason
    assert f.median_date is not None
