"""Import a ClinicalTrials.gov API v2 study JSON: see what was read (or exactly why not), add it."""
from __future__ import annotations

import streamlit as st

from trialkit.catalog import trial_summary
from trialkit.ctgov import MAX_STUDY_BYTES, parse_bytes
from trialkit.errors import StudyFormatError, TrialkitError
from ui import common, loaders
from ui.text import md_escape

common.page("Import a study", needs_trial=False)

st.header("Import a study", anchor=False)
st.markdown(
    "Upload one study as the ClinicalTrials.gov API v2 returns it (`GET /api/v2/studies/{nctId}`, JSON). "
    f"Limit {MAX_STUDY_BYTES // 2**20} MB. The file is read as data only; nothing in it is run. "
    "Importing a study already in the catalog adds a new version and keeps the earlier ones."
)
allowed, why_not = common.can_write()
if not allowed:
    st.info(f"You can check a file here, but not add it: {why_not}", icon=":material/lock:")
upload = st.file_uploader("Study JSON", type=["json"], accept_multiple_files=False,
                          max_upload_size=MAX_STUDY_BYTES // 2**20)
if upload is not None:
    raw = upload.getvalue()
    shown_name = "the uploaded file"  # the client's file name is never trusted as a path
    try:
        trial = parse_bytes(raw, source=shown_name)
    except StudyFormatError as exc:
        st.error(f"Not imported: {md_escape(str(exc), limit=600)}", icon=":material/error:")
        st.stop()
    summary = trial_summary(trial)
    st.success(f"Read {trial.nct_id}: {len(trial.inclusion)} inclusion and {len(trial.exclusion)} exclusion "
               f"criteria, {len(trial.arm_groups)} arm groups, {len(trial.locations)} locations.")
    st.subheader(md_escape(trial.title), anchor=False)
    with st.expander("What was read", expanded=True):
        st.json({k: v for k, v in summary.items() if k not in ("criteria", "sites")}, expanded=True)
        st.dataframe([{"Id": c["id"], "Criterion": c["text"]} for c in summary["criteria"]], hide_index=True,
                     width="stretch")
    existing = loaders.catalog_scan().get(trial.nct_id)
    if existing:
        st.info(f"{trial.nct_id} is already in the catalog ({len(existing.versions)} version(s)); "
                "adding keeps the earlier versions.")
    if allowed and st.button("Add to the catalog", type="primary", icon=":material/add:"):
        try:
            _, version, is_new = loaders.catalog().add(raw, source_name=shown_name)
        except TrialkitError as exc:  # e.g. the per-trial cap on stored versions (trialkit.catalog)
            st.error(f"Not added: {md_escape(str(exc), limit=600)}", icon=":material/error:")
            st.stop()
        st.cache_data.clear()
        if is_new:
            st.session_state[common.TRIAL_KEY] = trial.nct_id
            st.success(f"Added {trial.nct_id} to the catalog.")
            if existing:
                st.page_link("pages/11_Changes.py", label="See what changed since the earlier version",
                             icon=":material/difference:", query_params={"trial": trial.nct_id})
        else:
            st.info("This exact file is already the newest version in the catalog; nothing was added.")
        st.page_link("pages/1_Overview.py", label=f"Open {trial.nct_id}", icon=":material/arrow_forward:",
                     query_params={"trial": trial.nct_id})
