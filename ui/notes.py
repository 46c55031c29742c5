"""Note and share widgets: private notes beside criteria and overview fields, share links with a passcode.

Every note and share shown here is the current user's (``common.current_user()``); writes check
``common.can_write()``. Note text is user data: shown escaped (``md_escape``) or in a dataframe, never as HTML.
"""
from __future__ import annotations

from trialkit.i18n import N_, _

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from trialkit import notes as notes_mod, sharing
from trialkit.errors import TrialkitError
from trialkit.message import said
from ui import auth, common, loaders
from ui.text import md_escape

EXPIRY_CHOICES = {N_("1 day"): timedelta(days=1), N_("7 days"): timedelta(days=7),
                  N_("30 days"): timedelta(days=30), N_("90 days"): timedelta(days=90)}
_FLASH = "_notes_flash"


def note_author() -> str | None:
    """Who owns notes and shares in this session: with sign-in on, the OpenID Connect issuer + subject
    (``auth.signed_in_key``; None when signed out, who then sees no notes); without sign-in, the local
    user (``local:<os user>``; only visitors on this machine may write, see ``auth.write_refusal``).
    On a signed-in user's first visit, notes stored under their e-mail or name before this keying are
    handed over to the key (``notes.adopt_legacy_notes``)."""
    if not auth.auth_configured():
        return common.current_user()
    key = auth.signed_in_key()
    if key and st.session_state.get("_notes_adopted") != key and not common.is_read_only():
        notes_mod.adopt_legacy_notes(loaders.engine(), legacy=auth.signed_in_name() or "", key=key)
        st.session_state["_notes_adopted"] = key
    return key


def my_notes(nct_id: str) -> dict[str, list[notes_mod.Note]]:
    """The current user's notes on a trial, by target (one query per page run)."""
    author = note_author()
    if author is None:
        return {}
    return notes_mod.notes_by_target(loaders.engine(), author=author, nct_id=nct_id)


# -- flash messages (set in callbacks, shown on the next run next to the widget) ------------------------
def _flash(key: str, kind: str, text: str) -> None:
    st.session_state.setdefault(_FLASH, {})[key] = (kind, text)


def _show_flash(key: str) -> None:
    msg = st.session_state.get(_FLASH, {}).pop(key, None)
    if msg:
        kind, text = msg
        (st.success if kind == "success" else st.error)(md_escape(text, limit=500))


# -- callbacks ----------------------------------------------------------------------------------------
def _write(flash_key: str, action, success: str | None = None) -> bool:
    """Run ``action()`` (a write) if this session may write; flash why not, its error, or ``success``.
    True when it ran."""
    ok, reason = common.can_write()
    if not ok:
        _flash(flash_key, "error", reason)
        return False
    try:
        action()
    except TrialkitError as exc:
        _flash(flash_key, "error", said(exc))  # typed text stays in its box
        return False
    if success:
        _flash(flash_key, "success", success)
    return True


def _add_cb(nct_id: str, target: str, key: str, flash_key: str) -> None:
    if _write(flash_key, lambda: notes_mod.add_note(loaders.engine(), nct_id=nct_id, target=target,
                                                    author=note_author() or "", body=st.session_state.get(key, "")),
              _("Note saved (visible only to you).")):
        st.session_state[key] = ""


def _edit_cb(note_id: int, key: str, flash_key: str) -> None:
    _write(flash_key, lambda: notes_mod.update_note(loaders.engine(), note_id, author=note_author() or "",
                                                    body=st.session_state.get(key, "")), _("Note updated."))


def _delete_cb(note_id: int, flash_key: str) -> None:
    _write(flash_key, lambda: notes_mod.delete_note(loaders.engine(), note_id, author=note_author() or ""),
           _("Note deleted."))


# -- widgets ------------------------------------------------------------------------------------------
def show_inline(items: list[notes_mod.Note]) -> None:
    """The user's notes under the thing they annotate, as escaped captions."""
    for n in items:
        st.caption(":material/sticky_note_2: " + md_escape(n.body, limit=2000))


