"""Sites: per-site table from the enrollment log, silent sites, shrunken rate ranking, activation timeline,
an offline map, and the registry's own location list (aggregated by country when long). UI only."""
from __future__ import annotations

from trialkit.i18n import N_, _, sentence_separator

import math
from datetime import date

import pandas as pd
import streamlit as st

from trialkit.csv_export import csv_bytes
from trialkit.enrollment import charts, storage
from trialkit.enrollment.metrics import (DAYS_PER_MONTH, SILENT_PROBABILITY, attach_registry_coordinates, by_city,
                                         by_country, ranking,
                                         registry_locations)
from ui import common, enrollment_import, loaders
from ui import record_screening as rs
from ui import contacts as contacts_ui
from ui.text import humanize, md_escape

PAGE_SIZE = 25

trial = common.page(N_("Sites"))
ALL_COUNTRIES = N_("All countries")
st.title(_("Sites"), anchor=False)
st.caption(f"{trial.nct_id} · {md_escape(trial.title, limit=200)}")
fmt = common.show_count
today = date.today()

with st.spinner(_("Reading the enrollment log…")):
    log = rs.read_log(trial.nct_id)
demo = log.source == "demo"
suffix = "_SIMULATED-DEMO-DATA" if demo else ""
rs.demo_banner(log)
enrollment_import.log_note(log)


def pager(n: int, key: str) -> slice:
    """A page chooser for long lists; returns the slice to show."""
    pages = max(1, math.ceil(n / PAGE_SIZE))
    if pages == 1:
        return slice(0, n)
    page = st.number_input(_("Page (of {pages}, {size} per page)").format(pages=pages, size=PAGE_SIZE), min_value=1, max_value=pages, value=1,
                           step=1, key=key)
    return slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)


# -- the log's sites ---------------------------------------------------------------------------------
st.header(_("Sites in the enrollment log"), anchor=False)
if log.source is None or log.sites.empty:
    st.info(_("{nct_id} has no enrollment log in this database, so there are no per-site counts. Import one on "
              "the Enrollment page. The registry's own list of locations is below.").format(nct_id=trial.nct_id),
            icon=":material/info:")
    table = None
else:
    table = loaders.site_table(trial.nct_id, today)
    model = table.attrs["rate_model"]
    silent = table[table["silent"]]
    c = st.columns(4)
    c[0].metric(_("Sites"), fmt(len(table)))
    c[1].metric(_("Active"), fmt(int((table["status"] == "ACTIVE").sum())))
    c[2].metric(_("Still waiting for a first patient"), fmt(int(table["still_waiting"].sum())))
    c[3].metric(_("Silent sites"), fmt(len(silent)))
    if len(silent):
        names = "; ".join(f"{s} ({n})" for s, n in zip(silent["site_id"], silent["site_name"]))
        st.warning(_("**Silent for too long:** {names}. Their quiet stretch had less than a {chance} chance under "
                     "the recruitment model fitted to the other sites.").format(
                         names=md_escape(names, limit=600), chance=f"{SILENT_PROBABILITY:.0%}"),
                   icon=":material/notifications_off:")
    if model is not None:
        st.caption(_("Poisson–gamma model fitted to {sites} site(s): average {rate} enrolled per site-month; a "
                     "typical new site waits a median of {days} days for its first patient. As of {date}.").format(
                         sites=model.sites, rate=f"{model.mean_per_month:.2f}",
                         days=f"{model.median_days_to_first_patient:.0f}", date=today.isoformat()))
    else:
        st.caption(_("No enrollment yet at any activated site, so no recruitment model can be fitted."))

    sl = pager(len(table), "site_page")
    view = table.iloc[sl]
    shown = pd.DataFrame({
        _("Site"): view["site_id"], _("Name"): view["site_name"], _("Country"): view["country"].fillna(_("not stated")),
        _("Status"): view["status"].map(lambda v: humanize(v) if isinstance(v, str) else _("not in sites.csv")),
        _("Activated"): view["activation_date"].dt.strftime("%Y-%m-%d").fillna(_("not yet")),
        _("Screened"): [fmt(v) for v in view["screened"]],
        _("Screen-failure rate"): [("–" if pd.isna(r) else
                                    _("{rate} of {n}").format(rate=common.count(n).rate(r) or '–', n=fmt(d)))
                                for r, n, d in zip(view["screen_failure_rate"], view["screen_failed"],
                                                   view["screen_outcome_known"])],
        _("Enrolled / target"): [f"{fmt(e)} / {t}" if pd.notna(t) else f"{fmt(e)} / " + _("not stated")
                              for e, t in zip(view["enrolled"], view["target"])],
        _("Rate per site-month"): [("–" if pd.isna(r) else f"{r:.2f}") for r in view["rate_per_site_month"]],
        _("Days to first patient"): [(f"{d}" if pd.notna(d) else
                                      (_("waiting ({n} days)").format(n=x) if w else "–"))
                                  for d, w, x in zip(view["days_to_first_patient"], view["still_waiting"],
                                                     view["exposure_days"])],
        _("Silent"): [_("yes") if s else "" for s in view["silent"]],
    })
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(_("Rate per site-month = enrolled ÷ (days open ÷ {days}). Screen-failure rate = screen failures ÷ "
                 "screenings with an outcome. Days to first patient counts from activation.").format(
                     days=DAYS_PER_MONTH))
    out = table.drop(columns=["latitude", "longitude"])
    if demo:
        out = out.assign(data=storage.DEMO_LABEL)
    st.download_button(_("Site table (CSV)"), lambda: csv_bytes(out), mime="text/csv",
                       file_name=f"{trial.nct_id}_sites{suffix}.csv", icon=":material/download:")

    # Lazy tabs (issue 13, page load): only the open tab's figure is built and sent, so a first visit draws one
    # Plotly figure here instead of three; a click on a tab reruns the page with it open (session key below).
    t_rank, t_timeline, t_map = common.lazy_tabs([("ranking", _("Ranking of site rates")),
                                                  ("timeline", _("Activation timeline")),
                                                  ("map", _("Map of the log's sites"))], key="sites_tab")
    if common.is_open(t_rank):
        with t_rank:
            ranked = ranking(table)
            if ranked.empty:
                st.caption(_("No activated site with a fitted rate yet."))
            else:
                st.plotly_chart(charts.ranking_figure(ranked.iloc[:40], simulated=demo), width="stretch", key="rank")
                st.caption(_("Small or young sites are pulled toward the average (posterior mean of the "
                             "Poisson–gamma model, Anisimov & Fedorov 2007) so that one lucky month does not top "
                             "the list; bars are 90% credible intervals.")
                           + (sentence_separator() + _("Top 40 shown; the CSV has all.") if len(ranked) > 40 else ""))
    if common.is_open(t_timeline):
        with t_timeline:
            st.plotly_chart(charts.activation_timeline_figure(view, as_of=today, simulated=demo), width="stretch",
                            key="timeline")
    if common.is_open(t_map):
        with t_map:
            geo = attach_registry_coordinates(table, trial).dropna(subset=["latitude", "longitude"])
            if len(geo):
                st.plotly_chart(charts.site_map_figure(geo.assign(label=geo["site_name"]), label="label",
                                                       size="enrolled", title=_("Sites by enrolled participants"),
                                                       simulated=demo, fmt=fmt),
                                width="stretch", key="logmap")
            else:
                st.caption(_("The log's sites carry no coordinates (optional latitude/longitude columns in "
                             "sites.csv, or a registry location with the same facility name), so there is no map "
                             "of them."))

