"""Recruitment models: the Poisson–gamma model of Anisimov & Fedorov and the single-rate fallback.

**Poisson–gamma** (Anisimov & Fedorov, Stat Med 2007;26:4958). Once active, site *i* enrolls as a Poisson
process with rate λᵢ (patients per day); across sites λᵢ ~ Gamma(α, β) (shape α, rate β). (α, β) are fitted by
maximising the negative-binomial likelihood of the counts kᵢ over the exposures τᵢ

    L = ∏ Γ(α+kᵢ)/(Γ(α) kᵢ!) · β^α τᵢ^kᵢ / (β+τᵢ)^(α+kᵢ)

with a weak prior log α ~ N(0.2, 2²) (with few sites the maximum-likelihood α can run away and make the
forecast falsely certain) and a flat prior on log μ, μ = α/β the mean site rate. The posterior of
θ = (log α, log μ) is approximated by a normal at its mode with the inverse Hessian as covariance (Laplace);
(α, β) are drawn from it *before* simulating so parameter uncertainty is carried into the forecast (plug-in
intervals are too narrow: about 77% coverage for a nominal 80%, see background.md). Given (α, β) a site's
rate is Gamma(α + kᵢ, β + τᵢ); a site not yet active draws its rate from Gamma(α, β).

**Single rate** (Gajewski, Simon & Carlson, Stat Med 2008;27:2328; R package ``accrual``). The planned n
patients over T days with confidence P ∈ (0, 1] give the prior rate ~ Gamma(nP, TP); after m patients by day t
the posterior is Gamma(nP + m, TP + t). Used when the trial is too young for the site model (fewer than 3
active sites or 10 patients).

**Forward simulation.** Each draw gives a rate r₀ for the sites open now plus, for every site that opens
later, a rate λⱼ from its start day sⱼ. The cumulative intensity Λ(t) = r₀t + Σⱼ λⱼ (t − sⱼ)₊ is piecewise
linear, so the day of the n-th new patient is exactly Λ⁻¹(G) with G ~ Gamma(n, 1) (no time grid), and the
count by day t is Poisson(Λ(t)). Everything is seeded: the same inputs and seed give the same answer.

Units: days throughout (rates per day); "per site-month" uses 30.44 days (background.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from trialkit.message import Message

DAYS_PER_MONTH = 30.44
#: Prior on log α: N(LOG_ALPHA_PRIOR_MEAN, LOG_ALPHA_PRIOR_SD²) (background.md).
LOG_ALPHA_PRIOR_MEAN = 0.2
LOG_ALPHA_PRIOR_SD = 2.0
#: The site model needs at least this many active sites and enrolled patients; below, the single-rate model.
MIN_ACTIVE_SITES = 3
MIN_PATIENTS = 10
#: Site statuses that stop a site contributing (contracts §5).
STOPPED_STATUSES = frozenset({"CLOSED", "ON_HOLD"})


# --------------------------------------------------------------------------------------------------
# The log as it stood on the as-of date
# --------------------------------------------------------------------------------------------------
@dataclass
class Snapshot:
    """What the log said on ``as_of`` (nothing recorded later is used).

    ``sites`` has one row per site: ``site_id``, ``site_name``, ``state`` (``open``: active and enrolling;
    ``stopped``: was active, now closed or on hold; ``planned``: not active yet; ``never``: closed or on hold
    without ever being active), ``k`` (enrolled by as-of), ``tau`` (exposure in days), ``planned_offset``
    (planned activation minus as-of, days; NaN when no plan).
    """

    as_of: pd.Timestamp
    sites: pd.DataFrame
    enrolled: int
    enrolled_by_arm: dict[str, int]
    screened: int
    in_screening: int
    screen_failed: int
    declined: int
    eligible_not_enrolled: int
    delays: np.ndarray  # activation − planned activation (days) of the sites activated by as-of
    first_activation: pd.Timestamp | None
    observed: pd.DataFrame  # date, enrolled (cumulative, one row per enrollment day up to as-of)

    @property
    def n_active(self) -> int:
        """Sites that have been active by as-of (open or since stopped): the sites the fit sees."""
        return int(self.sites["state"].isin(["open", "stopped"]).sum())

    @property
    def n_open(self) -> int:
        return int((self.sites["state"] == "open").sum())

    @property
    def decided(self) -> int:
        """Screenings with an outcome: enrolled, screen-failed, declined, or eligible but not enrolled."""
        return self.enrolled + self.screen_failed + self.declined + self.eligible_not_enrolled


def _dates(s: pd.Series | None, n: int) -> pd.Series:
    if s is None:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    return pd.to_datetime(s, errors="coerce")


def _log_dates(participants: pd.DataFrame, sites: pd.DataFrame, which: str) -> list[pd.Timestamp]:
    """The earliest (``which="min"``) or latest (``"max"``) date of each dated column of the log."""
    stamps = []
    for frame, cols in ((participants, ("screening_date", "consent_date", "enrollment_date",
                                        "discontinuation_date")),
                        (sites, ("activation_date",))):
        for c in cols:
            if c in frame.columns and len(frame):
                m = getattr(pd.to_datetime(frame[c], errors="coerce"), which)()
                if pd.notna(m):
                    stamps.append(m)
    return stamps


def log_end(participants: pd.DataFrame, sites: pd.DataFrame) -> pd.Timestamp | None:
    """The last date recorded in the log (screening, consent, enrollment, discontinuation or activation)."""
    stamps = _log_dates(participants, sites, "max")
    return max(stamps).normalize() if stamps else None


def log_start(participants: pd.DataFrame, sites: pd.DataFrame) -> pd.Timestamp | None:
    """The first date recorded in the log (the earliest screening, activation or other date)."""
    stamps = _log_dates(participants, sites, "min")
    return min(stamps).normalize() if stamps else None


def snapshot(participants: pd.DataFrame, sites: pd.DataFrame, as_of=None) -> Snapshot:
    """Cut the log at ``as_of`` (default: the last date it records).

    Closed and on-hold sites: the log keeps no closure date, so a stopped site is taken to have stopped after
    its last recorded screening (with none, at as-of); at an earlier as-of it still counts as open. A site
    activated after as-of was not active then: it counts as planned at its planned activation date. A
    participant enrolled after as-of was still in screening on as-of.
    """
    as_of = pd.Timestamp(as_of).normalize() if as_of is not None else log_end(participants, sites)
    if as_of is None:
        raise ValueError(Message("the log records no dates, so there is nothing to forecast from"))
    p = participants
    n = len(p)
    scr = _dates(p.get("screening_date"), n)
    enr = _dates(p.get("enrollment_date"), n)
    outcome = (p["screen_outcome"].astype("string").str.upper() if "screen_outcome" in p.columns
               else pd.Series(pd.NA, index=p.index, dtype="string"))
    site_of = p["site_id"].astype(str) if "site_id" in p.columns else pd.Series("", index=p.index)
    seen = (scr <= as_of).to_numpy()
    enrolled_mask = (enr <= as_of).to_numpy() & seen
    late_enrolled = enr.notna().to_numpy() & ~enrolled_mask  # enrolled after as-of: pending on as-of
    out = outcome.fillna("").to_numpy()
    screened = int(seen.sum())
    enrolled = int(enrolled_mask.sum())
    sf = int((seen & (out == "SCREEN_FAILURE")).sum())
    dec = int((seen & (out == "DECLINED")).sum())
    eligible_not = int((seen & (out == "ELIGIBLE") & ~enrolled_mask & ~late_enrolled).sum())
    in_scr = screened - enrolled - sf - dec - eligible_not

    by_arm: dict[str, int] = {}
    if "arm" in p.columns and enrolled:
        by_arm = {str(a): int(c) for a, c in p.loc[enrolled_mask, "arm"].astype(str).value_counts().items()}

    # cumulative enrollment up to as-of
    ed = enr[enrolled_mask].dt.normalize().sort_values()
    counts = ed.value_counts().sort_index()
    observed = pd.DataFrame({"date": counts.index, "enrolled": counts.cumsum().to_numpy()})

    # sites
    s = sites
    m = len(s)
    sid = s["site_id"].astype(str).to_numpy() if m else np.array([], dtype=object)
    name = (s["site_name"].astype(str).to_numpy() if "site_name" in s.columns else sid)
    status = (s["status"].astype(str).str.upper().to_numpy() if "status" in s.columns
              else np.array(["ACTIVE"] * m))
    act = _dates(s.get("activation_date"), m).to_numpy()
    plan = _dates(s.get("planned_activation_date"), m).to_numpy()
    last_seen = (pd.Series(scr.to_numpy()).groupby(site_of.to_numpy()).max() if n
                 else pd.Series(dtype="datetime64[ns]"))
    k_by_site = pd.Series(site_of.to_numpy()[enrolled_mask]).value_counts()
    rows = []
    delays = []
    first_act = None
    for i in range(m):
        a = pd.Timestamp(act[i]) if not pd.isna(act[i]) else None
        pl = pd.Timestamp(plan[i]) if not pd.isna(plan[i]) else None
        k = int(k_by_site.get(sid[i], 0))
        if a is not None and a <= as_of:
            end = as_of
            state = "open"
            if status[i] in STOPPED_STATUSES:
                last = last_seen.get(sid[i]) if len(last_seen) else None
                if last is not None and not pd.isna(last) and last > as_of:
                    state = "open"  # on as-of it was still recruiting
                else:
                    state = "stopped"
                    if last is not None and not pd.isna(last):
                        end = max(min(pd.Timestamp(last), as_of), a)
            tau = float((end - a).days)
            if pl is not None:
                delays.append(float((a - pl).days))
            first_act = a if first_act is None or a < first_act else first_act
            offset = np.nan
        else:
            if status[i] in STOPPED_STATUSES and a is None:
                state = "never"
            else:
                state = "planned"
            tau = 0.0
            offset = float((pl - as_of).days) if pl is not None else np.nan
        rows.append({"site_id": sid[i], "site_name": name[i], "status": status[i], "state": state,
                     "activation_date": a, "planned_activation_date": pl, "k": k, "tau": tau,
                     "planned_offset": offset})
    site_frame = pd.DataFrame(rows, columns=["site_id", "site_name", "status", "state", "activation_date",
                                             "planned_activation_date", "k", "tau", "planned_offset"])
    return Snapshot(as_of=as_of, sites=site_frame, enrolled=enrolled, enrolled_by_arm=by_arm,
                    screened=screened, in_screening=int(in_scr), screen_failed=sf, declined=dec,
                    eligible_not_enrolled=eligible_not, delays=np.asarray(delays, dtype=float),
                    first_activation=first_act, observed=observed)


# --------------------------------------------------------------------------------------------------
# Poisson–gamma fit
# --------------------------------------------------------------------------------------------------
@dataclass
class GammaFit:
    """Posterior mode and Laplace covariance of θ = (log α, log μ), μ = α/β (patients per site-day)."""

    theta: np.ndarray
    cov: np.ndarray
    converged: bool
    n_sites: int
    k_total: int
    tau_total: float

    @property
    def alpha(self) -> float:
        return float(np.exp(self.theta[0]))

    @property
    def mu(self) -> float:
        return float(np.exp(self.theta[1]))

    @property
    def beta(self) -> float:
        return self.alpha / self.mu

    def draw(self, n: int, rng: np.random.Generator, *, uncertainty: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws of (α, β): from the approximate posterior, or the plug-in mode when not ``uncertainty``."""
        if not uncertainty:
            return np.full(n, self.alpha), np.full(n, self.beta)
        th = rng.multivariate_normal(self.theta, self.cov, size=n, method="eigh")
        th = np.clip(th, -20, 20)
        alpha = np.exp(th[:, 0])
        return alpha, alpha / np.exp(th[:, 1])