def note_editor(nct_id: str, target: str, items: list[notes_mod.Note]) -> None:
    """Add, edit and delete the user's notes on one target (call inside a popover or an expander)."""
    base = f"note_{nct_id}_{target}"
    ok, reason = common.can_write()
    st.caption(_("Private notes on {target}: only you ({user}) can see them.").format(
        target=md_escape(notes_mod.display_label(target)), user=md_escape(common.current_user())))
    _show_flash(base)
    for n in items:
        with st.container(border=True):
            ekey = f"{base}_edit_{n.id}"
            if ekey not in st.session_state:
                st.session_state[ekey] = n.body
            st.text_area(_("Note"), key=ekey, label_visibility="collapsed", max_chars=notes_mod.MAX_NOTE_CHARS,
                         disabled=not ok, height=90)
            c1, c2, c3 = st.columns([1, 1, 2])
            c1.button(_("Save"), key=f"{base}_save_{n.id}", on_click=_edit_cb, args=(n.id, ekey, base),
                      disabled=not ok, icon=":material/save:")
            c2.button(_("Delete"), key=f"{base}_del_{n.id}", on_click=_delete_cb, args=(n.id, base),
                      disabled=not ok, icon=":material/delete:")
            c3.caption(_("edited {time} UTC").format(time=f"{n.updated_at:%Y-%m-%d %H:%M}"))
    akey = f"{base}_new"
    st.text_area(_("New note"), key=akey, max_chars=notes_mod.MAX_NOTE_CHARS, disabled=not ok, height=90,
                 placeholder=_("Only you will see this note."))
    st.button(_("Add note"), key=f"{base}_add", on_click=_add_cb, args=(nct_id, target, akey, base), disabled=not ok,
              icon=":material/note_add:", type="primary")
    if not ok:
        st.caption(md_escape(reason))


def popover_key(nct_id: str, target: str) -> str:
    """The session key of a note popover's open state (True while it is open)."""
    return f"note_{nct_id}_{target}_open"


def note_button(nct_id: str, target: str, by_target: dict[str, list[notes_mod.Note]], *,
                label: str | None = None) -> None:
    """A popover button holding the note editor for one target; its label shows how many notes there are.

    The popover is lazy (issue 13, page load): its editor is built and sent only while it is open (opening it
    reruns the page), so a page with a note button beside each of 27 criteria does not send 27 hidden editors
    on every load."""
    items = by_target.get(target, [])
    if label is None:
        label = f"{len(items)}" if items else ""
    elif items:
        label = f"{label} ({len(items)})"
    key = popover_key(nct_id, target)
    if st.session_state.get(key):  # open in the last run: stays open when its label (the note count) changes
        st.session_state[key] = True
    pop = st.popover(label, icon=":material/edit_note:", key=key, on_change="rerun",
                     help=_("Private notes on {target}").format(target=notes_mod.display_label(target)))
    if common.is_open(pop):
        with pop:
            note_editor(nct_id, target, items)


def subheader_with_notes(title: str, nct_id: str, target: str, by_target: dict) -> None:
    """A section subheader, a "My notes" button under it, and the user's notes on that section."""
    st.subheader(title, anchor=False)
    note_button(nct_id, target, by_target, label=_("My notes"))
    show_inline(by_target.get(target, []))


# -- sharing ------------------------------------------------------------------------------------------
def _note_label(n: notes_mod.Note) -> str:
    body = " ".join(n.body.split())
    return f"{notes_mod.display_label(n.target)}: {body[:70]}{'…' if len(body) > 70 else ''}"


def share_link(token: str) -> str:
    """An absolute link to the Shared page when the server's address is known, else a relative one."""
    query = urlencode({"token": token})
    base = ""
    try:
        url = st.context.url or ""
        if url.startswith(("http://", "https://")):
            base = url.split("?", 1)[0].rstrip("/")
            base = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    except Exception:  # no browser context (AppTest)
        base = ""
    return f"{base}/Shared?{query}"


def _create_cb(nct_id: str, k: str, scenario: dict | None) -> None:
    ss = st.session_state
    if ss.get(f"{k}_pass", "") != ss.get(f"{k}_pass2", ""):
        _flash(k, "error", _("The two passcodes differ; type the same passcode twice."))
        return

    def create() -> None:
        created = sharing.create_share(
            loaders.engine(), author=note_author() or "", nct_id=nct_id, passcode=ss.get(f"{k}_pass", ""),
            note_ids=list(ss.get(f"{k}_notes", [])),
            scenario=scenario if (scenario and ss.get(f"{k}_with_scenario")) else None,
            label=ss.get(f"{k}_label") or None, lifetime=EXPIRY_CHOICES[ss.get(f"{k}_expiry", "7 days")])
        ss[f"{k}_pass"] = ss[f"{k}_pass2"] = ""  # the passcode leaves the session as soon as it is hashed
        ss[f"{k}_created"] = (created.token, created.expires_at)

    _write(k, create)


