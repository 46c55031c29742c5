"""Shared notes: open a passcode-protected share link (``/Shared?token=…``), or manage your own links."""
from __future__ import annotations

from trialkit.i18n import N_, _

import pandas as pd
import streamlit as st

from trialkit import notes as notes_mod, sharing
from trialkit.errors import TrialkitError
from trialkit.message import said
from ui import common, loaders
from ui import notes as ui_notes
from ui.text import md_escape

trial = common.page(N_("Shared notes"), needs_trial=False)
OPENED = "_opened_shares"  # token hash -> SharedBundle, for this browser session only


def _open_cb(token: str, key: str) -> None:
    try:
        bundle = sharing.open_share(loaders.engine(), token, st.session_state.get(key, ""))
    except TrialkitError as exc:
        st.session_state["_shared_error"] = said(exc)
    else:
        st.session_state.setdefault(OPENED, {})[ui_notes.token_key(token)] = bundle
    st.session_state[key] = ""  # never keep a passcode in the session


def show_bundle(bundle: sharing.SharedBundle) -> None:
    scan = loaders.catalog_scan()
    entry = scan.get(bundle.nct_id)
    st.subheader(_("Shared notes on {nct_id}").format(nct_id=bundle.nct_id), anchor=False)
    if entry:
        st.caption(md_escape(entry.title))
    else:
        st.warning(_("{nct_id} is not in this server's catalog; import its ClinicalTrials.gov JSON to see its "
                     "criteria beside these notes.").format(nct_id=bundle.nct_id))
    if bundle.label:
        st.markdown("**" + _("Label:") + "** " + md_escape(bundle.label, limit=200))
    st.caption(_("Shared {created} UTC · link valid until {expires} UTC. Notes are as they were when the link "
                 "was made.").format(created=f"{bundle.created_at:%Y-%m-%d %H:%M}",
                                     expires=f"{bundle.expires_at:%Y-%m-%d %H:%M}"))
    if bundle.notes:
        st.dataframe(pd.DataFrame([{_("On"): notes_mod.display_label(n.target), _("Note"): n.body,
                                    _("Last edited (UTC)"): f"{n.updated_at:%Y-%m-%d %H:%M}"} for n in bundle.notes]),
                     hide_index=True, width="stretch")
    else:
        st.caption(_("No notes in this share."))
    params = {"trial": bundle.nct_id} if entry else {}
    if bundle.scenario:
        st.subheader(_("What-if scenario"), anchor=False)
        st.dataframe(pd.DataFrame({"Field": list(bundle.scenario), "Value": list(bundle.scenario.values())}),
                     hide_index=True)
        page = ui_notes.whatif_page()
        if page and entry:
            st.page_link(page, label=_("Open this scenario on the what-if page"), icon=":material/science:",
                         query_params=bundle.scenario | params)
        elif not page:
            st.caption(_("The what-if page is not available on this server; the values above are the scenario."))
    if entry:
        cols = st.columns(2)
        cols[0].page_link(common.CRITERIA, label=_("Criteria of this trial"), icon=":material/checklist:",
                          query_params=params)
        cols[1].page_link(common.OVERVIEW, label=_("Overview of this trial"), icon=":material/description:",
                          query_params=params)


token = st.query_params.get("token")
if token:
    st.header(_("Shared notes"), anchor=False)
    opened = st.session_state.get(OPENED, {}).get(ui_notes.token_key(token))
    if opened is not None:
        show_bundle(opened)
    else:
        error = st.session_state.pop("_shared_error", None)
        try:
            sharing.share_status(loaders.engine(), token)
        except TrialkitError as exc:
            st.error(md_escape(said(exc)), icon=":material/lock:")
        else:
            st.markdown(_("This link is protected by a passcode. Ask the person who sent it for the passcode."))
            if error:
                st.error(md_escape(error), icon=":material/lock:")
            key = "shared_passcode"
            st.text_input(_("Passcode"), type="password", key=key, max_chars=sharing.MAX_PASSCODE_CHARS)
            st.button(_("Open"), key="shared_open", on_click=_open_cb, args=(token, key), type="primary",
                      icon=":material/lock_open:")
            st.caption(_("After {n} wrong passcodes the link locks for a while, longer after each further "
                         "wrong passcode.").format(n=sharing.FREE_ATTEMPTS))
else:
    st.header(_("Share notes with a passcode"), anchor=False)
    st.markdown(_("Bundle your private notes on a trial (and, from the what-if page, a scenario) into a link that "
                "asks for a passcode. trialkit stores only a hash of the passcode and of the link; links expire "
                "and you can revoke them. Nothing shared contains a participant's identity."))
    if trial is not None:
        st.subheader(_("New share link for {nct_id}").format(nct_id=trial.nct_id), anchor=False)
        ui_notes.share_form(trial.nct_id)
    st.subheader(_("Your share links"), anchor=False)
    ui_notes.my_shares()
    with st.expander(_("Open a link someone sent you")):
        st.caption(_("Open the link itself in your browser, or paste it here."))
        pasted = st.text_input(_("Share link or token"), key="shared_paste")
        if pasted:
            tok = pasted.strip().rsplit("token=", 1)[-1].split("&", 1)[0]
            st.page_link(common.SHARED, label=_("Open it"), icon=":material/lock_open:",
                         query_params={"token": tok})