def neg_log_posterior(theta: np.ndarray, k: np.ndarray, tau: np.ndarray) -> float:
    """−log[negative-binomial likelihood × prior] at θ = (log α, log μ) (constants dropped)."""
    la, lm = float(theta[0]), float(theta[1])
    alpha = np.exp(la)
    beta = alpha / np.exp(lm)
    ll = (special.gammaln(alpha + k) - special.gammaln(alpha) + alpha * np.log(beta)
          + special.xlogy(k, tau) - (alpha + k) * np.log(beta + tau))
    prior = -0.5 * ((la - LOG_ALPHA_PRIOR_MEAN) / LOG_ALPHA_PRIOR_SD) ** 2
    return float(-(ll.sum() + prior))


def _hessian(f, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    d = len(x)
    H = np.empty((d, d))
    for i in range(d):
        for j in range(i, d):
            ei = np.zeros(d)
            ej = np.zeros(d)
            ei[i] = h
            ej[j] = h
            v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
            H[i, j] = H[j, i] = v
    return H


def fit_poisson_gamma(k, tau) -> GammaFit:
    """Fit (α, β) to counts ``k`` over exposures ``tau`` (days) of the sites that have been active."""
    k = np.asarray(k, dtype=float)
    tau = np.asarray(tau, dtype=float)
    keep = tau > 0
    k, tau = k[keep], tau[keep]
    if len(k) == 0 or k.sum() == 0:
        raise ValueError(Message("the Poisson–gamma fit needs at least one patient at a site with exposure"))
    f = lambda th: neg_log_posterior(th, k, tau)  # noqa: E731
    start = np.array([LOG_ALPHA_PRIOR_MEAN, np.log(k.sum() / tau.sum())])
    res = optimize.minimize(f, start, method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000})
    res2 = optimize.minimize(f, res.x, method="BFGS")
    best = res2 if res2.fun <= res.fun else res
    theta = np.asarray(best.x, dtype=float)
    H = _hessian(f, theta)
    # A valid covariance: symmetric, eigenvalues floored; never wider than the prior on log α allows.
    w, V = np.linalg.eigh((H + H.T) / 2)
    w = np.maximum(w, 1e-6)
    cov = (V / w) @ V.T
    return GammaFit(theta=theta, cov=cov, converged=bool(res.success or res2.success), n_sites=len(k),
                    k_total=int(k.sum()), tau_total=float(tau.sum()))