def share_form(nct_id: str, *, scenario: dict | None = None, key: str = "share") -> None:
    """Bundle the user's notes on a trial (and optionally a what-if scenario) into a passcode link."""
    k = f"{key}_{nct_id}"
    ok, reason = common.can_write()
    if not ok:
        st.info(md_escape(reason))
        return
    _show_flash(k)
    created = st.session_state.get(f"{k}_created")
    if created:
        token, expires_at = created
        st.success(_("Share link made. It works until {time} UTC. Copy it now: trialkit keeps only a hash of it "
                     "and cannot show it again. Send the passcode by another channel.").format(
                         time=f"{expires_at:%Y-%m-%d %H:%M}"),
                   icon=":material/link:")
        st.code(share_link(token), language=None)
        if st.button(_("Done: hide the link"), key=f"{k}_hide"):
            del st.session_state[f"{k}_created"]
            st.rerun()
        return
    author = note_author()
    mine = notes_mod.list_notes(loaders.engine(), author=author, nct_id=nct_id) if author else []
    by_id = {n.id: n for n in mine}
    st.multiselect(_("Notes to share"), list(by_id), key=f"{k}_notes", format_func=lambda i: _note_label(by_id[i]),
                   placeholder=_("Choose notes") if mine else _("You have no notes on this trial yet"))
    if scenario:
        st.checkbox(_("Include the what-if scenario") + " (" + md_escape(", ".join(f"{f}={v}" for f, v in scenario.items()),
                                                                 limit=200) + ")",
                    key=f"{k}_with_scenario", value=True)
    st.text_input(_("Label (optional, shown to whoever opens the link)"), key=f"{k}_label",
                  max_chars=sharing.MAX_LABEL_CHARS)
    c1, c2, c3 = st.columns(3)
    c1.text_input(_("Passcode"), type="password", key=f"{k}_pass", max_chars=sharing.MAX_PASSCODE_CHARS,
                  help=_("At least {n} characters. Stored only as an Argon2 hash.").format(n=sharing.MIN_PASSCODE_CHARS))
    c2.text_input(_("Passcode again"), type="password", key=f"{k}_pass2", max_chars=sharing.MAX_PASSCODE_CHARS)
    c3.selectbox(_("Link expires after"), list(EXPIRY_CHOICES), index=1, key=f"{k}_expiry",
                 format_func={c: _(c) for c in EXPIRY_CHOICES}.get)
    st.button(_("Make share link"), key=f"{k}_create", on_click=_create_cb, args=(nct_id, k, scenario),
              type="primary", icon=":material/share:")


def _revoke_cb(share_id: int, k: str) -> None:
    _write(k, lambda: sharing.revoke_share(loaders.engine(), share_id, author=note_author() or ""),
           _("Share {id} revoked: its link no longer opens.").format(id=share_id))


def my_shares(nct_id: str | None = None) -> None:
    """The user's share links with their state, and a revoke button for the active ones."""
    k = "shares_list"
    _show_flash(k)
    shares = sharing.list_shares(loaders.engine(), author=note_author() or "", nct_id=nct_id)
    if not shares:
        st.caption(_("You have not shared anything on {nct_id} yet.").format(nct_id=nct_id) if nct_id
                   else _("You have not shared anything yet."))
        return
    st.dataframe(pd.DataFrame([{
        _("Share"): s.share_id, _("Trial"): s.nct_id, _("Label"): s.label or "", _("State"): _(s.state()),
        _("Notes"): s.note_count, _("Scenario"): _("yes") if s.has_scenario else _("no"),
        _("Created (UTC)"): f"{s.created_at:%Y-%m-%d %H:%M}", _("Expires (UTC)"): f"{s.expires_at:%Y-%m-%d %H:%M}",
        _("Opened"): s.opened_count, _("Wrong passcodes"): s.failed_attempts} for s in shares]),
        hide_index=True, width="stretch")
    active = [s for s in shares if s.state() == "active"]
    if active:
        ok, _reason = common.can_write()
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        chosen = c1.selectbox(_("Revoke a link"), [s.share_id for s in active], key=f"{k}_choice",
                              format_func=lambda i, share=_("share {id}"): share.format(id=i) + next(
                                  (f" · {s.label}" for s in active if s.share_id == i and s.label), ""))
        c2.button(_("Revoke"), key=f"{k}_revoke", on_click=_revoke_cb, args=(chosen, k), disabled=not ok,
                  icon=":material/link_off:")


#: share states as :meth:`Share.state` returns them (translated where shown)
_STATES = (N_("active"), N_("revoked"), N_("expired"))


# -- what-if page ---------------------------------------------------------------------------------------
def whatif_page() -> str | None:
    """The what-if page's script path (:data:`ui.common.WHAT_IF`)."""
    return common.WHAT_IF


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:16]
