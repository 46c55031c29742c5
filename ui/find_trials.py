"""ClinicalTrials.gov live in the app: fetch by NCT id (Import page), check for updates, and Find trials.

UI only: every request, comparison and number comes from :mod:`trialkit.ctgov_api` and :mod:`trialkit.geo`.
Nothing is fetched unless a person presses a button. Writes check :func:`ui.common.can_write` first.
"""
from __future__ import annotations

from trialkit.i18n import N_, _, ngettext

import pandas as pd
import streamlit as st

from trialkit import ctgov_api
from trialkit.ctgov_api import CtgovError, SearchQuery
from trialkit.enrollment import charts
from trialkit.errors import TrialkitError
from trialkit.geo import GAZETTEER, PlaceNotFound, resolve_place
from trialkit.message import said
from ui import common, loaders
from ui.text import humanize, md_escape

FETCHED_KEY = "_ctgov_fetched"  # (nct_id, raw bytes) of the study fetched on the Import page, not yet added
RESULTS_KEY = "_ctgov_results"  # (SearchResult, Place | None, radius) of the last search on Find trials
UPDATES_KEY = "_ctgov_updates"  # the last "Check for updates" lines
#: refresh results of trialkit.ctgov_api (English in the command line; translated where shown)
_REFRESH_WORDS = (N_("updated"), N_("unchanged"), N_("failed"))


def where() -> str:
    """The server the app asks, for captions (TRIALKIT_CTGOV_URL or the default)."""
    return ctgov_api.base_url()


def show_error(exc: Exception) -> None:
    st.error(md_escape(said(exc), limit=600), icon=":material/cloud_off:")


