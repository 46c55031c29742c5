"""Recruitment forecast: when the target will be reached, with honest uncertainty, what-ifs, and the
backtest that shows how often past bands held. UI only: every number comes from trialkit.forecast."""
from __future__ import annotations

from trialkit.i18n import N_, _, current_language, language

import datetime as dt
import json

import pandas as pd
import streamlit as st

from trialkit.csv_export import csv_bytes
from trialkit.forecast.backtest import backtest
from trialkit.forecast.charts import backtest_chart, fan_chart
from trialkit.enrollment.storage import DEMO_LABEL, log_fingerprint, read_log
from trialkit.forecast.model import DAYS_PER_MONTH, PlanPrior, log_end, log_start, snapshot
from trialkit.forecast.predict import (DEFAULT_SEED, DEFAULT_SIMS, AddedSite, ForecastError, MovedActivation,
                                       WhatIf, forecast, plan_from_trial)
from trialkit.message import said
from ui import common, loaders
from ui.text import md_escape

trial = common.page(N_("Forecast"))
NO_SITE = N_("(none)")
#: words of trialkit.forecast shown here (English in the JSON download; translated on screen)
_SHOWN_WORDS = (N_("Poisson–gamma site model (Anisimov–Fedorov)"),
                N_("Single-rate Bayesian model (Gajewski–Simon–Carlson)"), N_("open"), N_("planned"),
                N_("stopped"), N_("never"), N_("cut"), N_("model"), N_("date"), N_("p10"), N_("p50"), N_("p90"),
                N_("actual"), N_("held"))
NCT = trial.nct_id


# -- loaders (cached by small values) -----------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _log(nct_id: str, fingerprint: tuple):
    lf = read_log(loaders.engine(), nct_id)
    return lf.participants, lf.sites, lf.source


@st.cache_data(show_spinner=False, max_entries=48, ttl=3600)
def _forecast(nct_id: str, fingerprint: tuple, target: int, as_of: str, by: str | None, what_if: tuple,
              arms: tuple, plan: tuple, seed: int, lang: str):
    participants, sites, _source = _log(nct_id, fingerprint)
    with language(lang):  # the forecast's notes are text: the cache key holds the language
        return forecast(participants, sites, target=target, as_of=as_of, by_date=by, arms=list(arms),
                        plan=PlanPrior(*plan), what_if=WhatIf.from_key(what_if), n_sims=DEFAULT_SIMS, seed=seed)


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _backtest(nct_id: str, fingerprint: tuple, target: int, arms: tuple, plan: tuple, seed: int, lang: str):
    participants, sites, _source = _log(nct_id, fingerprint)
    with language(lang):
        return backtest(participants, sites, target=target, arms=list(arms), plan=PlanPrior(*plan), seed=seed)


# -- the log --------------------------------------------------------------------------------------------
st.title(_("Recruitment forecast"), anchor=False)
st.caption(f"{NCT} · {md_escape(trial.title, limit=160)}")
fp = log_fingerprint(loaders.engine(), NCT)
participants, sites, source = _log(NCT, fp)
if len(participants) == 0 and len(sites) == 0:
    st.info(_("{nct_id} has no enrollment log yet, so there is nothing to forecast from. Import the screening log "
              "(participants and sites CSV, contracts §5) with `python -m trialkit enrollment import`.").format(
                  nct_id=NCT),
            icon=":material/info:")
    st.stop()
demo_data = source == "demo"
if demo_data:
    st.warning(_("This trial's log is **simulated demo data**: no participant in it exists, and the forecast "
               "below is a forecast of the simulation."), icon=":material/science:")

end = log_end(participants, sites)
first = log_start(participants, sites)

# -- inputs ----------------------------------------------------------------------------------------------
c1, c2, c3 = st.columns(3)
default_target = trial.enrollment.count
target = c1.number_input(_("Target (participants)"), min_value=1, max_value=100_000, value=default_target, step=1,
                         key=f"fc_target_{NCT}",
                         help=_("Default: the registry's enrollment count") if default_target else
                         _("Default: the registry's enrollment count (this trial states none)"))
