"""The recruitment models: likelihood, fit, posterior draws, exact inversion, the as-of cut."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trialkit.forecast.model import (LOG_ALPHA_PRIOR_MEAN, LOG_ALPHA_PRIOR_SD, PlanPrior, RateDraws,
                                     fit_poisson_gamma, invert_intensity, neg_log_posterior, sample_starts,
                                     single_rate_draws, snapshot)


def test_likelihood_is_the_negative_binomial_plus_prior():
    k = np.array([0, 3, 7, 12])
    tau = np.array([30.0, 90.0, 200.0, 365.0])
    a, mu = 1.7, 0.025
    b = a / mu
    expected = stats.nbinom.logpmf(k, a, b / (b + tau)).sum()
    prior = -0.5 * ((np.log(a) - LOG_ALPHA_PRIOR_MEAN) / LOG_ALPHA_PRIOR_SD) ** 2
    # the function drops only terms constant in θ: −log k! and nothing else; nbinom includes −log k!
    const = -sum(np.log(np.arange(1, x + 1)).sum() for x in k)
    got = -neg_log_posterior(np.array([np.log(a), np.log(mu)]), k, tau)
    assert got + const == pytest.approx(expected + prior, rel=1e-9)


def test_fit_recovers_known_parameters_from_many_sites():
    rng = np.random.default_rng(3)
    alpha, mu = 2.0, 1 / 30
    lam = rng.gamma(alpha, mu / alpha, 400)
    tau = rng.uniform(100, 500, 400)
    k = rng.poisson(lam * tau)
    fit = fit_poisson_gamma(k, tau)
    assert fit.mu == pytest.approx(mu, rel=0.1)
    assert fit.alpha == pytest.approx(alpha, rel=0.35)
    sd = np.sqrt(np.diag(fit.cov))
    assert 0 < sd[1] < 0.1  # a tight mean rate from 400 sites


def test_prior_keeps_alpha_finite_when_sites_look_identical():
    # three sites with the same count and exposure: maximum likelihood sends α to infinity
    fit = fit_poisson_gamma([6, 6, 6], [180.0, 180.0, 180.0])
    assert np.isfinite(fit.alpha) and fit.alpha < np.exp(LOG_ALPHA_PRIOR_MEAN + 4 * LOG_ALPHA_PRIOR_SD)
    # and the posterior of log α stays wide (about the prior's width), so the forecast stays humble
    assert np.sqrt(fit.cov[0, 0]) > 1.0


def test_draws_carry_parameter_uncertainty_and_plugin_does_not():
    fit = fit_poisson_gamma([2, 9, 4, 0, 5], [200.0, 150.0, 300.0, 60.0, 120.0])
    rng = np.random.default_rng(0)
    a, b = fit.draw(500, rng)
    assert a.std() > 0 and b.std() > 0
    a0, b0 = fit.draw(10, rng, uncertainty=False)
    assert np.all(a0 == fit.alpha) and np.all(b0 == fit.beta)


def test_fit_needs_a_patient():
    with pytest.raises(ValueError):
        fit_poisson_gamma([0, 0], [10.0, 20.0])


def test_invert_intensity_piecewise_exact():
    # r0 = 1 per day; a site at rate 2 from day 5: Λ(t) = t (t ≤ 5), 5 + 3(t − 5) after
    r0 = np.array([1.0, 1.0, 0.0, 0.0])
    lam = np.array([[2.0], [2.0], [1.0], [0.0]])
    start = np.array([[5.0], [5.0], [10.0], [3.0]])
    G = np.array([4.0, 11.0, 2.0, 1.0])
    t = invert_intensity(r0, lam, start, G)
    assert t[0] == pytest.approx(4.0)
    assert t[1] == pytest.approx(7.0)
    assert t[2] == pytest.approx(12.0)
    assert np.isinf(t[3])  # no rate ever: never


def test_invert_intensity_agrees_with_intensity():
    rng = np.random.default_rng(5)
    S, J = 200, 4
    d = RateDraws(r0=rng.uniform(0, 1, S), lam=rng.uniform(0, 1, (S, J)), start=rng.uniform(0, 50, (S, J)))
    G = rng.uniform(0, 80, S)
    t = invert_intensity(d.r0, d.lam, d.start, G)
    back = np.array([d.intensity([t[i]])[i, 0] for i in range(S)])
    assert np.allclose(back, G)


def test_time_to_n_patients_at_constant_rate_is_gamma():
    d = RateDraws(r0=np.full(20000, 0.5), lam=np.zeros((20000, 0)), start=np.zeros((20000, 0)))
    t = d.time_to(10, np.random.default_rng(1))
    assert t.mean() == pytest.approx(20.0, rel=0.03)
    assert stats.kstest(t, stats.gamma(10, scale=2).cdf).pvalue > 0.001


def test_sample_starts_uses_own_delay_history():
    rng = np.random.default_rng(2)
    s = sample_starts(np.array([10.0, -20.0]), np.array([0.0, 5.0, 30.0]), 3000, rng)
    assert set(np.unique(s[:, 0])) <= {10.0, 15.0, 40.0}
    # overdue by 20 days: only a delay longer than 20 days (30) fits: starts 10 days after as-of
    assert np.all(s[:, 1] == 10.0)
    none = sample_starts(np.array([7.0, -3.0]), np.array([]), 5, rng)
    assert np.all(none[:, 0] == 7.0) and np.all(none[:, 1] == 0.0)


def _frames():
    d = pd.Timestamp
    sites = pd.DataFrame({
        "site_id": ["A", "B", "C", "D"], "site_name": ["a", "b", "c", "d"],
        "status": ["ACTIVE", "CLOSED", "ACTIVE", "PLANNED"],
        "planned_activation_date": [d("2024-01-01"), d("2024-01-10"), d("2024-02-01"), d("2024-06-01")],
        "activation_date": [d("2024-01-15"), d("2024-01-10"), d("2024-04-01"), pd.NaT],
    })
    participants = pd.DataFrame({
        "subject_id": ["1", "2", "3", "4", "5", "6"],
        "site_id": ["A", "A", "B", "B", "C", "A"],
        "screening_date": [d("2024-01-20"), d("2024-02-01"), d("2024-01-20"), d("2024-02-10"), d("2024-04-05"),
                           d("2024-03-20")],
        "screen_outcome": ["ELIGIBLE", "SCREEN_FAILURE", "ELIGIBLE", "DECLINED", "ELIGIBLE", "ELIGIBLE"],
        "enrollment_date": [d("2024-01-25"), pd.NaT, d("2024-01-25"), pd.NaT, d("2024-04-10"), d("2024-04-02")],
        "arm": ["X", None, "Y", None, "X", "Y"],
    })
    return participants, sites


def test_snapshot_cuts_the_log_at_as_of():
    p, s = _frames()
    snap = snapshot(p, s, "2024-03-31")
    st = snap.sites.set_index("site_id")
    assert st.loc["A", "state"] == "open" and st.loc["A", "k"] == 1 and st.loc["A", "tau"] == 76
    assert st.loc["B", "state"] == "stopped" and st.loc["B", "tau"] == 31  # to its last screening (02-10)
    assert st.loc["C", "state"] == "planned"  # activated after as-of: planned then
    assert st.loc["C", "planned_offset"] == -59  # planned 2024-02-01: 59 days overdue on as-of
    assert snap.enrolled == 2 and snap.screened == 5
    assert snap.in_screening == 1  # subject 6: screened 03-20, enrolled only after as-of
    assert snap.screen_failed == 1 and snap.declined == 1
    assert sorted(snap.delays.tolist()) == [0.0, 14.0]
    later = snapshot(p, s)  # default: the last date in the log
    assert later.as_of == pd.Timestamp("2024-04-10") and later.enrolled == 4


def test_single_rate_posterior_is_conjugate():
    p, s = _frames()
    snap = snapshot(p, s, "2024-03-31")
    plan = PlanPrior(n=40, days=400, confidence=0.5, source="test")
    d = single_rate_draws(snap, plan, np.zeros(0), 10, np.random.default_rng(0))
    t = (pd.Timestamp("2024-03-31") - pd.Timestamp("2024-01-10")).days
    assert d.extra["posterior_shape"] == 20 + 2
    assert d.extra["posterior_rate"] == 200 + t
