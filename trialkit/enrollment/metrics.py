"""Every number the enrollment and sites views show, computed once from the log's two frames.

* :func:`summarize`: the ``enrollment summary --json`` object of contracts §5 (counts that add up, the
  CONSORT block) plus KPIs that carry their numerator and denominator.
* :func:`site_table`: one row per site: status, activation, screened, screen-failure rate, enrolled of
  target, exposure and rate per site-month, days from activation to first patient, the silent-site flag,
  and the shrunken (Poisson–gamma posterior) rate with a 90% interval.

Definitions (background.md, "KPIs and their denominators"):

* screen-failure rate = screen failures ÷ screenings with an outcome (SCREEN_FAILURE + DECLINED +
  ELIGIBLE, enrolled or not); people still IN_SCREENING are left out of the denominator and people who
  DECLINED are counted in it.
* site exposure τᵢ = days from activation to the as-of date (ACTIVE, ON_HOLD: holds are not dated in the
  log, so they are not subtracted), or to the site's last recorded activity (CLOSED: the log has no closure
  date); 0 for a site not activated. Rate per site-month = enrolled ÷ (τᵢ / 30.44).
* time to first patient = first enrollment − activation; a site with none is "still waiting" (censored at τᵢ).
* Poisson–gamma model (Anisimov & Fedorov, Stat Med 2007;26:4958): site i enrolls at rate λᵢ ~ Gamma(α, β);
  (α, β) maximise the negative-binomial likelihood of the counts kᵢ over exposures τᵢ with a weak prior
  log α ~ N(0.2, 2²) so few sites cannot make α run away; site posterior λᵢ | data ~ Gamma(α+kᵢ, β+τᵢ), whose
  mean shrinks small or young sites toward the average.
* silent site: an ACTIVE site whose quiet stretch (days since its last enrollment, or since activation when
  it has none) had probability below 5% under its own posterior from before that stretch:
  ((β+τᵢ−d)/(β+τᵢ))^(α+kᵢ) < 0.05. With kᵢ = 0 this is background.md's (β/(β+τ))^α < 0.05. Here (α, β)
  are fitted without the site being judged (leave-one-out, up to 40 sites), so a silent site cannot hide
  by widening the spread of rates it is compared with.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import optimize, stats

from trialkit.forecast.model import DAYS_PER_MONTH, LOG_ALPHA_PRIOR_MEAN, neg_log_posterior
from trialkit.models import Trial

SILENT_PROBABILITY = 0.05
INTERVAL = (0.05, 0.95)  # 90% credible interval for site rates

LOO_MAX_SITES = 40


def _ratio(num: int, den: int) -> dict:
    return {"numerator": int(num), "denominator": int(den), "rate": (num / den) if den else None}


def _arms(participants: pd.DataFrame, trial: Trial | None) -> list[str]:
    arms = list(trial.arm_labels) if trial is not None else []
    for a in participants.loc[participants["enrollment_date"].notna(), "arm"].dropna():
        if a not in arms:
            arms.append(a)
    return arms


def criterion_counts(participants: pd.DataFrame) -> dict[str, int]:
    """Screen failures per criterion id (a participant failing two criteria counts under each)."""
    crit = participants.loc[participants["screen_outcome"] == "SCREEN_FAILURE", "screen_fail_criteria"].dropna()
    ids = [c.strip() for s in crit for c in str(s).split(";") if c.strip()]
    counts = pd.Series(ids, dtype=object).value_counts()

    def order(cid: str):
        return (0 if cid.startswith("I") else 1, int(cid[1:]) if cid[1:].isdigit() else 0, cid)

    return {cid: int(counts[cid]) for cid in sorted(counts.index, key=order)}


def enrollment_target(sites: pd.DataFrame, trial: Trial | None) -> tuple[int | None, str | None]:
    """The enrollment target and where it comes from: the registry's enrollment count, else the sum of
    the site targets in the log, else none."""
    if trial is not None and trial.enrollment.count:
        kind = (trial.enrollment.type or "").lower() or "not typed"
        return int(trial.enrollment.count), f"registry enrollment ({kind})"
    if len(sites) and sites["target"].notna().any():
        return int(sites["target"].fillna(0).sum()), "sum of the site targets in the log"
    return None, None


def summarize(participants: pd.DataFrame, sites: pd.DataFrame, trial: Trial | None = None, *,
              source: str | None = None) -> dict:
    """The summary of contracts §5 (plus KPIs with denominators, target, and CONSORT details)."""
    p = participants
    outcome = p["screen_outcome"]
    enrolled_mask = (outcome == "ELIGIBLE") & p["enrollment_date"].notna()
    disc_mask = enrolled_mask & (p["status"] == "DISCONTINUED")
    analysed_flag = p["analysed"].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                                      else bool(v))
    analysed_mask = enrolled_mask & ((analysed_flag == True) | (analysed_flag.isna() & (p["status"] == "COMPLETED")))  # noqa: E712
    ltfu_mask = disc_mask & (p["discontinuation_reason"] == "LOST TO FOLLOW-UP")

    screened = len(p)
    in_screening = int((outcome == "IN_SCREENING").sum())
    screen_failed = int((outcome == "SCREEN_FAILURE").sum())
    declined = int((outcome == "DECLINED").sum())
    eligible_not_enrolled = int(((outcome == "ELIGIBLE") & ~enrolled_mask).sum())
    enrolled = int(enrolled_mask.sum())
    discontinued = int(disc_mask.sum())

    arms = _arms(p, trial)

    def per_arm(mask) -> dict[str, int]:
        counts = p.loc[mask, "arm"].value_counts()
        return {a: int(counts.get(a, 0)) for a in arms}

    site_ids = list(dict.fromkeys(list(sites["site_id"]) + list(p["site_id"])))
    n_screened = p["site_id"].value_counts()
    n_failed = p.loc[outcome == "SCREEN_FAILURE", "site_id"].value_counts()
    n_enrolled = p.loc[enrolled_mask, "site_id"].value_counts()
    by_site = {s: {"screened": int(n_screened.get(s, 0)), "screen_failed": int(n_failed.get(s, 0)),
                   "enrolled": int(n_enrolled.get(s, 0))} for s in site_ids}

    reasons = {a: {str(r): int(n) for r, n in p.loc[disc_mask & (p["arm"] == a), "discontinuation_reason"]
                   .value_counts().items()} for a in arms}
    allocated = per_arm(enrolled_mask)
    analysed = per_arm(analysed_mask)
    target, target_source = enrollment_target(sites, trial)
    crit = criterion_counts(p)
    with_outcome = screened - in_screening
    dates = p["screening_date"].dropna()
    out = {
        "screened": screened,
        "in_screening": in_screening,
        "screen_failed": screen_failed,
        "declined": declined,
        "eligible_not_enrolled": eligible_not_enrolled,
        "enrolled": enrolled,
        "discontinued": discontinued,
        "by_arm": allocated,
        "by_site": by_site,
        "screen_fail_by_criterion": crit,
        "consort": {
            "assessed": screened,
            "excluded": screen_failed + declined + eligible_not_enrolled,
            "not_meeting_criteria": screen_failed,
            "declined": declined,
            "other_reasons": eligible_not_enrolled,
            "in_screening": in_screening,
            "allocated": allocated,
            "discontinued": per_arm(disc_mask),
            "lost_to_follow_up": per_arm(ltfu_mask),
            "discontinued_reasons": reasons,
            "ongoing": per_arm(enrolled_mask & (p["status"] == "ONGOING")),
            "analysed": analysed,
            "not_analysed": {a: allocated[a] - analysed[a] for a in arms},
        },
        "kpis": {
            "screen_failure_rate": {**_ratio(screen_failed, with_outcome),
                                    "denominator_label": "screenings with an outcome (declined counted, "
                                                         "still in screening left out)"},
            "enrolled_of_target": {"numerator": enrolled, "denominator": target,
                                   "rate": (enrolled / target) if target else None,
                                   "denominator_label": target_source or "no target stated"},
            "discontinuation_rate": {**_ratio(discontinued, enrolled), "denominator_label": "enrolled"},
            "lost_to_follow_up_rate": {**_ratio(int(ltfu_mask.sum()), enrolled), "denominator_label": "enrolled"},
            "discontinuation_rate_by_arm": {a: _ratio(per_arm(disc_mask)[a], allocated[a]) for a in arms},
        },
        "target": target,
        "target_source": target_source,
        "screen_failed_without_criteria": int(((outcome == "SCREEN_FAILURE")
                                               & p["screen_fail_criteria"].isna()).sum()),
        "first_screening": dates.min().date().isoformat() if len(dates) else None,
        "last_screening": dates.max().date().isoformat() if len(dates) else None,
        "source": source,
        "simulated": source == "demo",
    }
    if trial is not None:
        out["trial"] = trial.nct_id
    return out


# -- sites -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RateModel:
    """Fitted Poisson–gamma parameters, rates per day: λ ~ Gamma(alpha, rate=beta)."""

    alpha: float
    beta: float
    sites: int

    @property
    def mean_per_month(self) -> float:
        return self.alpha / self.beta * DAYS_PER_MONTH

    @property
    def median_days_to_first_patient(self) -> float:
        return self.beta * (2 ** (1 / self.alpha) - 1)


def fit_rate_model(counts, exposure_days) -> RateModel | None:
    """Maximum a-posteriori (α, β) of the Poisson–gamma model from site counts over exposures (days): the
    forecast's posterior (:func:`trialkit.forecast.model.neg_log_posterior`, same prior on log α), found by a
    quick bounded search (no covariance: the site table needs only the mode, up to 40 times per page).

    None when there is nothing to fit (no exposed site, or no patient yet at any site).
    """
    k = np.asarray(counts, float)
    t = np.asarray(exposure_days, float)
    keep = t > 0
    k, t = k[keep], t[keep]
    if len(k) == 0 or k.sum() == 0:
        return None
    start = np.array([LOG_ALPHA_PRIOR_MEAN, np.log(k.sum() / t.sum())])  # θ = (log α, log μ), μ = α/β
    res = optimize.minimize(neg_log_posterior, start, args=(k, t), method="L-BFGS-B",
                            bounds=[(-6.0, 9.0), (start[1] - 20, start[1] + 20)])
    alpha = float(np.exp(res.x[0]))
    return RateModel(alpha=alpha, beta=alpha / float(np.exp(res.x[1])), sites=int(len(k)))


SITE_TABLE_COLUMNS = (
    "site_id", "site_name", "city", "country", "status", "planned_activation_date", "activation_date",
    "activation_delay_days", "screened", "screen_outcome_known", "screen_failed", "screen_failure_rate",
    "enrolled", "target", "percent_of_target", "exposure_days", "site_months", "rate_per_site_month",
    "first_enrollment_date", "days_to_first_patient", "still_waiting", "last_enrollment_date", "quiet_days",
    "p_quiet", "silent", "posterior_mean", "posterior_low", "posterior_high", "latitude", "longitude")


def site_table(participants: pd.DataFrame, sites: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per site of the log (sites in participants but not in sites are added with status unknown).

    Rates (``rate_per_site_month``, ``posterior_*``) are enrolled participants per site-month; the
    posterior interval is 90%. The fitted model is in ``df.attrs["rate_model"]`` (None when there is
    nothing to fit).
    """
    as_of_ts = pd.Timestamp(as_of)
    p = participants
    enrolled_mask = (p["screen_outcome"] == "ELIGIBLE") & p["enrollment_date"].notna()
    rows = []
    known = list(sites["site_id"]) if len(sites) else []
    known_set = set(known)
    extra = [s for s in dict.fromkeys(p["site_id"]) if s not in known_set]
    site_records = sites.to_dict("records") + [
        {"site_id": s, "site_name": s, "status": None} for s in extra]
    # Per-site aggregates in one pass each (a loop of masks would be O(sites × participants)).
    site_col = p["site_id"]
    n_screened = site_col.value_counts()
    n_known = (p["screen_outcome"] != "IN_SCREENING").groupby(site_col).sum()
    n_failed = (p["screen_outcome"] == "SCREEN_FAILURE").groupby(site_col).sum()
    enrolled_dates = p.loc[enrolled_mask, "enrollment_date"].groupby(site_col[enrolled_mask])
    n_enrolled, first_date, last_date = enrolled_dates.size(), enrolled_dates.min(), enrolled_dates.max()
    last_seen = p[["screening_date", "consent_date", "enrollment_date", "discontinuation_date"]].max(axis=1) \
        .groupby(site_col).max()
    for s in site_records:
        sid = s["site_id"]
        act = s.get("activation_date")
        act = None if act is None or pd.isna(act) else pd.Timestamp(act)
        planned = s.get("planned_activation_date")
        planned = None if planned is None or pd.isna(planned) else pd.Timestamp(planned)
        seen = last_seen.get(sid)
        if act is None:
            end = None
        elif s.get("status") == "CLOSED":
            end = max(seen, act) if seen is not None and pd.notna(seen) else act
        else:
            end = as_of_ts
        exposure = max((end - act).days, 0) if act is not None and end is not None else 0
        screened = int(n_screened.get(sid, 0))
        known_outcome = int(n_known.get(sid, 0))
        failed = int(n_failed.get(sid, 0))
        k = int(n_enrolled.get(sid, 0))
        target = s.get("target")
        target = None if target is None or pd.isna(target) else int(target)
        first = first_date.get(sid) if k else None
        last = last_date.get(sid) if k else None
        if act is not None and exposure > 0:
            quiet = max(((end - last).days if last is not None else exposure), 0)
            quiet = min(quiet, exposure)
        else:
            quiet = None
        rows.append({
            "site_id": sid, "site_name": s.get("site_name"), "city": s.get("city"), "country": s.get("country"),
            "status": s.get("status"), "planned_activation_date": planned, "activation_date": act,
            "activation_delay_days": (act - planned).days if act is not None and planned is not None else None,
            "screened": screened, "screen_outcome_known": known_outcome, "screen_failed": failed,
            "screen_failure_rate": failed / known_outcome if known_outcome else None,
            "enrolled": k, "target": target, "percent_of_target": 100 * k / target if target else None,
            "exposure_days": exposure, "site_months": exposure / DAYS_PER_MONTH,
            "rate_per_site_month": k / (exposure / DAYS_PER_MONTH) if exposure > 0 else None,
            "first_enrollment_date": first,
            "days_to_first_patient": (first - act).days if first is not None and act is not None else None,
            "still_waiting": bool(k == 0 and act is not None),
            "last_enrollment_date": last, "quiet_days": quiet,
            "latitude": s.get("latitude"), "longitude": s.get("longitude"),
        })
    df = pd.DataFrame(rows, columns=[c for c in SITE_TABLE_COLUMNS
                                     if c not in ("p_quiet", "silent", "posterior_mean", "posterior_low",
                                                  "posterior_high")])
    model = fit_rate_model(df["enrolled"], df["exposure_days"]) if len(df) else None
    # The silent flag asks "is this site's quiet stretch unusual compared with the other sites?", so each
    # site is judged by the model fitted without it (leave-one-out); past LOO_MAX_SITES one site barely
    # moves the fit, and the full fit is used.
    loo: dict = {}
    if model is not None and len(df) <= LOO_MAX_SITES:
        for i in df.index[(df["status"] == "ACTIVE") & (df["exposure_days"] > 0)]:
            others = df.drop(index=i)
            loo[i] = fit_rate_model(others["enrolled"], others["exposure_days"])
    p_quiet, silent, pm, lo, hi = [], [], [], [], []
    for r in df.itertuples():
        if model is None or not r.exposure_days:
            p_quiet.append(None), silent.append(False), pm.append(None), lo.append(None), hi.append(None)
            continue
        a, b = model.alpha + r.enrolled, model.beta + r.exposure_days
        pm.append(a / b * DAYS_PER_MONTH)
        lo.append(stats.gamma.ppf(INTERVAL[0], a, scale=1 / b) * DAYS_PER_MONTH)
        hi.append(stats.gamma.ppf(INTERVAL[1], a, scale=1 / b) * DAYS_PER_MONTH)
        if r.quiet_days is not None and r.status == "ACTIVE":
            d = r.quiet_days
            m = loo.get(r.Index) or model
            pq = ((m.beta + r.exposure_days - d) / (m.beta + r.exposure_days)) ** (m.alpha + r.enrolled)
            p_quiet.append(float(pq))
            silent.append(bool(pq < SILENT_PROBABILITY))
        else:
            p_quiet.append(None), silent.append(False)
    df["p_quiet"] = p_quiet
    df["silent"] = silent
    df["posterior_mean"] = pm
    df["posterior_low"] = lo
    df["posterior_high"] = hi
    df = df[list(SITE_TABLE_COLUMNS)]
    for c in ("screen_failure_rate", "percent_of_target", "rate_per_site_month", "p_quiet", "posterior_mean",
              "posterior_low", "posterior_high", "latitude", "longitude"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    for c in ("activation_delay_days", "days_to_first_patient", "quiet_days", "target"):
        df[c] = pd.array(df[c], dtype="Int64")
    for c in ("planned_activation_date", "activation_date", "first_enrollment_date", "last_enrollment_date"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    df.attrs["rate_model"] = model
    df.attrs["as_of"] = as_of
    return df


def ranking(table: pd.DataFrame) -> pd.DataFrame:
    """Sites with exposure, best shrunken rate first (the right order for ranking, unlike the raw rate)."""
    t = table[table["posterior_mean"].notna()]
    return t.sort_values(["posterior_mean", "site_id"], ascending=[False, True]).reset_index(drop=True)


# -- registry locations (for trials with hundreds of sites) ----------------------------------------
def registry_locations(trial: Trial) -> pd.DataFrame:
    """The trial's registry locations as a frame (facility, city, state, country, status, lat, lon)."""
    rows = [{"facility": loc.facility, "city": loc.city, "state": loc.state, "country": loc.country,
             "status": loc.status, "latitude": loc.geo_point.lat if loc.geo_point else None,
             "longitude": loc.geo_point.lon if loc.geo_point else None} for loc in trial.locations]
    df = pd.DataFrame(rows, columns=["facility", "city", "state", "country", "status", "latitude", "longitude"])
    for c in ("latitude", "longitude"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def by_country(locations: pd.DataFrame) -> pd.DataFrame:
    """Locations per country (most first), with the mean coordinates of those that have them."""
    if locations.empty:
        return pd.DataFrame(columns=["country", "locations", "with_coordinates", "latitude", "longitude"])
    df = locations.assign(country=locations["country"].fillna("not stated"))
    g = df.groupby("country", dropna=False)
    out = pd.DataFrame({"locations": g.size(), "with_coordinates": g["latitude"].count(),
                        "latitude": g["latitude"].mean(), "longitude": g["longitude"].mean()}).reset_index()
    return out.sort_values(["locations", "country"], ascending=[False, True]).reset_index(drop=True)


def by_city(locations: pd.DataFrame) -> pd.DataFrame:
    """Locations with coordinates grouped by city (state, country), for a map that stays readable with
    hundreds of sites: one marker per city, sized by its number of locations."""
    df = locations.dropna(subset=["latitude", "longitude"])
    if df.empty:
        return pd.DataFrame(columns=["city", "state", "country", "locations", "latitude", "longitude"])
    df = df.assign(city=df["city"].fillna("city not stated"), state=df["state"].fillna(""),
                   country=df["country"].fillna("not stated"))
    g = df.groupby(["city", "state", "country"], dropna=False)
    out = pd.DataFrame({"locations": g.size(), "latitude": g["latitude"].mean(),
                        "longitude": g["longitude"].mean()}).reset_index()
    return out.sort_values(["locations", "city"], ascending=[False, True]).reset_index(drop=True)


def attach_registry_coordinates(table: pd.DataFrame, trial: Trial) -> pd.DataFrame:
    """Fill a site's missing latitude/longitude from the registry location with the same facility name
    (compared case- and space-insensitively); sites with no match keep none."""
    key = lambda v: " ".join(str(v).lower().split()) if v is not None else None  # noqa: E731
    geo = {key(loc.facility): (loc.geo_point.lat, loc.geo_point.lon) for loc in trial.locations
           if loc.facility and loc.geo_point}
    out = table.copy()
    for i, r in out.iterrows():
        if pd.isna(r["latitude"]) and key(r["site_name"]) in geo:
            out.at[i, "latitude"], out.at[i, "longitude"] = geo[key(r["site_name"])]
    return out
