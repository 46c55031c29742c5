"""The interface language of one script run (contracts §10): ``?lang=`` in the URL, the session, the browser.

:func:`resolve` is called once per run, before anything is drawn: ``?lang=zh|en`` in the address wins, else the
language this session chose, else the browser's language (``st.context.locale``, then the ``Accept-Language``
header), else English. It sets :func:`trialkit.i18n.use_language` for the run, so every ``_()`` after it speaks
that language. :func:`selector` is the sidebar switch (English / 中文): it writes ``?lang=`` and changes nothing
else in the address, so the page, ``?trial=`` and any scenario parameters survive a switch and a shared link
opens in the same language.
"""
from __future__ import annotations

import functools

import streamlit as st

from trialkit import i18n
from trialkit.i18n import _

PARAM = "lang"  # the query parameter (contracts §10)
SESSION_KEY = "lang"  # the session's choice (not a widget key: it survives page switches)
_WIDGET_KEY = "_lang_selector"


def browser_language() -> str | None:
    """The browser's preferred supported language, or None (no browser, or none of ours)."""
    try:
        lang = i18n.normalize_language(st.context.locale)
    except Exception:  # no browser context (bare mode)
        lang = None
    if lang:
        return lang
    try:
        return i18n.language_from_accept(st.context.headers.get("Accept-Language"))
    except Exception:
        return None


def resolve() -> str:
    """Choose this run's language and set it for every ``_()`` of the run; returns ``"en"`` or ``"zh"``."""
    chosen = i18n.normalize_language(st.query_params.get(PARAM))
    if chosen is None:
        remembered = st.session_state.get(SESSION_KEY)
        chosen = remembered if remembered in i18n.LANGUAGES else browser_language()
    chosen = i18n.use_language(chosen)
    st.session_state[SESSION_KEY] = chosen
    # Keep the address in step once a language other than the default is in use (or a bad value was given),
    # so the link a person copies opens in the language they read; English needs no parameter.
    given = st.query_params.get(PARAM)
    if given is not None and given != chosen or given is None and chosen != i18n.DEFAULT_LANGUAGE:
        st.query_params[PARAM] = chosen
    return chosen


def current() -> str:
    return i18n.current_language()


def _on_select() -> None:
    # A click on the language already chosen clears a segmented control: keep the language then.
    lang = i18n.normalize_language(st.session_state.get(_WIDGET_KEY)) or current()
    st.session_state[SESSION_KEY] = lang
    i18n.use_language(lang)
    st.query_params[PARAM] = lang  # only this parameter changes: page, trial and scenario stay


def selector(container) -> None:
    """The sidebar language switch; each language is named in itself (English / 中文)."""
    st.session_state[_WIDGET_KEY] = current()
    container.segmented_control(
        _("Language"), list(i18n.LANGUAGES), key=_WIDGET_KEY, format_func=i18n.LANGUAGE_NAMES.get,
        on_change=_on_select, selection_mode="single",
        help=_("The link keeps the language (?lang=zh or ?lang=en), so a shared link opens in it."))


def params() -> dict[str, str]:
    """The query parameter a link carries to the next page (nothing for the default language)."""
    lang = current()
    return {} if lang == i18n.DEFAULT_LANGUAGE and st.query_params.get(PARAM) is None else {PARAM: lang}


def _speaking(func):
    """``func`` preceded by :func:`resolve`: a fragment's or a dialog's rerun runs only that function, not the page
    (where :func:`resolve` is called by ``ui.common.page()``), and the language must not fall back to English."""

    @functools.wraps(func)  # same name and qualified name: Streamlit's fragment id stays stable across reruns
    def run(*args, **kwargs):
        resolve()
        return func(*args, **kwargs)

    return run


def fragment(func):
    """``st.fragment`` whose reruns speak the run's language (use it instead of ``@st.fragment``)."""
    return st.fragment(_speaking(func))


def dialog(title: str, **kwargs):
    """``st.dialog`` whose reruns speak the run's language (use it instead of ``@st.dialog``)."""
    return lambda func: st.dialog(title, **kwargs)(_speaking(func))
