"""Render text that comes from data (titles, criteria, uploads) as inert text.

``st.markdown`` interprets links, images and HTML-ish syntax inside data, so data text is either shown
with ``st.text`` / in a dataframe, or escaped here before it meets Markdown. Never ``unsafe_allow_html``.
"""
from __future__ import annotations

import re

import streamlit as st

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$^:=])")


def md_escape(text: str | None, *, limit: int | None = None) -> str:
    """Escape every Markdown-significant character so data text renders literally."""
    if text is None:
        return ""
    if limit is not None and len(text) > limit:
        text = text[:limit] + " …"
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def not_stated(value) -> str:
    if value is None or value == "" or value == []:
        return "not stated"
    return str(value)


def humanize(enum_value: str | None) -> str:
    """``NOT_YET_RECRUITING`` -> ``Not yet recruiting``; ``None`` -> ``not stated``."""
    if not enum_value:
        return "not stated"
    return enum_value.replace("_", " ").capitalize()


def data_text(text: str | None, *, label: str | None = None) -> None:
    """Show data text as plain, wrapped text (``st.text`` does not wrap long lines, so escape into markdown)."""
    if label:
        st.caption(label)
    if not text:
        st.caption("not stated")
        return
    st.markdown(md_escape(text, limit=20000))
