"""Render text that comes from data (titles, criteria, uploads) as inert text.

``st.markdown`` interprets links, images and HTML-ish syntax inside data, so data text is either shown
with ``st.text`` / in a dataframe, or escaped here before it meets Markdown. Never ``unsafe_allow_html``.
"""
from __future__ import annotations

from trialkit.i18n import DEFAULT_LANGUAGE, _, current_language

import re

import streamlit as st

from trialkit.plain_language import humanize  # noqa: F401  (pages import it from here with md_escape)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$^:=])")


#: GitHub-flavoured Markdown turns bare addresses into links even when every character is escaped; an
#: invisible WORD JOINER (U+2060) inside the trigger ("://", "www.", "@") keeps them plain text.
_AUTOLINK = re.compile(r"(:)(?=//)|(?i:(www))(?=\\?\.)|(?=@)")
_WJ = "\u2060"


def md_escape(text: str | None, *, limit: int | None = None) -> str:
    """Escape every Markdown-significant character and break bare-address autolinks, so data text
    renders literally (no link, image, HTML or formatting from the data)."""
    if text is None:
        return ""
    if limit is not None and len(text) > limit:
        text = text[:limit] + " …"
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    escaped = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2) or "") + _WJ, escaped)
    return escaped.replace("\n", "  \n")


def not_stated(value) -> str:
    if value is None or value == "" or value == []:
        return _("not stated")
    return str(value)


def registered_english(container=None) -> None:
    """Where the interface is not English, label data text as the registry's own words (issue 18: data is
    shown verbatim, never translated)."""
    if current_language() != DEFAULT_LANGUAGE:
        (container or st).caption(_("Registered English text (shown as the registry wrote it)"))


def data_text(text: str | None, *, label: str | None = None) -> None:
    """Show data text as plain, wrapped text (``st.text`` does not wrap long lines, so escape into markdown)."""
    if label:
        st.caption(label)
    if not text:
        st.caption(_("not stated"))
        return
    registered_english()
    st.markdown(md_escape(text, limit=20000))
