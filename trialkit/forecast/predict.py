"""The forecast a sponsor reads: when the target is reached (10 / 50 / 90%), the chance of reaching it by a
date, enrollment by arm, screenings still needed, a fan of cumulative enrollment; and what-ifs (add a site,
move a planned activation) that move it.

Everything is computed from plain participants / sites DataFrames with the columns of contracts §5, cut at the
as-of date, by the models in :mod:`trialkit.forecast.model`, with a seeded random generator: the same log,
as-of date, target, what-ifs and seed give the same answer.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from trialkit.i18n import N_, gettext, sentence_separator
from trialkit.i18n import gettext as _
from trialkit.errors import TrialkitError
from trialkit.message import Message, said, word
from trialkit.forecast.model import (DAYS_PER_MONTH, MIN_ACTIVE_SITES, MIN_PATIENTS, GammaFit, PlanPrior,
                                     RateDraws, Snapshot, fit_poisson_gamma, poisson_gamma_draws,
                                     single_rate_draws, snapshot)

DEFAULT_SEED = 20240601
DEFAULT_SIMS = 2000
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Confidence P in the plan when the registry states the planned duration (accrual's example value).
PLAN_CONFIDENCE = 0.5
#: When nothing states the planned duration: 24 months, held with low confidence.
ASSUMED_PLAN_DAYS = 24 * DAYS_PER_MONTH
ASSUMED_PLAN_CONFIDENCE = 0.1


class ForecastError(TrialkitError):
    """A forecast that cannot be made from this input (no log, bad what-if, bad target)."""


# --------------------------------------------------------------------------------------------------
# What-ifs
# --------------------------------------------------------------------------------------------------
class AddedSite(BaseModel):
    """A site that is not in the log, planned to open on ``planned_start`` (this trial's usual activation
    delay is added, as for every planned site)."""

    model_config = ConfigDict(frozen=True)
    name: str = "New site"
    planned_start: dt.date


class MovedActivation(BaseModel):
    """A planned site whose planned activation moves to ``planned_start``."""

    model_config = ConfigDict(frozen=True)
    site_id: str
    planned_start: dt.date


class WhatIf(BaseModel):
    model_config = ConfigDict(frozen=True)
    add_sites: tuple[AddedSite, ...] = ()
    move: tuple[MovedActivation, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.add_sites and not self.move

    def key(self) -> tuple:
        """A small hashable key (for caches)."""
        return (tuple((a.name, a.planned_start.isoformat()) for a in self.add_sites),
                tuple((m.site_id, m.planned_start.isoformat()) for m in self.move))

    @classmethod
    def from_key(cls, key: tuple) -> WhatIf:
        adds, moves = key
        return cls(add_sites=tuple(AddedSite(name=n, planned_start=dt.date.fromisoformat(d)) for n, d in adds),
                   move=tuple(MovedActivation(site_id=s, planned_start=dt.date.fromisoformat(d)) for s, d in moves))


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------
class ArmExpectation(BaseModel):
    arm: str
    enrolled: int
    expected_at_target: float
    p10_at_target: int
    p90_at_target: int
    expected_by_date: float | None = None


class ScreeningNeed(BaseModel):
    """Screenings still needed to enroll the remaining patients at the observed conversion.

    Denominator: screenings with an outcome (enrolled, screen-failed, declined, eligible but not enrolled);
    participants still in screening are expected to convert at the same rate.
    """

    screened: int
    with_outcome: int
    screen_failed: int
    declined: int
    eligible_not_enrolled: int
    in_screening: int
    enrolled: int
    screen_failure_rate: float | None
    conversion_rate: float | None
    remaining: int
    needed_at_observed_rate: int | None
    needed_p10: int | None
    needed_median: int | None
    needed_p90: int | None


class SiteOutlook(BaseModel):
    site_id: str
    site_name: str
    state: str  # open / stopped / planned / never / added
    enrolled: int
    exposure_days: float
    rate_per_month: float | None  # posterior mean (open sites) or population mean (future sites)
    rate_p10_per_month: float | None
    rate_p90_per_month: float | None
    planned_start: dt.date | None
    start_median: dt.date | None  # simulated start (planned + this trial's delay)


class Forecast(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: Literal["poisson_gamma", "single_rate"]
    model_label: str
    reason: str
    as_of: dt.date
    target: int
    enrolled: int
    remaining: int
    p10_date: dt.date | None
    median_date: dt.date | None
    p90_date: dt.date | None
    prob_never: float = Field(description="share of simulations in which no site is left to reach the target")
    reached_on: dt.date | None = None
    by_date: dt.date | None = None
    prob_by_date: float | None = None
    expected_by_date: float | None = None
    by_arm: list[ArmExpectation] = Field(default_factory=list)
    screening: ScreeningNeed
    params: dict = Field(default_factory=dict)
    sites: list[SiteOutlook] = Field(default_factory=list)
    what_if: WhatIf = Field(default_factory=WhatIf)
    notes: list[str] = Field(default_factory=list)
    n_sims: int
    seed: int
    parameter_uncertainty: bool = True
    fan: pd.DataFrame  # date, p10, p25, p50, p75, p90, mean (cumulative enrolled)
    observed: pd.DataFrame  # date, enrolled (cumulative up to as-of)
    checks: pd.DataFrame  # date, p10, p50, p90, mean of the count on each eval date
    #: why a date above is None although the target is not reached yet (None when every date is given)
    not_reached_reason: str | None = None

    @staticmethod
    def date_text(d: dt.date | None) -> str:
        """A forecast date for people: ``2027-03-01``, or "not reached within 100 years"."""
        return d.isoformat() if d is not None else gettext(NOT_REACHED_WORDS).format(years=HORIZON_YEARS)

    def to_json(self, *, fan: bool = False) -> dict:
        d = {
            "median_date": _iso(self.median_date), "p10_date": _iso(self.p10_date), "p90_date": _iso(self.p90_date),
            "model": self.model, "model_label": self.model_label, "reason": self.reason,
            "as_of": self.as_of.isoformat(), "target": self.target, "enrolled": self.enrolled,
            "remaining": self.remaining, "prob_never": round(self.prob_never, 4),
            "reached_on": _iso(self.reached_on), "not_reached_reason": self.not_reached_reason,
        }
        if self.by_date is not None:
            d["by_date"] = self.by_date.isoformat()
            d["prob_by_date"] = round(self.prob_by_date, 4)
            d["expected_by_date"] = round(self.expected_by_date, 2)
        d["by_arm"] = {a.arm: {"enrolled": a.enrolled, "expected_at_target": round(a.expected_at_target, 2),
                               "p10_at_target": a.p10_at_target, "p90_at_target": a.p90_at_target,
                               **({"expected_by_date": round(a.expected_by_date, 2)}
                                  if a.expected_by_date is not None else {})} for a in self.by_arm}
        d["screening"] = self.screening.model_dump()
        d["params"] = self.params
        d["what_if"] = self.what_if.model_dump(mode="json")
        d["sites"] = [s.model_dump(mode="json") for s in self.sites]
        d["notes"] = self.notes
        d["n_sims"] = self.n_sims
        d["seed"] = self.seed
        if fan:
            f = self.fan.copy()
            f["date"] = f["date"].dt.date.astype(str)
            d["fan"] = f.round(2).to_dict(orient="records")
        return d


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


# --------------------------------------------------------------------------------------------------
# The plan behind the single-rate prior
# --------------------------------------------------------------------------------------------------
def _parse_partial_date(s: str | None) -> pd.Timestamp | None:
    if not s:
        return None
    try:
        return pd.Timestamp(s)
    except (ValueError, TypeError):
        return None


def plan_from_trial(trial, target: int, *, planned_days: float | None = None,
                    confidence: float | None = None) -> PlanPrior:
    """The plan for the single-rate prior: ``target`` patients over the planned duration (given, or from the
    registry's start and primary-completion dates, or 24 months held with low confidence)."""
    if planned_days is not None:
        if planned_days <= 0:
            raise ForecastError(Message("planned duration must be positive, got {days} days", days=planned_days))
        return PlanPrior(n=target, days=float(planned_days), confidence=confidence or PLAN_CONFIDENCE,
                         source=_("planned duration given: {months} months").format(
                             months=f"{planned_days / DAYS_PER_MONTH:.1f}"))
    dates = getattr(trial, "dates", None)
    start = _parse_partial_date(getattr(dates, "start", None))
    end = _parse_partial_date(getattr(dates, "primary_completion", None))
    if start is not None and end is not None and end > start:
        days = float((end - start).days)
        return PlanPrior(n=target, days=days, confidence=confidence or PLAN_CONFIDENCE,
                         source=_("registry plan: start {start} to primary completion {end} ({months} months)").format(
                             start=dates.start, end=dates.primary_completion, months=f"{days / DAYS_PER_MONTH:.1f}"))
    return PlanPrior(n=target, days=ASSUMED_PLAN_DAYS, confidence=confidence or ASSUMED_PLAN_CONFIDENCE,
                     source=_("the registry states no planned duration: assumed 24 months, held with low confidence"))


# --------------------------------------------------------------------------------------------------
# The forecast
# --------------------------------------------------------------------------------------------------
#: Dates further ahead than this are not given ("not reached within 100 years"): pandas' timestamps end in
#: 2262, and a date a century out says nothing a planner can use.
HORIZON_YEARS = 100
NOT_REACHED_WORDS = N_("not reached within {years} years")  # translated where shown (date_text)
NOT_REACHED = NOT_REACHED_WORDS.format(years=HORIZON_YEARS)
NOT_REACHED_REASON = N_("At the rate observed so far the target of {target} is {not_reached} of {date} (no {which} date "
                        "is given).")


def _to_day(as_of: pd.Timestamp, days: float) -> dt.date | None:
    """``as_of`` + ``days`` as a date; None for never (inf) or beyond :data:`HORIZON_YEARS`."""
    if not np.isfinite(days) or days > HORIZON_YEARS * 365.25:
        return None
    return (as_of + pd.Timedelta(days=math.ceil(max(days, 0.0) - 1e-9))).date()


def choose_model(snap: Snapshot) -> tuple[str, str]:
    if snap.n_active >= MIN_ACTIVE_SITES and snap.enrolled >= MIN_PATIENTS:
        return "poisson_gamma", _(
            "{sites} sites have been active and {patients} patients enrolled by {date}: enough to fit how rates vary "
            "between sites (Poisson–gamma model).").format(sites=snap.n_active, patients=snap.enrolled,
                                                           date=snap.as_of.date())
    # The number enrolled is left out of the sentence (it is ``Forecast.enrolled``): a count of people in prose
    # could not be suppressed in demo mode the way every displayed count is (trialkit.disclosure).
    short = []
    if snap.n_active < MIN_ACTIVE_SITES:
        short.append(_("only {n} site(s) active").format(n=snap.n_active))
    if snap.enrolled < MIN_PATIENTS:
        short.append(_("fewer than {n} patients enrolled").format(n=MIN_PATIENTS))
    joined = _(" and ").join(short)
    return "single_rate", _(
        "{shortfall} by {date}; the site model needs at least {sites} sites and {patients} patients, so the forecast "
        "falls back to the single-rate Bayesian model with the planned duration as its prior.").format(
            shortfall=joined[:1].upper() + joined[1:], date=snap.as_of.date(), sites=MIN_ACTIVE_SITES,
            patients=MIN_PATIENTS)


def _future_sites(snap: Snapshot, what_if: WhatIf, notes: list[str]) -> pd.DataFrame:
    planned = snap.sites[snap.sites["state"] == "planned"].copy()
    planned["added"] = False
    for mv in what_if.move:
        hit = planned["site_id"] == mv.site_id
        if not hit.any():
            known = snap.sites["site_id"] == mv.site_id
            if known.any():
                raise ForecastError(Message("site {site}: not a planned site on {date} (it is {state}), so its "
                                            "activation cannot move", site=mv.site_id, date=snap.as_of.date(),
                                            state=snap.sites.loc[known, "state"].iloc[0]))
            raise ForecastError(Message("site {site}: no such site in the log", site=mv.site_id))
        planned.loc[hit, "planned_offset"] = float((pd.Timestamp(mv.planned_start) - snap.as_of).days)
        planned.loc[hit, "planned_activation_date"] = pd.Timestamp(mv.planned_start)
    rows = []
    for i, a in enumerate(what_if.add_sites, 1):
        rows.append({"site_id": f"WHATIF-{i}", "site_name": a.name, "status": "PLANNED", "state": "added",
                     "activation_date": None, "planned_activation_date": pd.Timestamp(a.planned_start), "k": 0,
                     "tau": 0.0, "planned_offset": float((pd.Timestamp(a.planned_start) - snap.as_of).days),
                     "added": True})
    if rows:
        planned = pd.concat([planned, pd.DataFrame(rows)], ignore_index=True) if len(planned) else pd.DataFrame(rows)
    no_plan = planned["planned_offset"].isna() if len(planned) else pd.Series([], dtype=bool)
    if no_plan.any():
        names = ", ".join(planned.loc[no_plan, "site_id"].astype(str).head(5))
        notes.append(_("{n} planned site(s) have no planned activation date and are left out of the forecast "
                       "({sites}).").format(n=int(no_plan.sum()), sites=names + (" …" if no_plan.sum() > 5 else "")))
        planned = planned[~no_plan]
    return planned.reset_index(drop=True)


def forecast(participants: pd.DataFrame, sites: pd.DataFrame, *, target: int, as_of=None,
             arms: list[str] | None = None, plan: PlanPrior | None = None, what_if: WhatIf | None = None,
             by_date=None, eval_dates=(), n_sims: int = DEFAULT_SIMS, seed: int = DEFAULT_SEED,
             parameter_uncertainty: bool = True, fan_points: int = 120) -> Forecast:
    """Forecast enrollment from the log cut at ``as_of`` (default: the last date the log records)."""
    if target is None or int(target) <= 0:
        raise ForecastError(Message("target must be a positive number of patients, got {target!r}", target=target))
    target = int(target)
    if n_sims < 10:
        raise ForecastError(Message("{name} must be at least 10", name="n_sims"))
    if len(sites) == 0 and len(participants) == 0:
        raise ForecastError(Message("the enrollment log is empty: nothing to forecast from"))
    what_if = what_if or WhatIf()
    try:
        snap = snapshot(participants, sites, as_of)
    except ValueError as exc:
        raise ForecastError(exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Message)
                            else str(exc)) from None
    as_of = snap.as_of
    rng = np.random.default_rng(seed)
    notes: list[str] = []
    remaining = max(target - snap.enrolled, 0)
    future = _future_sites(snap, what_if, notes)
    offsets = future["planned_offset"].to_numpy(dtype=float) if len(future) else np.zeros(0)
    if len(snap.delays) == 0 and len(future):
        notes.append(_("No site has both a planned and an actual activation date yet, so planned sites are "
                       "assumed to open on their planned date."))
    model, reason = choose_model(snap)
    params: dict = {}
    fit: GammaFit | None = None
    if model == "poisson_gamma":
        fitted = snap.sites["state"].isin(["open", "stopped"])
        try:
            fit = fit_poisson_gamma(snap.sites.loc[fitted, "k"], snap.sites.loc[fitted, "tau"])
        except ValueError as exc:  # e.g. every patient at sites with no exposure yet
            model, reason = "single_rate", _(
                "The site model could not be fitted ({error}); the forecast falls back to the single-rate Bayesian "
                "model with the planned duration as its prior.").format(error=exc)
    if model == "poisson_gamma":
        draws = poisson_gamma_draws(snap, fit, offsets, n_sims, rng, uncertainty=parameter_uncertainty)
        sd = np.sqrt(np.diag(fit.cov))
        z = stats.norm.ppf(0.9)
        params = {
            "alpha": round(fit.alpha, 4), "beta_days": round(fit.beta, 3),
            "mean_rate_per_site_month": round(fit.mu * DAYS_PER_MONTH, 4),
            "mean_rate_per_site_month_p10": round(math.exp(fit.theta[1] - z * sd[1]) * DAYS_PER_MONTH, 4),
            "mean_rate_per_site_month_p90": round(math.exp(fit.theta[1] + z * sd[1]) * DAYS_PER_MONTH, 4),
            "alpha_p10": round(math.exp(fit.theta[0] - z * sd[0]), 4),
            "alpha_p90": round(math.exp(fit.theta[0] + z * sd[0]), 4),
            "median_days_to_first_patient_new_site": round(fit.beta * (2 ** (1 / fit.alpha) - 1), 1),
            "sites_fitted": fit.n_sites, "patients_fitted": fit.k_total,
            "site_days_fitted": round(fit.tau_total, 1), "converged": fit.converged,
        }
        if not parameter_uncertainty:
            notes.append(_("Plug-in forecast: (α, β) fixed at their estimate (bands too narrow; for comparison only)."))
    else:
        if plan is None:
            plan = PlanPrior(n=target, days=ASSUMED_PLAN_DAYS, confidence=ASSUMED_PLAN_CONFIDENCE,
                             source=_("no planned duration given: assumed 24 months, held with low confidence"))
        draws = single_rate_draws(snap, plan, offsets, n_sims, rng)
        shp, rte = draws.extra["posterior_shape"], draws.extra["posterior_rate"]
        params = {
            "plan": plan.source, "plan_patients": plan.n, "plan_days": round(plan.days, 1),
            "plan_confidence": plan.confidence,
            "prior_rate_per_month": round(plan.n / plan.days * DAYS_PER_MONTH, 4),
            "posterior_rate_per_month": round(shp / rte * DAYS_PER_MONTH, 4),
            "posterior_rate_per_month_p10": round(float(stats.gamma.ppf(0.1, shp, scale=1 / rte)) * DAYS_PER_MONTH, 4),
            "posterior_rate_per_month_p90": round(float(stats.gamma.ppf(0.9, shp, scale=1 / rte)) * DAYS_PER_MONTH, 4),
            "days_observed": float((as_of - snap.first_activation).days) if snap.first_activation is not None else 0.0,
        }
        reason += sentence_separator() + _("Plan: {plan} (confidence P = {p}).").format(plan=plan.source,
                                                                                         p=f"{plan.confidence:g}")
    stopped = int((snap.sites["state"] == "stopped").sum())
    if stopped:
        notes.append(_("{n} closed or on-hold site(s) stop contributing after their last recorded screening.").format(
            n=stopped))

    # -- time to target ---------------------------------------------------------------------------
    T = draws.time_to(remaining, rng)
    reached_on = None
    if remaining == 0:
        reached_on = snap.observed["date"].iloc[int(np.searchsorted(snap.observed["enrolled"], target))].date() \
            if len(snap.observed) else as_of.date()
        q10 = q50 = q90 = reached_on
        notes.append(_("The target of {target} was reached on {date}.").format(target=target, date=reached_on))
    else:
        qs = np.quantile(T, [0.1, 0.5, 0.9], method="inverted_cdf")
        q10, q50, q90 = (_to_day(as_of, q) for q in qs)
    prob_never = float(np.mean(~np.isfinite(T)))
    if prob_never > 0:
        notes.append(_("In {share} of simulations no open or planned site is left to reach the target.").format(
            share=f"{prob_never:.0%}"))
    not_reached = None
    if remaining and None in (q10, q50, q90):
        names = [n for n, q in (("10%", q10), (word("median"), q50), ("90%", q90)) if q is None]
        words = dict(target=target, not_reached=Message(NOT_REACHED_WORDS, years=HORIZON_YEARS), date=as_of.date())
        not_reached = str(Message(NOT_REACHED_REASON, **words, which=" / ".join(map(str, names))))  # JSON: English
        notes.append(Message(NOT_REACHED_REASON, **words, which=" / ".join(said(n) for n in names)).said())

    # -- counts on dates ------------------------------------------------------------------------------
    def counts_at(days: np.ndarray) -> np.ndarray:
        lam = draws.intensity(days)
        return snap.enrolled + rng.poisson(lam)

    by_d = prob_by = exp_by = None
    lam_by = None
    if by_date is not None:
        try:
            by_d = pd.Timestamp(by_date).normalize()
        except (ValueError, TypeError, OverflowError) as exc:  # OutOfBoundsDatetime is a ValueError
            raise ForecastError(Message("the date for the probability ({date}) is not a date trialkit can use "
                                        "({error})", date=by_date, error=" ".join(str(exc).split())[:80])) from None
        if (by_d - as_of).days > HORIZON_YEARS * 365.25:
            raise ForecastError(Message("the date for the probability ({date}) is more than {years} years after the "
                                        "as-of date {as_of}", date=by_d.date(), years=HORIZON_YEARS, as_of=as_of.date()))
        if by_d < as_of:
            raise ForecastError(Message("the date for the probability ({date}) is before the as-of date {as_of}",
                                        date=by_d.date(), as_of=as_of.date()))
        days = float((by_d - as_of).days)
        prob_by = 1.0 if remaining == 0 else float(np.mean(T <= days))
        lam_by = draws.intensity([days])[:, 0]
        exp_by = float(snap.enrolled + lam_by.mean())
        by_d = by_d.date()
    check_rows = []
    for d in eval_dates:
        d = pd.Timestamp(d).normalize()
        if d <= as_of:
            continue
        c = counts_at(np.array([float((d - as_of).days)]))[:, 0]
        check_rows.append({"date": d, "p10": float(np.quantile(c, 0.1, method="inverted_cdf")),
                           "p50": float(np.quantile(c, 0.5, method="inverted_cdf")),
                           "p90": float(np.quantile(c, 0.9, method="inverted_cdf")), "mean": float(c.mean())})
    checks = pd.DataFrame(check_rows, columns=["date", "p10", "p50", "p90", "mean"])

    # -- fan ---------------------------------------------------------------------------------------
    finite = T[np.isfinite(T)]
    if remaining == 0:
        horizon = 180.0
    elif len(finite):
        horizon = float(np.quantile(finite, 0.95)) * 1.1
    else:
        horizon = 365.0
    horizon = float(min(max(horizon, 60.0), 3650.0))
    grid = np.unique(np.round(np.linspace(0, horizon, max(2, min(int(horizon) + 1, fan_points)))))
    lam_grid = draws.intensity(grid)
    inc = rng.poisson(np.diff(lam_grid, axis=1, prepend=0.0).clip(min=0))
    paths = snap.enrolled + np.cumsum(inc, axis=1)
    fan = pd.DataFrame({"date": as_of + pd.to_timedelta(grid, unit="D")})
    for q in QUANTILES:
        fan[f"p{int(q * 100)}"] = np.quantile(paths, q, axis=0, method="inverted_cdf")
    fan["mean"] = paths.mean(axis=0)

    by_arm = _by_arm(snap, arms, remaining, lam_by, rng, n_sims)
    screening = _screening(snap, remaining, rng, n_sims)
    site_rows = _site_outlook(snap, future, draws, fit, model, as_of)

    label = ("Poisson–gamma site model (Anisimov–Fedorov)" if model == "poisson_gamma"
             else "Single-rate Bayesian model (Gajewski–Simon–Carlson)")
    return Forecast(model=model, model_label=label,
                    reason=reason, as_of=as_of.date(), target=target, enrolled=snap.enrolled, remaining=remaining,
                    p10_date=q10, median_date=q50, p90_date=q90, prob_never=prob_never, reached_on=reached_on,
                    by_date=by_d, prob_by_date=prob_by, expected_by_date=exp_by, by_arm=by_arm,
                    screening=screening, params=params, sites=site_rows, what_if=what_if, notes=notes,
                    n_sims=n_sims, seed=seed, parameter_uncertainty=parameter_uncertainty, fan=fan,
                    observed=snap.observed, checks=checks, not_reached_reason=not_reached)


