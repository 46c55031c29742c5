"""Backtest on a log, the figures, and the simulated-trial calibration check (fast version of the bench)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.forecast import forecast
from trialkit.forecast.backtest import backtest
from trialkit.forecast.charts import backtest_chart, fan_chart
from trialkit.forecast.simulate import calibration_check, simulate_trial


def _log():
    return simulate_trial(np.random.default_rng(4), n_sites=10, alpha=3.0, mean_rate_per_month=1.0,
                          plan_spread_days=150, horizon_days=600)


def test_backtest_refits_at_past_dates_and_scores_the_bands():
    tr = _log()
    b = backtest(tr.participants, tr.sites, target=200, n_cuts=5, n_sims=400, seed=1)
    assert b.n > 0 and 0 <= b.held <= b.n
    frame = b.to_frame()
    assert (pd.to_datetime(frame["cut"]) < pd.to_datetime(frame["date"])).all()
    assert (pd.to_datetime(frame["date"]) <= pd.Timestamp(b.log_end)).all()
    # each check's actual is the log's count on that date, and "held" is exactly p10 ≤ actual ≤ p90
    for row in b.checks:
        assert row.actual == tr.enrolled_by(row.date)
        assert row.held == (row.p10 <= row.actual <= row.p90)
    j = b.to_json()
    assert j["checks"] == b.n and j["share_held"] == b.held / b.n
    # same seed, same backtest
    assert backtest(tr.participants, tr.sites, target=200, n_cuts=5, n_sims=400, seed=1).to_json() == j


def test_backtest_says_why_when_the_log_is_too_short():
    tr = simulate_trial(np.random.default_rng(1), n_sites=3, horizon_days=40, mean_rate_per_month=0.5)
    b = backtest(tr.participants, tr.sites, target=50)
    assert b.n == 0 and b.message


def test_fan_chart_has_target_line_titles_and_what_happened():
    tr = _log()
    f = forecast(tr.participants, tr.sites, target=120, as_of="2024-07-01", n_sims=300)
    actual = forecast(tr.participants, tr.sites, target=120, n_sims=50).observed
    fig = fan_chart(f, actual=actual, simulated=True)
    assert "simulated demo data" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "Date" and "enrolled" in fig.layout.yaxis.title.text
    assert any(s.y0 == 120 and s.y1 == 120 for s in fig.layout.shapes)  # the target line
    names = [t.name for t in fig.data]
    assert "Median forecast" in names and "Enrolled after as-of (what happened)" in names
    assert "Median without what-ifs" not in names
    with_base = fan_chart(f, baseline=forecast(tr.participants, tr.sites, target=150, as_of="2024-07-01", n_sims=100))
    assert "Median without what-ifs" in [t.name for t in with_base.data]


def test_backtest_chart_marks_held_and_missed():
    tr = _log()
    b = backtest(tr.participants, tr.sites, target=200, n_cuts=4, n_sims=300)
    fig = backtest_chart(b)
    marked = sum(len(t.x) for t in fig.data if t.name in ("80% band held", "80% band missed"))
    assert marked == b.n
    assert f"{b.held} of {b.n} held" in fig.layout.title.text


def test_nominal_80_percent_band_covers_70_to_90_percent_of_simulated_truths():
    """Fast version of bench/forecast_calibration.py (fixed seed, fewer trials and draws)."""
    r = calibration_check(60, seed=2024, n_sims=400)
    assert r.trials == 60
    assert 0.70 <= r.coverage <= 0.90, r