as_of = c2.date_input(_("As of"), value=end.date(), min_value=first.date(), max_value=end.date(),
                      key=f"fc_as_of_{NCT}",
                      help=_("Look back: the forecast uses only what the log recorded up to this date."))
by = c3.date_input(_("Probability of reaching the target by"), value=as_of + dt.timedelta(days=365),
                   key=f"fc_by_{NCT}")
if not target:
    st.info(_("This trial's registry record states no enrollment target: enter one above to forecast."),
            icon=":material/edit:")
    st.stop()
target = int(target)

snap = snapshot(participants, sites, as_of)
planned = snap.sites[snap.sites["state"] == "planned"]
with st.expander(_("What-ifs: add sites, move a planned activation"), expanded=False,
                 icon=":material/tune:"):
    w1, w2 = st.columns(2)
    n_add = w1.number_input(_("Sites to add"), min_value=0, max_value=20, value=0, step=1, key=f"fc_add_n_{NCT}")
    add_date = w1.date_input(_("Planned to open on"), value=as_of + dt.timedelta(days=60), key=f"fc_add_date_{NCT}",
                             help=_("This trial's own activation delays are added, as for every planned site."))
    move_opts = [NO_SITE] + planned["site_id"].astype(str).tolist()
    move_site = w2.selectbox(_("Move the planned activation of"), move_opts, key=f"fc_move_site_{NCT}",
                             format_func=lambda s, none=_(NO_SITE): none if s == NO_SITE else
                             f"{s} · {planned.loc[planned['site_id'] == s, 'site_name'].iloc[0]}",
                             help=None if len(planned) else _("No site is planned but not yet active on the as-of date."))
    move_date = w2.date_input(_("to"), value=as_of + dt.timedelta(days=30), key=f"fc_move_date_{NCT}",
                              help=_("A date already past on the as-of date counts as overdue."))
with st.expander(_("Early-trial prior (used only by the single-rate fallback)"), icon=":material/history_edu:"):
    registry_plan = plan_from_trial(trial, target)
    planned_months = st.number_input(
        _("Planned recruitment duration (months)"), min_value=1.0, max_value=240.0, step=1.0,
        value=round(registry_plan.days / DAYS_PER_MONTH, 1), key=f"fc_plan_months_{NCT}",
        help=_("The single-rate model (Gajewski, Simon & Carlson 2008) starts from the plan: target patients "
             "over this duration."))
    st.caption(md_escape(_("Registry: {plan}.").format(plan=registry_plan.source)))
planned_days = (None if abs(planned_months * DAYS_PER_MONTH - registry_plan.days) < 1
                else planned_months * DAYS_PER_MONTH)
plan = plan_from_trial(trial, target, planned_days=planned_days)
plan_key = (plan.n, plan.days, plan.confidence, plan.source)  # small values: the cache key
arms = tuple(trial.arm_labels)

what_if = WhatIf(add_sites=tuple(AddedSite(name=f"Added site {i + 1}", planned_start=add_date)
                                 for i in range(int(n_add))),
                 move=(MovedActivation(site_id=move_site, planned_start=move_date),) if move_site != NO_SITE else ())

try:
    with st.spinner(_("Simulating {n} possible futures…").format(n=f"{DEFAULT_SIMS:,}")):
        f = _forecast(NCT, fp, target, as_of.isoformat(), by.isoformat(), what_if.key(), arms, plan_key,
                      DEFAULT_SEED, current_language())
        base = (f if what_if.empty else
                _forecast(NCT, fp, target, as_of.isoformat(), by.isoformat(), WhatIf().key(), arms, plan_key,
                          DEFAULT_SEED, current_language()))
except ForecastError as exc:
    st.error(md_escape(said(exc)))
    st.stop()

