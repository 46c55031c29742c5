"""Shared notes: open a passcode-protected share link (``/Shared?token=…``), or manage your own links."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from trialkit import sharing
from trialkit.errors import TrialkitError
from ui import common, loaders
from ui import notes as ui_notes
from ui.text import md_escape

trial = common.page("Shared notes", needs_trial=False)
OPENED = "_opened_shares"  # token hash -> SharedBundle, for this browser session only


def _open_cb(token: str, key: str) -> None:
    try:
        bundle = sharing.open_share(loaders.engine(), token, st.session_state.get(key, ""))
    except TrialkitError as exc:
        st.session_state["_shared_error"] = str(exc)
    else:
        st.session_state.setdefault(OPENED, {})[ui_notes.token_key(token)] = bundle
    st.session_state[key] = ""  # never keep a passcode in the session


def show_bundle(bundle: sharing.SharedBundle) -> None:
    scan = loaders.catalog_scan()
    entry = scan.get(bundle.nct_id)
    st.subheader(f"Shared notes on {bundle.nct_id}", anchor=False)
    if entry:
        st.caption(md_escape(entry.title))
    else:
        st.warning(f"{bundle.nct_id} is not in this server's catalog; import its ClinicalTrials.gov JSON to "
                   "see its criteria beside these notes.")
    if bundle.label:
        st.markdown("**Label:** " + md_escape(bundle.label, limit=200))
    st.caption(f"Shared {bundle.created_at:%Y-%m-%d %H:%M} UTC · link valid until "
               f"{bundle.expires_at:%Y-%m-%d %H:%M} UTC. Notes are as they were when the link was made.")
    if bundle.notes:
        st.dataframe(pd.DataFrame([{"On": n.target_label, "Note": n.body,
                                    "Last edited (UTC)": f"{n.updated_at:%Y-%m-%d %H:%M}"} for n in bundle.notes]),
                     hide_index=True, width="stretch")
    else:
        st.caption("No notes in this share.")
    params = {"trial": bundle.nct_id} if entry else {}
    if bundle.scenario:
        st.subheader("What-if scenario", anchor=False)
        st.dataframe(pd.DataFrame({"Field": list(bundle.scenario), "Value": list(bundle.scenario.values())}),
                     hide_index=True)
        page = ui_notes.whatif_page()
        if page and entry:
            st.page_link(page, label="Open this scenario on the what-if page", icon=":material/science:",
                         query_params=bundle.scenario | params)
        elif not page:
            st.caption("The what-if page is not available on this server; the values above are the scenario.")
    if entry:
        cols = st.columns(2)
        cols[0].page_link(common.CRITERIA, label="Criteria of this trial", icon=":material/checklist:",
                          query_params=params)
        cols[1].page_link(common.OVERVIEW, label="Overview of this trial", icon=":material/description:",
                          query_params=params)


token = st.query_params.get("token")
if token:
    st.header("Shared notes", anchor=False)
    opened = st.session_state.get(OPENED, {}).get(ui_notes.token_key(token))
    if opened is not None:
        show_bundle(opened)
    else:
        error = st.session_state.pop("_shared_error", None)
        try:
            sharing.share_status(loaders.engine(), token)
        except TrialkitError as exc:
            st.error(md_escape(str(exc)), icon=":material/lock:")
        else:
            st.markdown("This link is protected by a passcode. Ask the person who sent it for the passcode.")
            if error:
                st.error(md_escape(error), icon=":material/lock:")
            key = "shared_passcode"
            st.text_input("Passcode", type="password", key=key, max_chars=sharing.MAX_PASSCODE_CHARS)
            st.button("Open", key="shared_open", on_click=_open_cb, args=(token, key), type="primary",
                      icon=":material/lock_open:")
            st.caption(f"After {sharing.FREE_ATTEMPTS} wrong passcodes the link locks for a while, "
                       "longer after each further wrong passcode.")
else:
    st.header("Share notes with a passcode", anchor=False)
    st.markdown("Bundle your private notes on a trial (and, from the what-if page, a scenario) into a link that "
                "asks for a passcode. trialkit stores only a hash of the passcode and of the link; links expire "
                "and you can revoke them. Nothing shared contains a participant's identity.")
    if trial is not None:
        st.subheader(f"New share link for {trial.nct_id}", anchor=False)
        ui_notes.share_form(trial.nct_id)
    st.subheader("Your share links", anchor=False)
    ui_notes.my_shares()
    with st.expander("Open a link someone sent you"):
        st.caption("Open the link itself in your browser, or paste it here.")
        pasted = st.text_input("Share link or token", key="shared_paste")
        if pasted:
            tok = pasted.strip().rsplit("token=", 1)[-1].split("&", 1)[0]
            st.page_link(common.SHARED, label="Open it", icon=":material/lock_open:",
                         query_params={"token": tok})
