"""Overview of the chosen trial: status, key facts, arms, interventions, outcomes, contacts, locations."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from trialkit.plain_language import age_range, planned_enrollment
from ui import common
from ui.text import data_text, humanize, md_escape, not_stated

trial = common.page("Overview")

# -- issue 8: report download; the plain-language summary first in demo mode ------------------------
from ui import demo as demo_ui, report as report_ui  # noqa: E402

report_ui.render_download(trial, key="overview_report")
demo_ui.summary_panel(trial, expander=not common.is_demo())
# -- end issue 8 ------------------------------------------------------------------------------------

STATUS_COLORS = {"RECRUITING": "green", "NOT_YET_RECRUITING": "blue", "ACTIVE_NOT_RECRUITING": "orange",
                 "ENROLLING_BY_INVITATION": "green", "COMPLETED": "gray", "TERMINATED": "red",
                 "WITHDRAWN": "red", "SUSPENDED": "orange"}

st.caption(md_escape(" · ".join([trial.nct_id, *trial.secondary_ids])))
st.header(md_escape(trial.title), anchor=False)
if trial.official_title and trial.official_title != trial.brief_title:
    st.caption(md_escape(trial.official_title))
st.badge(humanize(trial.overall_status), color=STATUS_COLORS.get(trial.overall_status or "", "gray"),
         icon=":material/radio_button_checked:")
# -- issue 9: private notes beside overview fields (ui.notes); record the version seen (ui.changes) --
from ui import changes as changes_ui, contacts as contacts_ui, notes as notes_ui  # noqa: E402

my_notes = notes_ui.my_notes(trial.nct_id)
changes_ui.mark_viewed(trial.nct_id)
notes_ui.note_button(trial.nct_id, "overall_status", my_notes, label="My notes on the title and status")
notes_ui.show_inline(my_notes.get("overall_status", []))
# -- end issue 9 --------------------------------------------------------------------------------------

e = trial.eligibility
cols = st.columns(3)
cols[0].metric("Phase", " / ".join(humanize(p) for p in trial.design.phases) or "not stated")
cols[1].metric("Enrollment", planned_enrollment(trial))
cols[2].metric("Sex", humanize(e.sex))
cols = st.columns(3)
cols[0].metric("Ages", age_range(trial))
cols[1].metric("Healthy volunteers",
               "not stated" if e.healthy_volunteers is None else ("Accepted" if e.healthy_volunteers else "No"))
cols[2].metric("Locations", len(trial.locations))

left, right = st.columns([3, 2])
with left:
    facts = {
        "Sponsor": trial.lead_sponsor.name if trial.lead_sponsor else None,
        "Sponsor class": humanize(trial.lead_sponsor.sponsor_class) if trial.lead_sponsor and trial.lead_sponsor.sponsor_class else None,
        "Collaborators": ", ".join(c.name for c in trial.collaborators) or None,
        "Conditions": "; ".join(trial.conditions) or None,
        "Keywords": "; ".join(trial.keywords) or None,
        "Study type": humanize(trial.design.study_type) if trial.design.study_type else None,
        "Allocation": humanize(trial.design.allocation) if trial.design.allocation else None,
        "Intervention model": humanize(trial.design.intervention_model) if trial.design.intervention_model else None,
        "Masking": humanize(trial.design.masking) if trial.design.masking else None,
        "Primary purpose": humanize(trial.design.primary_purpose) if trial.design.primary_purpose else None,
        "Start": trial.dates.start, "Primary completion": trial.dates.primary_completion,
        "Completion": trial.dates.completion, "Last update posted": trial.dates.last_update_posted,
    }
    notes_ui.subheader_with_notes("Key facts", trial.nct_id, "key_facts", my_notes)
    st.dataframe(pd.DataFrame({"Field": list(facts), "Value": [not_stated(v) for v in facts.values()]}),
                 hide_index=True, width="stretch")
with right:
    st.subheader("Registry", anchor=False)
    st.link_button("Open on ClinicalTrials.gov", trial.registry_url, icon=":material/open_in_new:")
    notes_ui.subheader_with_notes("Central contacts", trial.nct_id, "central_contacts", my_notes)
    contacts_ui.central_contacts(trial)

notes_ui.subheader_with_notes("Summary", trial.nct_id, "brief_summary", my_notes)
data_text(trial.brief_summary)
if trial.detailed_description:
    with st.expander("Detailed description"):
        data_text(trial.detailed_description)

notes_ui.subheader_with_notes(f"Arm groups ({len(trial.arm_groups)})", trial.nct_id, "arm_groups", my_notes)
if trial.arm_groups:
    st.dataframe(pd.DataFrame([{"Arm group": a.label, "Type": humanize(a.type),
                                "Description": not_stated(a.description),
                                "Interventions": "; ".join(a.intervention_names) or "not stated"}
                               for a in trial.arm_groups]), hide_index=True, width="stretch")
else:
    st.caption("not stated")

notes_ui.subheader_with_notes(f"Interventions ({len(trial.interventions)})", trial.nct_id, "interventions",
                              my_notes)
if trial.interventions:
    st.dataframe(pd.DataFrame([{"Type": humanize(i.type), "Name": i.name, "Description": not_stated(i.description),
                                "Arm groups": "; ".join(i.arm_group_labels) or "not stated"}
                               for i in trial.interventions]), hide_index=True, width="stretch")
else:
    st.caption("not stated")

notes_ui.subheader_with_notes("Objectives and outcome measures", trial.nct_id, "outcomes", my_notes)
outcomes = [("Primary", o) for o in trial.primary_outcomes] + [("Secondary", o) for o in trial.secondary_outcomes]
if outcomes:
    st.dataframe(pd.DataFrame([{"Kind": k, "Measure": o.measure, "Description": not_stated(o.description),
                                "Time frame": not_stated(o.time_frame)} for k, o in outcomes]),
                 hide_index=True, width="stretch")
else:
    st.caption("not stated")

notes_ui.subheader_with_notes(f"Sites and site contacts ({common.show_count(len(trial.locations))})",
                              trial.nct_id, "locations", my_notes)
contacts_ui.sites(trial)

if trial.provenance_notes:
    with st.expander("How this record was made"):
        for note in trial.provenance_notes:
            st.markdown("- " + md_escape(note))
st.caption(f"Source: {md_escape(trial.source or 'unknown')}")