# -- fetch by id ------------------------------------------------------------------------------------------------
def fetch_by_id() -> tuple[str, bytes] | None:
    """The "Fetch from ClinicalTrials.gov" form. Returns (source name, raw bytes) of the fetched study, kept in
    the session until another fetch, so the page can show it and offer to add it."""
    with st.form("ctgov_fetch", border=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        typed = left.text_input(_("NCT id"), placeholder="NCT04267848", max_chars=40, key="fetch_id",
                                help=_("Fetched from {where} (TRIALKIT_CTGOV_URL) when you press Fetch.").format(where=where()))
        pressed = right.form_submit_button(_("Fetch"), icon=":material/cloud_download:", type="primary")
    if pressed:
        st.session_state.pop(FETCHED_KEY, None)
        try:
            nct_id = ctgov_api.normalize_nct_id(typed)
            with st.spinner(_("Fetching {nct_id} from ClinicalTrials.gov…").format(nct_id=nct_id)):
                _trial, raw = ctgov_api.download(nct_id)
        except TrialkitError as exc:
            show_error(exc)
            return None
        st.session_state[FETCHED_KEY] = (nct_id, raw)
    fetched = st.session_state.get(FETCHED_KEY)
    if not fetched:
        return None
    nct_id, raw = fetched
    return _("the ClinicalTrials.gov answer for {nct_id}").format(nct_id=nct_id), raw


# -- keep current -----------------------------------------------------------------------------------------------
def check_for_updates(trial_id: str | None) -> None:
    """Buttons that check one trial or the whole catalog for a newer registry record (contracts §7 refresh)."""
    allowed, why_not = common.can_write()
    if not allowed:
        st.info(_("Checking for updates stores new versions, so it is off here: {reason}").format(reason=why_not),
                icon=":material/lock:")
        return
    scan = loaders.catalog_scan()
    one, every = st.columns(2)
    ids: list[str] | None = None
    if trial_id and one.button(_("Check {nct_id} for updates").format(nct_id=trial_id), icon=":material/sync:"):
        ids = [trial_id]
    if every.button(_("Check all {n} catalog studies").format(n=len(scan.ids)), icon=":material/sync:"):
        ids = scan.ids
    if ids:
        bar = st.progress(0.0, text=_("Asking ClinicalTrials.gov…"))

        def progress(line, done, total):
            bar.progress(done / total, text=_("{done} of {total}: {nct_id}").format(done=done, total=total, nct_id=line.nct_id))

        try:
            lines = ctgov_api.refresh(loaders.catalog(), ids, progress=progress)
        except CtgovError as exc:
            bar.empty()
            show_error(exc)
            return
        bar.empty()
        st.cache_data.clear()
        st.session_state[UPDATES_KEY] = lines
    lines = st.session_state.get(UPDATES_KEY)
    if lines:
        updated = [line.nct_id for line in lines if line.change == "updated"]
        st.dataframe(pd.DataFrame([{_("NCT id"): line.nct_id, _("Result"): _(line.change), _("Details"): said(line.message)}
                                   for line in lines]), hide_index=True, width="stretch")
        for nct_id in updated:
            st.page_link(common.CHANGES, label=_("See what changed in {nct_id}").format(nct_id=nct_id), icon=":material/difference:",
                         query_params={"trial": nct_id})
        if not updated:
            st.caption(_("No record changed; nothing was stored."))


# -- find trials ------------------------------------------------------------------------------------------------
_FORM_PARAMS = ("cond", "term", "place", "radius")


def search_form() -> tuple[SearchQuery, int] | None:
    """The search form, prefilled from the URL (``?cond=…&place=…``, a shareable link that fetches nothing
    until Search is pressed). Returns (query, limit) when the user pressed Search and the place resolved."""
    qp = st.query_params
    with st.form("ctgov_search"):
        a, b = st.columns(2)
        cond = a.text_input(_("Condition or disease"), value=qp.get("cond", ""), placeholder=_("breast cancer"),
                            key="find_cond")
        term = b.text_input(_("Other words"), value=qp.get("term", ""), placeholder=_("stem cell, sponsor, NCT id…"),
                            key="find_term")
        c, d = st.columns([3, 1])
        place = c.text_input(_("Near (a city, or latitude, longitude)"), value=qp.get("place", ""),
                             placeholder=_("Guangzhou"), help=_("Resolved offline: {source}.").format(source=_(GAZETTEER)), key="find_place")
        try:
            radius0 = float(qp.get("radius", 50))
        except ValueError:
            radius0 = 50.0
        radius = d.number_input(_("Within (miles)"), min_value=1.0, max_value=5000.0, value=min(max(radius0, 1.0), 5000.0),
                                step=10.0, key="find_radius")
        e, f, g = st.columns([2, 2, 1])
        statuses = e.multiselect(_("Status"), ctgov_api.STATUSES, default=["RECRUITING", "NOT_YET_RECRUITING"],
                                 format_func=humanize, key="find_status")
        phases = f.multiselect(_("Phase"), ctgov_api.PHASES, format_func=humanize, key="find_phase")
        limit = g.number_input(_("At most"), min_value=1, max_value=200, value=20, step=10, key="find_limit")
        pressed = st.form_submit_button(_("Search ClinicalTrials.gov"), icon=":material/search:", type="primary")
    if not pressed:
        return None
    for key, value in (("cond", cond), ("term", term), ("place", place)):
        if value.strip():
            st.query_params[key] = value.strip()
        elif key in st.query_params:
            del st.query_params[key]
    st.query_params["radius"] = f"{radius:g}"
    near = None
    if place.strip():
        try:
            near = resolve_place(place)
        except PlaceNotFound as exc:
            st.error(md_escape(said(exc), limit=400), icon=":material/location_off:")
            return None
    return SearchQuery(cond=cond or None, term=term or None, near=near, radius_mi=float(radius),
                       statuses=tuple(statuses), phases=tuple(phases)), int(limit)


def run_search(query: SearchQuery, limit: int) -> None:
    failure = None
    with st.status(_("Searching ClinicalTrials.gov…"), expanded=False) as status:
        def progress(found, pages):
            status.update(label=_("Searching ClinicalTrials.gov… page {pages}, {found} studies so far").format(
                pages=pages, found=found))

        try:
            result = ctgov_api.search(query, limit=limit, progress=progress)
        except TrialkitError as exc:
            failure = exc
            status.update(label=_("The search failed"), state="error")
        else:
            n = len(result.hits)
            status.update(label=ngettext("Found {n} study in {pages} page(s)", "Found {n} studies in {pages} page(s)",
                                         n).format(n=n, pages=result.pages),
                          state="complete")
    if failure is not None:  # outside the (collapsed) status box, so it is seen
        st.session_state.pop(RESULTS_KEY, None)
        show_error(failure)
        return
    st.session_state[RESULTS_KEY] = (result, query.near, query.radius_mi)


def show_results() -> None:
    stored = st.session_state.get(RESULTS_KEY)
    if not stored:
        st.caption(_("Nothing searched yet. Nothing is sent to ClinicalTrials.gov until you press Search."))
        return
    result, near, radius = stored
    if not result.hits:
        st.info(_("No study matches. Widen the radius, drop a filter, or try other words."), icon=":material/search_off:")
        return
    total = _("an unknown number of") if result.total is None else f"{result.total:,}"
    where_ = _(" within {radius} miles of {place}").format(radius=f"{radius:g}", place=md_escape(near.label)) if near else ""
    st.markdown(_("**{shown}** of {total} matching studies{where}, in ClinicalTrials.gov's order.").format(
        shown=len(result.hits), total=total, where=where_))
    in_catalog = set(loaders.catalog_scan().ids)
    table = ctgov_api.hits_frame(result.hits)
    table["In catalog"] = table["NCT id"].isin(in_catalog).map({True: _("yes"), False: ""})
    table["Status"] = table["Status"].map(lambda v: humanize(v) if isinstance(v, str) else v)
    if near is None:
        table = table.drop(columns=["Distance (mi)"])
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "NCT id": st.column_config.TextColumn(_("NCT id")),
        "Phase": st.column_config.TextColumn(_("Phase")),
        "Status": st.column_config.TextColumn(_("Status")),
        "In catalog": st.column_config.TextColumn(_("In catalog")),
        "Title": st.column_config.TextColumn(_("Title"), width="medium"),
        "Sponsor": st.column_config.TextColumn(_("Sponsor"), width="medium"),
        "Distance (mi)": st.column_config.NumberColumn(_("Distance (mi)"), format="%.1f", help=_("Miles from the place searched to the "
                                                       "study's nearest site with coordinates")),
        "Sites": st.column_config.NumberColumn(_("Sites"), width="small")})
    pts = ctgov_api.sites_frame(result.hits, near=near, radius_mi=radius if near else None)
    if len(pts):
        title = (_("Sites of these studies within {radius} miles").format(radius=format(radius, "g")) if near
                 else _("Sites of these studies"))
        st.plotly_chart(charts.site_map_figure(pts, label="label", size="studies", title=title), width="stretch",
                        key="find_map")
        st.caption(_("Drawn on plain longitude/latitude axes with no basemap, so it works without internet."))
    add_one(result.hits, in_catalog)


