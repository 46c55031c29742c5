"""Demo mode on screen: larger type, and the trial in plain words first.

The stylesheet is a static block written here (never built from data) and injected with ``st.html``;
the plain-language summary comes from :func:`trialkit.plain_language.plain_summary` and is escaped for
Markdown like every data text.
"""
from __future__ import annotations

from trialkit.i18n import _

import streamlit as st

from trialkit.models import Trial
from trialkit.plain_language import plain_summary
from ui.text import md_escape

#: Larger type for demos on a projector. Static CSS only: nothing from data is ever put in here.
DEMO_CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 1500px; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMain"] [data-testid="stText"],
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stSidebar"] [data-testid="stMarkdownContainer"] p,
[data-testid="stSidebar"] a span { font-size: 1.25rem !important; line-height: 1.55 !important; }
[data-testid="stMain"] h1 { font-size: 3.1rem !important; }
[data-testid="stMain"] h2 { font-size: 2.3rem !important; }
[data-testid="stMain"] h3 { font-size: 1.8rem !important; }
[data-testid="stMetricValue"] { font-size: 2.8rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem !important; }
[data-testid="stWidgetLabel"] p { font-size: 1.15rem !important; }
[data-testid="stMain"] button p { font-size: 1.15rem !important; }
</style>
"""


def apply_style() -> None:
    """Inject the demo stylesheet (call once per run, when demo mode is on)."""
    st.html(DEMO_CSS)


def summary_panel(trial: Trial, *, expander: bool = False) -> None:
    """The plain-language summary of the trial: what, status, who can join, what participants receive,
    how many, where, who runs it. Generated from the record; "not stated" where it says nothing.
    ``expander=True`` folds it away (outside demo mode)."""
    title = _("{nct_id} in plain words").format(nct_id=trial.nct_id)
    box = st.expander(title, icon=":material/record_voice_over:") if expander else st.container(border=True)
    with box:
        if not expander:
            st.subheader(md_escape(title), anchor=False)
        for line in plain_summary(trial):
            st.markdown(f"**{md_escape(line.topic)}.** {md_escape(line.text)}")
        st.caption(_("Generated from the trial record's fields; \u201cnot stated\u201d where the record says nothing."))