# -- headline -------------------------------------------------------------------------------------------
show = common.show_count
m = st.columns([1, 1.2, 1])
m[0].metric(_("Enrolled"), f"{show(f.enrolled)} / {show(f.target)}",
            help=_("Participants with an enrollment date up to {date}, of the target.").format(date=f.as_of))
pct = common.count(f.enrolled).share(f.target)  # None in demo mode when the count is hidden
if pct:
    m[0].caption(_("{share} of target").format(share=pct))
if f.remaining == 0:
    m[1].metric(_("Target reached"), str(f.reached_on))
else:
    delta = None
    if not what_if.empty and base.median_date and f.median_date:
        delta = _("{days} days vs. no what-if").format(days=f"{(f.median_date - base.median_date).days:+d}")
    m[1].metric(_("Median date target reached"), f.date_text(f.median_date), delta=delta,
                delta_color="inverse", help=_("Half of the simulated futures reach the target by this date."))
    m[1].caption(_("80% band (10%–90%): {low} to {high}").format(low=f.date_text(f.p10_date),
                                                                 high=f.date_text(f.p90_date)))
m[2].metric(_("P(target by {date})").format(date=f.by_date), f"{f.prob_by_date:.0%}",
            help=_("Expected enrolled by then: {n}").format(n=f"{f.expected_by_date:.1f}"))

model_text = "**" + _("Model: {label}.").format(label=_(f.model_label)) + f"** {md_escape(f.reason)}"
(st.info if f.model == "poisson_gamma" else st.warning)(model_text, icon=":material/model_training:")

# looking back: also draw what the log recorded after the as-of date
after = snapshot(participants, sites, end).observed if as_of < end.date() else None
st.plotly_chart(fan_chart(f, actual=after, baseline=None if what_if.empty else base, simulated=demo_data),
                key="fc_fan")
st.caption(_("Bands: 80% (10–90%) and 50% (25–75%) of {n} simulated futures (seed {seed}); (α, β) are drawn "
             "from their approximate posterior before each simulation, so uncertainty about the rates themselves is "
             "carried.").format(n=f"{f.n_sims:,}", seed=f.seed)
           + (" · " + _("simulated demo data") if demo_data else ""))

for note in f.notes:
    st.caption(f":material/info: {md_escape(note)}")

# -- by arm, screenings ---------------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    st.subheader(_("Expected enrollment by arm"), anchor=False)
    if f.by_arm:
        st.dataframe(pd.DataFrame([{
            _("Arm"): a.arm, _("Enrolled now"): show(a.enrolled),
            _("Expected at target"): round(a.expected_at_target, 1),
            _("80% range at target"): f"{show(a.p10_at_target)}–{show(a.p90_at_target)}",
            _("Expected by {date}").format(date=f.by_date): round(a.expected_by_date, 1) if a.expected_by_date is not None else None,
        } for a in f.by_arm]), hide_index=True, width="stretch")
        st.caption(_("Allocation shares estimated from the arms enrolled so far (one pseudo-patient per arm)."))
    else:
        st.caption(_("The log records no arms."))
with right:
    st.subheader(_("Screenings still needed"), anchor=False)
    s = f.screening
    if s.needed_at_observed_rate is None:
        st.caption(_("No screening with an outcome yet, so no observed rate to project from."))
    else:
        st.metric(_("Further screenings needed"), show(s.needed_at_observed_rate),
                  help=_("At the observed rate, counting on those still in screening to convert at the same rate."))
        conversion = common.count(s.enrolled).rate(s.conversion_rate)  # None when the count is hidden
        failure = common.count(s.screen_failed).rate(s.screen_failure_rate)
        st.caption(_("80% range {low}–{high}. Observed: {enrolled} enrolled of {outcome} screenings with an "
                     "outcome{conversion}; screen-failure rate {failed} / {outcome} ({failure}declined counted in "
                     "the denominator, not as failures); {waiting} still in screening.").format(
                         low=show(s.needed_p10), high=show(s.needed_p90), enrolled=show(s.enrolled),
                         outcome=show(s.with_outcome), conversion=f" ({conversion})" if conversion else "",
                         failed=show(s.screen_failed), failure=f"{failure}, " if failure else "",
                         waiting=show(s.in_screening)))