# --------------------------------------------------------------------------------------------------
# Forward simulation
# --------------------------------------------------------------------------------------------------
@dataclass
class RateDraws:
    """One row per simulation draw: ``r0`` (rate per day of the sites open now), and for the sites that open
    later their rates ``lam`` and start days ``start`` (days after as-of, ≥ 0), shape (draws, sites)."""

    r0: np.ndarray
    lam: np.ndarray
    start: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.r0)

    def intensity(self, t) -> np.ndarray:
        """Λ(t) for days ``t`` (array): shape (draws, len(t))."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        out = self.r0[:, None] * t[None, :]
        if self.lam.shape[1]:
            for j in range(self.lam.shape[1]):
                out += self.lam[:, j:j + 1] * np.clip(t[None, :] - self.start[:, j:j + 1], 0, None)
        return out

    def time_to(self, n_more: int, rng: np.random.Generator) -> np.ndarray:
        """Days from as-of until ``n_more`` more patients (inf where the rate runs out first)."""
        if n_more <= 0:
            return np.zeros(self.n)
        G = rng.gamma(n_more, 1.0, size=self.n)
        return invert_intensity(self.r0, self.lam, self.start, G)


def invert_intensity(r0: np.ndarray, lam: np.ndarray, start: np.ndarray, G: np.ndarray) -> np.ndarray:
    """The t with Λ(t) = G for piecewise-linear Λ, row by row (vectorised over draws)."""
    S = len(r0)
    if lam.shape[1] == 0:
        with np.errstate(divide="ignore"):
            return np.where(r0 > 0, G / np.where(r0 > 0, r0, 1), np.inf)
    order = np.argsort(start, axis=1)
    s = np.take_along_axis(start, order, axis=1)
    l_sorted = np.take_along_axis(lam, order, axis=1)
    # breakpoints b_0 = 0, b_1..b_J = sorted starts; slope after b_j is r0 + sum of first j rates
    b = np.concatenate([np.zeros((S, 1)), s], axis=1)
    slope = np.concatenate([r0[:, None], r0[:, None] + np.cumsum(l_sorted, axis=1)], axis=1)
    seg_len = np.diff(b, axis=1)  # (S, J)
    cum = np.concatenate([np.zeros((S, 1)), np.cumsum(slope[:, :-1] * seg_len, axis=1)], axis=1)
    idx = (cum <= G[:, None]).sum(axis=1) - 1  # last breakpoint with Λ ≤ G
    rows = np.arange(S)
    sl = slope[rows, idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = b[rows, idx] + (G - cum[rows, idx]) / sl
    return np.where(sl > 0, t, np.inf)


def sample_starts(planned_offset: np.ndarray, delays: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Start days (after as-of) of sites planned ``planned_offset`` days from as-of, each delayed by a draw
    from this trial's own activation delays (activation − planned). A site already overdue on as-of starts
    after a delay at least as long as it has already waited (drawn from the longer delays in the history);
    when none is that long, as-of plus a draw from the non-negative delays. With no history: on plan."""
    J = len(planned_offset)
    out = np.empty((n, J))
    d = np.asarray(delays, dtype=float)
    for j, off in enumerate(planned_offset):
        if len(d) == 0:
            out[:, j] = max(off, 0.0)
            continue
        if off >= 0:
            # not active on as-of, so not earlier than as-of even if this trial's sites sometimes opened early
            out[:, j] = np.maximum(off + rng.choice(d, size=n), 0.0)
            continue
        waited = -off
        longer = d[d > waited]
        if len(longer):
            out[:, j] = off + rng.choice(longer, size=n)
        else:
            out[:, j] = rng.choice(np.maximum(d, 0.0), size=n)
    return out


