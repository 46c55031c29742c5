"""Import a ClinicalTrials.gov API v2 study: upload its JSON or fetch it by NCT id, see what was read (or exactly
why not), add it; check catalog studies for a newer registry record."""
from __future__ import annotations

from trialkit.i18n import N_, _

import streamlit as st

from trialkit import ctgov_api
from trialkit.catalog import trial_summary
from trialkit.ctgov import MAX_STUDY_BYTES, parse_bytes
from trialkit.errors import StudyFormatError, TrialkitError
from trialkit.message import Message, said
from ui import common, loaders
from ui import find_trials as live
from ui.text import md_escape

chosen_trial = common.page(N_("Import a study"), needs_trial=False)

st.header(_("Import a study"), anchor=False)
st.markdown(
    _("Fetch a study from ClinicalTrials.gov by its NCT id, or upload one as the API v2 returns it "
      "(`GET /api/v2/studies/{{nctId}}`, JSON, at most {n} MB). Either way it is read as data only; nothing in it "
      "is run. Importing a study already in the catalog adds a new version and keeps the earlier ones.").format(
          n=MAX_STUDY_BYTES // 2**20)
)
allowed, why_not = common.can_write()
if not allowed:
    st.info(_("You can check a study here, but not add it: {reason}").format(reason=why_not), icon=":material/lock:")


def review_and_add(raw: bytes, shown_name: str, *, key: str, fetched_id: str | None = None) -> None:
    """Show what was read from ``raw`` and offer to add it (the same validation and storage for both sources)."""
    try:
        trial = parse_bytes(raw, source=shown_name)
    except StudyFormatError as exc:
        st.error(_("Not imported: {problems}").format(problems=md_escape(said(exc), limit=600)),
                 icon=":material/error:")
        return
    summary = trial_summary(trial)
    st.success(_("Read {nct_id}: {inclusion} inclusion and {exclusion} exclusion criteria, {arms} arm groups, "
                 "{locations} locations.").format(nct_id=trial.nct_id, inclusion=len(trial.inclusion),
                                                  exclusion=len(trial.exclusion), arms=len(trial.arm_groups),
                                                  locations=len(trial.locations)))
    st.subheader(md_escape(trial.title), anchor=False)
    with st.expander(_("What was read"), expanded=True):
        st.json({k: v for k, v in summary.items() if k not in ("criteria", "sites")}, expanded=True)
        st.dataframe([{_("Id"): c["id"], _("Criterion"): c["text"]} for c in summary["criteria"]], hide_index=True,
                     width="stretch")
    existing = loaders.catalog_scan().get(trial.nct_id)
    if existing:
        st.info(_("{nct_id} is already in the catalog ({n} version(s)); adding keeps the earlier versions.").format(
            nct_id=trial.nct_id, n=len(existing.versions)))
    if allowed and st.button(_("Add to the catalog"), type="primary", icon=":material/add:", key=key):
        try:
            if fetched_id:  # a new version only when the record changed (not just the registry's release date)
                outcome = ctgov_api.store(loaders.catalog(), fetched_id, trial, raw)
                is_new = outcome.stored
            else:
                _entry, _version, is_new = loaders.catalog().add(raw, source_name=shown_name)
        except TrialkitError as exc:
            st.error(_("Not imported: {problems}").format(problems=md_escape(said(exc), limit=600)),
                     icon=":material/error:")
            return
        st.cache_data.clear()
        if is_new:
            st.session_state[common.TRIAL_KEY] = trial.nct_id
            st.success(_("Added {nct_id} to the catalog.").format(nct_id=trial.nct_id))
            if existing:
                st.page_link(common.CHANGES, label=_("See what changed since the earlier version"),
                             icon=":material/difference:", query_params={"trial": trial.nct_id})
        else:
            st.info(_("This record is already the newest version in the catalog; nothing was added."))
        st.page_link(common.OVERVIEW, label=_("Open {nct_id}").format(nct_id=trial.nct_id), icon=":material/arrow_forward:",
                     query_params={"trial": trial.nct_id})


upload_tab, fetch_tab, updates_tab = st.tabs([_("Upload a file"), _("Fetch by NCT id"), _("Check for updates")])
with upload_tab:
    upload = st.file_uploader(_("Study JSON"), type=["json"], accept_multiple_files=False,
                              max_upload_size=MAX_STUDY_BYTES // 2**20)
    if upload is not None:
        # the client's file name is never trusted as a path
        review_and_add(upload.getvalue(), Message("the uploaded file"), key="add_uploaded")
with fetch_tab:
    st.caption(_("From {where}. Nothing is sent until you press Fetch.").format(where=md_escape(live.where())))
    fetched = live.fetch_by_id()
    if fetched is not None:
        source, raw = fetched
        review_and_add(raw, source, key="add_fetched", fetched_id=st.session_state[live.FETCHED_KEY][0])
with updates_tab:
    st.caption(_("Fetch the registry record again and store a new version only when it changed; Home's "
               "\u201cchanges since you last looked\u201d and What changed then show the difference. "
               "Nothing is checked until you press a button."))
    live.check_for_updates(chosen_trial.nct_id if chosen_trial else None)