def add_one(hits, in_catalog: set[str]) -> None:
    allowed, why_not = common.can_write()
    if not allowed:
        st.info(_("You can search here, but not add studies: {reason}").format(reason=why_not), icon=":material/lock:")
        return
    labels = {h.nct_id: f"{h.nct_id} · {h.title or _('untitled')}" for h in hits}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(_("Study to add"), list(labels), format_func=lambda i: labels[i], key="find_add_choice")
    label = (_("Check for a newer version of {nct_id}") if chosen in in_catalog else _("Add {nct_id}")).format(
        nct_id=chosen)
    if right.button(label, type="primary", icon=":material/add:", key="find_add"):
        try:
            with st.spinner(_("Fetching {nct_id}…").format(nct_id=chosen)):
                outcome = ctgov_api.fetch_into_catalog(chosen, loaders.catalog())
        except TrialkitError as exc:
            show_error(exc)
            return
        st.cache_data.clear()
        done = {"added": _("Added {nct_id} to the catalog."), "updated": _("Stored a new version of {nct_id}."),
                "unchanged": _("{nct_id} is already in the catalog and unchanged; nothing was stored.")}[outcome.change]
        st.success(done.format(nct_id=outcome.nct_id), icon=":material/check:")
        st.page_link(common.OVERVIEW, label=_("Open {nct_id}").format(nct_id=outcome.nct_id), icon=":material/arrow_forward:",
                     query_params={"trial": outcome.nct_id})

