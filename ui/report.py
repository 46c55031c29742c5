"""The "Download report" button, usable from any page: ``render_download(trial)``.

The report (:func:`trialkit.report.render_report`) is built only when the button is clicked (Streamlit runs
a callable ``data`` on click, off the page's script thread), so drawing the button costs nothing. In demo
mode the report is built in demo mode too: counts from 1 to 4 shown as "<5", no participant-level table.
"""
from __future__ import annotations

from trialkit.i18n import _, current_language, language, sentence_separator

import html
import logging

import streamlit as st

from trialkit.message import said
from trialkit.models import Trial
from trialkit.report import render_report, report_filename
from ui import common, loaders

log = logging.getLogger(__name__)


def _builder(trial: Trial, *, demo: bool, author: str | None, include_notes: bool):
    lang = current_language()  # the click runs off the script thread: the report keeps the page's language
    engine = loaders.engine()  # the app's database (demo logs included), as the Enrollment page reads it

    def build() -> bytes:
        try:
            return render_report(trial, lang=lang, engine=engine, demo=demo, author=author,
                                 include_notes=include_notes).encode("utf-8")
        except Exception as exc:  # the download must say what went wrong rather than fail silently
            log.exception("report for %s failed", trial.nct_id)
            with language(lang):  # said in the page's language (the click runs off the script thread)
                reason = html.escape(" ".join(said(exc).split()) or type(exc).__name__)
                title = html.escape(_("Report failed"))
                text = html.escape(_("The report for {nct_id} could not be built: {reason}")).format(
                    nct_id=html.escape(trial.nct_id), reason=reason)  # the values escaped, then put in
            return (f"<!DOCTYPE html><meta charset='utf-8'><title>{title}</title><p>{text}</p>").encode("utf-8")
    return build


def render_download(trial: Trial, *, key: str = "report", notes_option: bool = True, container=None) -> None:
    """A "Download report" button for ``trial`` (one self-contained HTML file), with an option to include
    the user's own private notes. ``key`` must differ if the button appears twice on one page."""
    where = container if container is not None else st
    demo = common.is_demo()
    include_notes = False
    from ui.notes import note_author

    author = note_author()  # notes are keyed by issuer + subject (signed in) or the local user
    cols = where.columns([1, 3], vertical_alignment="center") if notes_option else [where]
    if notes_option:
        include_notes = cols[1].checkbox(_("Include my notes"), key=f"{key}_notes", value=False,
                                         help=_("Your private notes on this trial go into the downloaded file."))
    cols[0].download_button(
        _("Download report"), data=_builder(trial, demo=demo, author=author if include_notes else None,
                                         include_notes=include_notes),
        file_name=report_filename(trial, demo=demo), mime="text/html", key=f"{key}_download",
        icon=":material/download:", on_click="ignore",
        help=_("One self-contained HTML file for ethics committees: overview, arms, objectives, every criterion "
              "and its rules, enrollment, CONSORT flow and forecast. Open it in a browser and print to PDF.")
             + (sentence_separator() + _("Demo mode: counts below 5 shown as <5, no participant-level tables.")
                if demo else ""))