# -- parameters and sites --------------------------------------------------------------------------------
# Lazy expanders (issue 13, page load): their tables, the backtest's refits and its chart are built only while
# open (opening one reruns the page), so a first visit draws one figure; the session keys hold their state.
details = st.expander(_("Model details: fitted parameters and sites"), icon=":material/query_stats:",
                      key="fc_details", on_change="rerun")
if common.is_open(details):
    with details:
        st.dataframe(pd.DataFrame({_("Parameter"): list(f.params), _("Value"): [str(v) for v in f.params.values()]}),
                     hide_index=True, width="stretch")
        st.dataframe(pd.DataFrame([{
            _("Site"): x.site_id, _("Name"): x.site_name, _("State"): _(x.state), _("Enrolled"): show(x.enrolled),
            _("Days active"): round(x.exposure_days),
            _("Rate / month"): None if x.rate_per_month is None else round(x.rate_per_month, 2),
            _("80% range / month"): (None if x.rate_per_month is None else
                                  f"{x.rate_p10_per_month:.2f}–{x.rate_p90_per_month:.2f}"),
            _("Planned start"): x.planned_start, _("Start (actual or simulated median)"): x.start_median,
        } for x in f.sites]), hide_index=True, width="stretch")
        st.caption(_("Open sites: posterior mean rate Gamma(α + k, β + τ) (shrunk toward the average); planned and "
                   "added sites: a new site's rate; closed/on-hold sites stop contributing."))

# -- calibration ------------------------------------------------------------------------------------------
calibration = st.expander(_("Calibration: how often did past bands hold?"), icon=":material/fact_check:",
                          key="fc_calibration", on_change="rerun")
if common.is_open(calibration):
    with calibration:
        with st.spinner(_("Refitting at past dates of the log…")):
            b = _backtest(NCT, fp, target, arms, plan_key, DEFAULT_SEED, current_language())
        if b.n:
            st.metric(_("Past 80% bands that held what happened"),
                      _("{held} of {n} ({share})").format(held=b.held, n=b.n, share=f"{b.share_held:.0%}"),
                      help=_("Nominal: 80%. Checks share patients, so they are not independent."))
            st.plotly_chart(backtest_chart(b, simulated=demo_data), key="fc_backtest")
            st.caption(_("The log is cut at past dates, the forecast refitted with only what was known then, and its "
                         "80% band for the count on up to three later dates compared with the log. On simulated "
                         "trials (bench/forecast_calibration.py) the nominal 80% band is checked to cover 70–90% of "
                         "the truths.")
                       + (" · " + _("simulated demo data") if demo_data else ""))
            st.markdown("**" + _("Backtest table") + "**")  # in the open expander (expanders do not nest)
            bt = b.to_frame()
            bt["actual"] = bt["actual"].map(show)
            st.dataframe(bt.rename(columns=_), hide_index=True, width="stretch")
        else:
            st.caption(md_escape(b.message or _("No backtest.")))

# -- downloads ---------------------------------------------------------------------------------------------
d1, d2 = st.columns(2)
payload = {"trial": NCT, "data": DEMO_LABEL if demo_data else (source or "unknown"), **f.to_json()}
d1.download_button(_("Download forecast (JSON)"), json.dumps(payload, indent=2, default=str),
                   file_name=f"{NCT}-forecast-{f.as_of}{'-simulated' if demo_data else ''}.json",
                   mime="application/json", icon=":material/download:")
fan_csv = f.fan.assign(date=f.fan["date"].dt.date).round(2)
if demo_data:
    fan_csv.insert(0, "data", DEMO_LABEL)
d2.download_button(_("Download fan chart quantiles (CSV)"), lambda: csv_bytes(fan_csv),
                   file_name=f"{NCT}-forecast-fan-{f.as_of}{'-simulated' if demo_data else ''}.csv",
                   mime="text/csv", icon=":material/download:")