def poisson_gamma_draws(snap: Snapshot, fit: GammaFit, future_offsets: np.ndarray, n: int,
                        rng: np.random.Generator, *, uncertainty: bool = True) -> RateDraws:
    """Rates of open sites from their posteriors, of future sites from the population gamma."""
    alpha, beta = fit.draw(n, rng, uncertainty=uncertainty)
    open_ = snap.sites[snap.sites["state"] == "open"]
    k = open_["k"].to_numpy(dtype=float)
    tau = open_["tau"].to_numpy(dtype=float)
    if len(k):
        lam_open = rng.gamma(alpha[:, None] + k[None, :], 1.0 / (beta[:, None] + tau[None, :]))
        r0 = lam_open.sum(axis=1)
    else:
        lam_open = np.zeros((n, 0))
        r0 = np.zeros(n)
    J = len(future_offsets)
    lam = (rng.gamma(np.repeat(alpha[:, None], J, axis=1), 1.0 / np.repeat(beta[:, None], J, axis=1)) if J
           else np.zeros((n, 0)))
    start = sample_starts(future_offsets, snap.delays, n, rng)
    return RateDraws(r0=r0, lam=lam, start=start, extra={"alpha": alpha, "beta": beta, "lam_open": lam_open})


@dataclass
class PlanPrior:
    """The plan behind the single-rate prior: ``n`` patients over ``days`` with confidence ``confidence``."""

    n: int
    days: float
    confidence: float
    source: str  # how the plan was obtained, said on screen

    @property
    def shape(self) -> float:
        return self.n * self.confidence

    @property
    def rate(self) -> float:
        return self.days * self.confidence


