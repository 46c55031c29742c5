"""UI helpers for "what changed": remember which version of a study the user has seen, list what is new."""
from __future__ import annotations

from trialkit.i18n import _, ngettext

import pandas as pd
import streamlit as st

from trialkit import changes
from trialkit.errors import StudyFormatError
from trialkit.message import said
from ui import common, loaders
from ui.text import md_escape

_SEEN = "_seen_versions"  # (nct_id, version key) pairs already recorded in this session
CHANGES_PAGE = common.CHANGES


@st.cache_data(show_spinner=False, max_entries=256, ttl=3600)
def _key(path: str, mtime: float) -> str:
    return changes.file_key(path)


def newest_key(nct_id: str) -> str | None:
    versions = loaders.catalog().versions(nct_id)
    if not versions:
        return None
    v = versions[-1]
    return _key(str(v.path), v.path.stat().st_mtime)


def mark_viewed(nct_id: str) -> None:
    """Record that the current user has looked at the newest version of a study (when writes are allowed)."""
    ok, _reason = common.can_write()
    if not ok:
        return
    key = newest_key(nct_id)
    if key is None:
        return
    done = st.session_state.setdefault(_SEEN, set())
    if (nct_id, key) in done:
        return
    changes.mark_seen(loaders.engine(), common.current_user(), nct_id, key)
    done.add((nct_id, key))


@st.cache_data(show_spinner=False, max_entries=32, ttl=600)
def _unseen(user: str, fingerprint: tuple, seen: tuple) -> list[changes.UnseenChange]:
    # `fingerprint` and `seen` are small cache keys: the catalog's files and this user's seen versions.
    return changes.changes_since_last_seen(loaders.engine(), loaders.catalog(), user)


def _mark_all_cb(ids: list[str]) -> None:
    ok, _reason = common.can_write()
    if ok:
        for nct_id in ids:
            changes.mark_newest_seen(loaders.engine(), loaders.catalog(), common.current_user(), nct_id)


def home_section() -> None:
    """"Changes since you last looked" for the home page, and the catalog's studies with several versions."""
    st.subheader(_("Changes since you last looked"), anchor=False)
    user = common.current_user()
    ok, reason = common.can_write()
    seen = changes.last_seen(loaders.engine(), user)
    try:
        items = _unseen(user, loaders.catalog().fingerprint(),
                        tuple(sorted((k, v[0]) for k, v in seen.items())))
    except StudyFormatError as exc:
        st.warning(_("Could not compare versions: {reason}").format(reason=md_escape(said(exc), limit=300)))
        items = []
    if not seen:
        st.caption(_("trialkit remembers which version of each study you have opened; when a newer version is "
                     "imported, what changed since then is listed here.")
                   + ("" if ok else f" ({reason})"))
    elif not items:
        st.caption(ngettext("Nothing new in the {n} study you have looked at.",
                             "Nothing new in the {n} studies you have looked at.", len(seen)).format(n=len(seen)))
    else:
        params = {k: v for k, v in common.carried_params().items() if k != "trial"}
        for item in items:
            with st.container(border=True):
                st.markdown(f"**{item.nct_id}** · " + _("last looked {time} UTC").format(time=f"{item.seen_at:%Y-%m-%d %H:%M}"))
                if item.diff is not None:
                    st.caption(ngettext("{n} newer version: ", "{n} newer versions: ", item.versions_since).format(
                        n=item.versions_since) + md_escape(said(item.diff.summary())))
                else:
                    st.caption(_("The version you saw is no longer in the catalog; open the diff to compare versions."))
                st.page_link(CHANGES_PAGE, label=_("See what changed"), icon=":material/difference:",
                             query_params=params | {"trial": item.nct_id})
        st.button(_("Mark all as seen"), on_click=_mark_all_cb, args=([i.nct_id for i in items],), disabled=not ok,
                  icon=":material/done_all:", key="changes_mark_all")
    scan = loaders.catalog_scan()
    multi = [e for e in scan.entries if len(e.versions) > 1]
    if multi:
        with st.expander(_("Studies with several versions ({n})").format(n=len(multi))):
            st.dataframe(pd.DataFrame([{_("NCT id"): e.nct_id, _("Title"): e.title, _("Versions"): len(e.versions),
                                        _("Newest added (UTC)"): f"{e.versions[-1].added_at:%Y-%m-%d %H:%M}"}
                                       for e in multi]), hide_index=True, width="stretch")
            st.page_link(CHANGES_PAGE, label=_("Compare versions of the chosen trial"), icon=":material/difference:",
                         query_params=common.carried_params())
