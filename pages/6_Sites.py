"""Sites: per-site table from the enrollment log, silent sites, shrunken rate ranking, activation timeline,
an offline map, and the registry's own location list (aggregated by country when long). UI only."""
from __future__ import annotations

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
from ui.text import md_escape

PAGE_SIZE = 25

trial = common.page("Sites")
st.title("Sites", anchor=False)
st.caption(f"{trial.nct_id} · {md_escape(trial.title, limit=200)}")
fmt = common.show_count
today = date.today()

with st.spinner("Reading the enrollment log…"):
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
    page = st.number_input(f"Page (of {pages}, {PAGE_SIZE} per page)", min_value=1, max_value=pages, value=1,
                           step=1, key=key)
    return slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)


# -- the log's sites ---------------------------------------------------------------------------------
st.header("Sites in the enrollment log", anchor=False)
if log.source is None or log.sites.empty:
    st.info(f"{trial.nct_id} has no enrollment log in this database, so there are no per-site counts. Import one on "
            "the Enrollment page. The registry's own list of locations is below.", icon=":material/info:")
    table = None
else:
    table = loaders.site_table(trial.nct_id, today)
    model = table.attrs["rate_model"]
    silent = table[table["silent"]]
    c = st.columns(4)
    c[0].metric("Sites", fmt(len(table)))
    c[1].metric("Active", fmt(int((table["status"] == "ACTIVE").sum())))
    c[2].metric("Still waiting for a first patient", fmt(int(table["still_waiting"].sum())))
    c[3].metric("Silent sites", fmt(len(silent)))
    if len(silent):
        names = "; ".join(f"{s} ({n})" for s, n in zip(silent["site_id"], silent["site_name"]))
        st.warning("**Silent for too long:** " + md_escape(names, limit=600) + ". Their quiet stretch had less than "
                   f"a {SILENT_PROBABILITY:.0%} chance under the recruitment model fitted to the other sites.",
                   icon=":material/notifications_off:")
    if model is not None:
        st.caption(f"Poisson–gamma model fitted to {model.sites} site(s): average "
                   f"{model.mean_per_month:.2f} enrolled per site-month; a typical new site waits a median of "
                   f"{model.median_days_to_first_patient:.0f} days for its first patient. As of {today.isoformat()}.")
    else:
        st.caption("No enrollment yet at any activated site, so no recruitment model can be fitted.")

    sl = pager(len(table), "site_page")
    view = table.iloc[sl]
    shown = pd.DataFrame({
        "Site": view["site_id"], "Name": view["site_name"], "Country": view["country"].fillna("not stated"),
        "Status": view["status"].fillna("not in sites.csv"),
        "Activated": view["activation_date"].dt.strftime("%Y-%m-%d").fillna("not yet"),
        "Screened": [fmt(v) for v in view["screened"]],
        "Screen-failure rate": [("–" if pd.isna(r) else
                                 f"{common.count(n).rate(r) or '–'} of {fmt(d)}")
                                for r, n, d in zip(view["screen_failure_rate"], view["screen_failed"],
                                                   view["screen_outcome_known"])],
        "Enrolled / target": [f"{fmt(e)} / {t}" if pd.notna(t) else f"{fmt(e)} / not stated"
                              for e, t in zip(view["enrolled"], view["target"])],
        "Rate per site-month": [("–" if pd.isna(r) else f"{r:.2f}") for r in view["rate_per_site_month"]],
        "Days to first patient": [(f"{d}" if pd.notna(d) else (f"waiting ({x} days)" if w else "–"))
                                  for d, w, x in zip(view["days_to_first_patient"], view["still_waiting"],
                                                     view["exposure_days"])],
        "Silent": ["yes" if s else "" for s in view["silent"]],
    })
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(f"Rate per site-month = enrolled ÷ (days open ÷ {DAYS_PER_MONTH}). Screen-failure rate = screen "
               "failures ÷ screenings with an outcome. Days to first patient counts from activation.")
    out = table.drop(columns=["latitude", "longitude"])
    if demo:
        out = out.assign(data=storage.DEMO_LABEL)
    st.download_button("Site table (CSV)", lambda: csv_bytes(out), mime="text/csv",
                       file_name=f"{trial.nct_id}_sites{suffix}.csv", icon=":material/download:")

    st.subheader("Ranking of site rates", anchor=False)
    ranked = ranking(table)
    if ranked.empty:
        st.caption("No activated site with a fitted rate yet.")
    else:
        st.plotly_chart(charts.ranking_figure(ranked.iloc[:40], simulated=demo), width="stretch", key="rank")
        st.caption("Small or young sites are pulled toward the average (posterior mean of the Poisson–gamma model, "
                   "Anisimov & Fedorov 2007) so that one lucky month does not top the list; bars are 90% credible "
                   "intervals." + (" Top 40 shown; the CSV has all." if len(ranked) > 40 else ""))

    st.subheader("Activation timeline", anchor=False)
    st.plotly_chart(charts.activation_timeline_figure(view, as_of=today, simulated=demo), width="stretch",
                    key="timeline")

    geo = attach_registry_coordinates(table, trial).dropna(subset=["latitude", "longitude"])
    if len(geo):
        st.subheader("Map of the log's sites", anchor=False)
        st.plotly_chart(charts.site_map_figure(geo.assign(label=geo["site_name"]), label="label", size="enrolled",
                                               title="Sites by enrolled participants", simulated=demo, fmt=fmt),
                        width="stretch", key="logmap")
    else:
        st.caption("The log's sites carry no coordinates (optional latitude/longitude columns in sites.csv, or a "
                   "registry location with the same facility name), so there is no map of them.")

# -- registry locations --------------------------------------------------------------------------------
st.header("Locations in the registry record", anchor=False)
locs = registry_locations(trial)
if locs.empty:
    st.caption(f"The registry record of {trial.nct_id} lists no locations.")
else:
    countries = by_country(locs)
    st.caption(f"{len(locs):,} location(s) in {len(countries):,} countr{'y' if len(countries) == 1 else 'ies'}; "
               f"{int(locs['latitude'].notna().sum()):,} with coordinates. From ClinicalTrials.gov, not the "
               "enrollment log.")
    left, right = st.columns([3, 2])
    with left:
        if locs["latitude"].notna().any():
            if len(locs) > 60:
                cities = by_city(locs)
                pts = cities.assign(label=cities["city"] + ", " + cities["country"])
                fig = charts.site_map_figure(pts, label="label", size="locations",
                                             title=f"Registry locations: {len(cities):,} cities, sized by locations")
            else:
                pts = locs.assign(label=locs["facility"].fillna("not stated") + ", " + locs["city"].fillna(""))
                fig = charts.site_map_figure(pts, label="label", title="Registry locations")
            st.plotly_chart(fig, width="stretch", key="regmap")
            st.caption("Drawn on plain longitude/latitude axes with no basemap, so it works without internet.")
        else:
            st.caption("No coordinates in the registry record, so no map.")
    with right:
        st.dataframe(countries[["country", "locations"]].rename(columns={"country": "Country",
                                                                         "locations": "Locations"}),
                     hide_index=True, width="stretch", height=380)
    options = ["All countries"] + list(countries["country"])
    chosen = st.selectbox("Show the locations of", options, key="loc_country")
    subset = locs if chosen == "All countries" else locs[locs["country"].fillna("not stated") == chosen]
    sl = pager(len(subset), "loc_page")
    st.dataframe(subset.iloc[sl][["facility", "city", "state", "country", "status"]]
                 .rename(columns=str.capitalize).fillna("not stated"), hide_index=True, width="stretch")