def single_rate_draws(snap: Snapshot, plan: PlanPrior, future_offsets: np.ndarray, n: int,
                      rng: np.random.Generator) -> RateDraws:
    """Gajewski–Simon–Carlson: trial rate ~ Gamma(nP + m, TP + t), t = days since the first activation.

    To let sites open later (and what-ifs) matter, the trial rate is shared equally among the sites that
    have been active (a site that has since stopped takes its share with it); a site opening later adds one
    such share. Before any site is active, the planned rate is shared among the sites that will open.
    """
    t = float((snap.as_of - snap.first_activation).days) if snap.first_activation is not None else 0.0
    shape = plan.shape + snap.enrolled
    rate = plan.rate + max(t, 0.0)
    lam_trial = rng.gamma(shape, 1.0 / rate, size=n)
    J = len(future_offsets)
    n_active, n_open = snap.n_active, snap.n_open
    if n_active:
        per_site = lam_trial / n_active
        r0 = per_site * n_open
    else:
        per_site = lam_trial / max(J, 1)
        r0 = np.zeros(n)
    lam = np.repeat(per_site[:, None], J, axis=1) if J else np.zeros((n, 0))
    start = sample_starts(future_offsets, snap.delays, n, rng)
    return RateDraws(r0=r0, lam=lam, start=start,
                     extra={"lam_trial": lam_trial, "posterior_shape": shape, "posterior_rate": rate})