def _by_arm(snap: Snapshot, arms, remaining: int, lam_by, rng, n_sims: int) -> list[ArmExpectation]:
    labels = list(dict.fromkeys([*(arms or []), *snap.enrolled_by_arm]))
    if not labels:
        return []
    counts = np.array([snap.enrolled_by_arm.get(a, 0) for a in labels], dtype=float)
    # allocation shares: Dirichlet posterior with one pseudo-patient per arm
    shares = rng.dirichlet(counts + 1.0, size=n_sims)
    extra = rng.multinomial(remaining, shares) if remaining else np.zeros((n_sims, len(labels)))
    final = counts[None, :] + extra
    out = []
    for j, a in enumerate(labels):
        out.append(ArmExpectation(
            arm=a, enrolled=int(counts[j]), expected_at_target=float(final[:, j].mean()),
            p10_at_target=int(np.quantile(final[:, j], 0.1, method="inverted_cdf")),
            p90_at_target=int(np.quantile(final[:, j], 0.9, method="inverted_cdf")),
            expected_by_date=(float(counts[j] + (lam_by * shares[:, j]).mean()) if lam_by is not None else None)))
    return out


def _screening(snap: Snapshot, remaining: int, rng, n_sims: int) -> ScreeningNeed:
    decided = snap.decided
    sf_rate = snap.screen_failed / decided if decided else None
    conv = snap.enrolled / decided if decided else None
    needed = n10 = n50 = n90 = None
    if remaining == 0:
        needed = n10 = n50 = n90 = 0
    elif decided and snap.enrolled:
        # at the observed rate, counting on those still in screening to convert at the same rate
        needed = max(0, math.ceil(remaining / conv - snap.in_screening))
        p = rng.beta(snap.enrolled + 1, decided - snap.enrolled + 1, size=n_sims)
        from_pending = rng.binomial(snap.in_screening, p)
        still = np.maximum(remaining - from_pending, 0)
        draws = np.where(still > 0, still + rng.negative_binomial(np.maximum(still, 1), p), 0)
        n10, n50, n90 = (int(np.quantile(draws, q, method="inverted_cdf")) for q in (0.1, 0.5, 0.9))
    return ScreeningNeed(screened=snap.screened, with_outcome=decided, screen_failed=snap.screen_failed,
                         declined=snap.declined, eligible_not_enrolled=snap.eligible_not_enrolled,
                         in_screening=snap.in_screening, enrolled=snap.enrolled, screen_failure_rate=sf_rate,
                         conversion_rate=conv, remaining=remaining, needed_at_observed_rate=needed,
                         needed_p10=n10, needed_median=n50, needed_p90=n90)


