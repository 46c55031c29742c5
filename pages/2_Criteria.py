"""The chosen trial's eligibility criteria: inclusion and exclusion lists with ids, counts and a filter."""
from __future__ import annotations

from trialkit.i18n import N_, _, ngettext

import pandas as pd
import streamlit as st

from trialkit.csv_export import csv_bytes
from ui import common
from ui.text import data_text, humanize, md_escape, registered_english

trial = common.page(N_("Criteria"))
# -- issue 9: private notes per criterion; record the version seen for "what changed" -----------------
from ui import changes as changes_ui, notes as notes_ui  # noqa: E402

my_notes = notes_ui.my_notes(trial.nct_id)
changes_ui.mark_viewed(trial.nct_id)
# -- end issue 9 --------------------------------------------------------------------------------------

st.header(_("Eligibility criteria · {nct_id}").format(nct_id=trial.nct_id), anchor=False)
st.caption(md_escape(trial.title))
registered_english()
e = trial.eligibility
c1, c2, c3 = st.columns(3)
c1.metric(_("Inclusion criteria"), len(trial.inclusion))
c2.metric(_("Exclusion criteria"), len(trial.exclusion))
c3.metric(_("Structured limits"), f"{humanize(e.sex) if e.sex else _('sex not stated')} · {e.minimum_age or _('no min')}–{e.maximum_age or _('no max')}")

if e.lead_in.get("kind_unclear"):  # issue 15: no headings: say so instead of guessing inclusion
    unclear = e.lead_in["kind_unclear"]  # trialkit.criteria.text.KIND_UNCLEAR, marked N_
    st.warning(_(unclear), icon=":material/help:")

query = st.text_input(_("Filter criteria"), placeholder=_("e.g. FSH, pregnancy, within 3 months"),
                      help=_("Shows the criteria whose text contains these words (case-insensitive)."))
words = [w.lower() for w in query.split()]


def matches(text: str) -> bool:
    low = text.lower()
    return all(w in low for w in words)


for kind, items in (("Inclusion", trial.inclusion), ("Exclusion", trial.exclusion)):
    shown = [c for c in items if matches(c.id + " " + c.text)]
    heading = _("Inclusion criteria") if kind == "Inclusion" else _("Exclusion criteria")
    st.subheader(_("{heading} ({shown} of {total})").format(heading=heading, shown=len(shown), total=len(items))
                 if words else f"{heading} ({len(items)})", anchor=False)
    lead = e.lead_in.get(kind.lower())
    if lead:
        st.caption(_("Lead-in text (not a criterion):"))
        data_text(lead)
    if not items:
        st.caption(_("none stated"))
        continue
    if not shown:
        st.caption(_("no criterion matches the filter"))
        continue
    registered_english()
    with st.container(border=True):
        for c in shown:
            # issue 9: a private-note button beside each criterion, the user's notes under it
            text_col, note_col = st.columns([11, 1])
            text_col.markdown(f"**{c.id}**  " + md_escape(c.text))
            with note_col:
                notes_ui.note_button(trial.nct_id, c.id, my_notes)
            notes_ui.show_inline(my_notes.get(c.id, []))

# -- issue 15: review the drafted rules (accept, edit, add, judgment only) ------------------------------
from ui import rule_review  # noqa: E402

rule_review.review_panel(trial)
# -- end issue 15 -------------------------------------------------------------------------------------

if e.lead_in.get("general"):
    with st.expander(_("Text before the first header")):
        data_text(e.lead_in["general"])
with st.expander(_("The criteria as the registry gives them (raw text)")):
    st.text(e.criteria_text or _("not stated"))
st.download_button(_("Download criteria (CSV)"), data=pd.DataFrame(
    [{"id": c.id, "kind": c.kind, "text": c.text} for c in trial.criteria]).pipe(csv_bytes),
    file_name=f"{trial.nct_id}_criteria.csv", mime="text/csv", icon=":material/download:")
# -- issue 9: share the notes -------------------------------------------------------------------------
if my_notes:
    st.page_link(common.SHARED, label=ngettext("Share your {n} note on this trial with a passcode-protected link",
                                 "Share your {n} notes on this trial with a passcode-protected link",
                                 sum(map(len, my_notes.values()))).format(n=sum(map(len, my_notes.values()))), icon=":material/share:", query_params=common.carried_params())
