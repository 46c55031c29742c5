"""Overview of the chosen trial: status, key facts, arms, interventions, outcomes, contacts, locations."""
from __future__ import annotations

from trialkit.i18n import N_, _

import pandas as pd
import streamlit as st

from trialkit.plain_language import age_range, planned_enrollment
from ui import common
from ui.text import data_text, humanize, md_escape, not_stated, registered_english

trial = common.page(N_("Overview"))

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
registered_english()
if trial.official_title and trial.official_title != trial.brief_title:
    st.caption(md_escape(trial.official_title))
st.badge(humanize(trial.overall_status), color=STATUS_COLORS.get(trial.overall_status or "", "gray"),
         icon=":material/radio_button_checked:")
# -- issue 9: private notes beside overview fields (ui.notes); record the version seen (ui.changes) --
from ui import changes as changes_ui, contacts as contacts_ui, notes as notes_ui  # noqa: E402

my_notes = notes_ui.my_notes(trial.nct_id)
changes_ui.mark_viewed(trial.nct_id)
notes_ui.note_button(trial.nct_id, "overall_status", my_notes, label=_("My notes on the title and status"))
notes_ui.show_inline(my_notes.get("overall_status", []))
# -- end issue 9 --------------------------------------------------------------------------------------

e = trial.eligibility
cols = st.columns(3)
cols[0].metric(_("Phase"), " / ".join(humanize(p) for p in trial.design.phases) or _("not stated"))
cols[1].metric(_("Enrollment"), planned_enrollment(trial))
cols[2].metric(_("Sex"), humanize(e.sex))
cols = st.columns(3)
cols[0].metric(_("Ages"), age_range(trial))
cols[1].metric(_("Healthy volunteers"),
               _("not stated") if e.healthy_volunteers is None else (_("Accepted") if e.healthy_volunteers else _("No")))
cols[2].metric(_("Locations"), len(trial.locations))

left, right = st.columns([3, 2])
with left:
    facts = {
        _("Sponsor"): trial.lead_sponsor.name if trial.lead_sponsor else None,
        _("Sponsor class"): humanize(trial.lead_sponsor.sponsor_class) if trial.lead_sponsor and trial.lead_sponsor.sponsor_class else None,
        _("Collaborators"): ", ".join(c.name for c in trial.collaborators) or None,
        _("Conditions"): "; ".join(trial.conditions) or None,
        _("Keywords"): "; ".join(trial.keywords) or None,
        _("Study type"): humanize(trial.design.study_type) if trial.design.study_type else None,
        _("Allocation"): humanize(trial.design.allocation) if trial.design.allocation else None,
        _("Intervention model"): humanize(trial.design.intervention_model) if trial.design.intervention_model else None,
        _("Masking"): humanize(trial.design.masking) if trial.design.masking else None,
        _("Primary purpose"): humanize(trial.design.primary_purpose) if trial.design.primary_purpose else None,
        _("Start"): trial.dates.start, _("Primary completion"): trial.dates.primary_completion,
        _("Completion"): trial.dates.completion, _("Last update posted"): trial.dates.last_update_posted,
    }
    notes_ui.subheader_with_notes(_("Key facts"), trial.nct_id, "key_facts", my_notes)
    st.dataframe(pd.DataFrame({_("Field"): list(facts), _("Value"): [not_stated(v) for v in facts.values()]}),
                 hide_index=True, width="stretch")
with right:
    st.subheader(_("Registry"), anchor=False)
    st.link_button(_("Open on ClinicalTrials.gov"), trial.registry_url, icon=":material/open_in_new:")
    notes_ui.subheader_with_notes(_("Central contacts"), trial.nct_id, "central_contacts", my_notes)
    contacts_ui.central_contacts(trial)

notes_ui.subheader_with_notes(_("Summary"), trial.nct_id, "brief_summary", my_notes)
data_text(trial.brief_summary)
if trial.detailed_description:
    with st.expander(_("Detailed description")):
        data_text(trial.detailed_description)

notes_ui.subheader_with_notes(_("Arm groups ({n})").format(n=len(trial.arm_groups)), trial.nct_id, "arm_groups", my_notes)
if trial.arm_groups:
    st.dataframe(pd.DataFrame([{_("Arm group"): a.label, _("Type"): humanize(a.type),
                                _("Description"): not_stated(a.description),
                                _("Interventions"): "; ".join(a.intervention_names) or _("not stated")}
                               for a in trial.arm_groups]), hide_index=True, width="stretch")
else:
    st.caption(_("not stated"))

notes_ui.subheader_with_notes(_("Interventions ({n})").format(n=len(trial.interventions)), trial.nct_id, "interventions",
                              my_notes)
if trial.interventions:
    st.dataframe(pd.DataFrame([{_("Type"): humanize(i.type), _("Name"): i.name, _("Description"): not_stated(i.description),
                                _("Arm groups"): "; ".join(i.arm_group_labels) or _("not stated")}
                               for i in trial.interventions]), hide_index=True, width="stretch")
else:
    st.caption(_("not stated"))

notes_ui.subheader_with_notes(_("Objectives and outcome measures"), trial.nct_id, "outcomes", my_notes)
outcomes = [(_("Primary"), o) for o in trial.primary_outcomes] + [(_("Secondary"), o) for o in trial.secondary_outcomes]
if outcomes:
    st.dataframe(pd.DataFrame([{_("Kind"): k, _("Measure"): o.measure, _("Description"): not_stated(o.description),
                                _("Time frame"): not_stated(o.time_frame)} for k, o in outcomes]),
                 hide_index=True, width="stretch")
else:
    st.caption(_("not stated"))

notes_ui.subheader_with_notes(_("Sites and site contacts ({n})").format(n=common.show_count(len(trial.locations))),
                              trial.nct_id, "locations", my_notes)
contacts_ui.sites(trial)

if trial.provenance_notes:
    with st.expander(_("How this record was made")):
        for note in trial.provenance_notes:
            st.markdown("- " + md_escape(note))
st.caption(_("Source: {source}").format(source=md_escape(trial.source or _("unknown"))))