# -- registry locations --------------------------------------------------------------------------------
st.header(_("Locations in the registry record"), anchor=False)
locs = registry_locations(trial)
if locs.empty:
    st.caption(_("The registry record of {nct_id} lists no locations.").format(nct_id=trial.nct_id))
else:
    countries = by_country(locs)
    st.caption(_("{locations} location(s) in {countries} country/countries; {located} with coordinates. From "
                 "ClinicalTrials.gov, not the enrollment log.").format(
                     locations=f"{len(locs):,}", countries=f"{len(countries):,}",
                     located=f"{int(locs['latitude'].notna().sum()):,}"))
    left, right = st.columns([3, 2])
    with left:
        if locs["latitude"].notna().any():
            if len(locs) > 60:
                cities = by_city(locs)
                pts = cities.assign(label=cities["city"] + ", " + cities["country"])
                fig = charts.site_map_figure(pts, label="label", size="locations",
                                             title=_("Registry locations: {n} cities, sized by locations").format(
                                                 n=f"{len(cities):,}"))
            else:
                pts = locs.assign(label=locs["facility"].fillna(_("not stated")) + ", " + locs["city"].fillna(""))
                fig = charts.site_map_figure(pts, label="label", title=_("Registry locations"))
            st.plotly_chart(fig, width="stretch", key="regmap")
            st.caption(_("Drawn on plain longitude/latitude axes with no basemap, so it works without internet."))
        else:
            st.caption(_("No coordinates in the registry record, so no map."))
    with right:
        st.dataframe(countries[["country", "locations"]].rename(columns={"country": _("Country"),
                                                                         "locations": _("Locations")}),
                     hide_index=True, width="stretch", height=380)
    options = [ALL_COUNTRIES] + list(countries["country"])
    chosen = st.selectbox(_("Show the locations of"), options, key="loc_country",
                          format_func=({c: c for c in options} | {ALL_COUNTRIES: _(ALL_COUNTRIES)}).get)
    subset = locs if chosen == ALL_COUNTRIES else locs[locs["country"].fillna("not stated") == chosen]
    sl = pager(len(subset), "loc_page")
    st.dataframe(subset.iloc[sl][["facility", "city", "state", "country", "status"]]
                 .rename(columns=lambda c: contacts_ui.column_name(c.capitalize())).fillna(_("not stated")), hide_index=True, width="stretch")