def _site_outlook(snap: Snapshot, future: pd.DataFrame, draws: RateDraws, fit: GammaFit | None, model: str,
                  as_of: pd.Timestamp) -> list[SiteOutlook]:
    rows = []
    m = DAYS_PER_MONTH
    for _row, s in snap.sites.iterrows():
        if s["state"] == "planned":
            continue
        r = r10 = r90 = None
        if s["state"] == "open":
            if fit is not None:
                a, b = fit.alpha + s["k"], fit.beta + s["tau"]
                r, r10, r90 = (float(a / b * m), float(stats.gamma.ppf(0.1, a, scale=1 / b) * m),
                                float(stats.gamma.ppf(0.9, a, scale=1 / b) * m))
            elif snap.n_active:
                share = draws.extra["lam_trial"] / snap.n_active * m
                r, r10, r90 = float(share.mean()), float(np.quantile(share, 0.1)), float(np.quantile(share, 0.9))
        rows.append(SiteOutlook(site_id=str(s["site_id"]), site_name=str(s["site_name"]), state=s["state"],
                                enrolled=int(s["k"]), exposure_days=float(s["tau"]), rate_per_month=r,
                                rate_p10_per_month=r10, rate_p90_per_month=r90,
                                planned_start=(s["planned_activation_date"].date()
                                               if pd.notna(s["planned_activation_date"]) else None),
                                start_median=(s["activation_date"].date() if pd.notna(s["activation_date"]) else None)))
    for j, (_row, s) in enumerate(future.iterrows()):
        lam = draws.lam[:, j] * m
        st = float(np.median(draws.start[:, j]))
        rows.append(SiteOutlook(site_id=str(s["site_id"]), site_name=str(s["site_name"]), state=s["state"],
                                enrolled=0, exposure_days=0.0, rate_per_month=float(lam.mean()),
                                rate_p10_per_month=float(np.quantile(lam, 0.1)),
                                rate_p90_per_month=float(np.quantile(lam, 0.9)),
                                planned_start=s["planned_activation_date"].date(),
                                start_median=_to_day(as_of, st)))
    return rows
