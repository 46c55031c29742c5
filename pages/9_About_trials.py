"""About clinical trials: a short plain-language primer, written for trialkit (static text, no data)."""
from __future__ import annotations

from trialkit.i18n import N_, _

import streamlit as st

from ui import common

common.page(N_("About clinical trials"), needs_trial=False)

st.title(_("About clinical trials"))
st.caption(_("A short primer in plain language. It is general background, not medical advice: a study's own "
           "protocol and its team are the authority on that study."))

SECTIONS = [
    (N_("What is a clinical trial?"),
     N_("A clinical trial is a research study with people that answers a specific question about a medical "
     "product or approach, such as a medicine, a device, a procedure or a change in care. It follows a written "
     "plan, the protocol, which says who can join (the eligibility criteria), what each participant receives, "
     "what is measured and when. Many trials compare groups (arms): for example a new treatment against the "
     "usual one or a placebo, often with participants assigned to an arm at random so the groups are alike.")),
    (N_("What do the phases mean?"),
     N_("Medicines are usually tested in steps. **Phase 1** studies are small and look mainly at safety and a "
     "suitable dose, sometimes in healthy volunteers. **Phase 2** studies give the treatment to more people "
     "with the condition to see whether it seems to work and to keep checking safety. **Phase 3** studies are "
     "larger and compare the treatment with the current standard to confirm the benefit and measure side "
     "effects; their results usually support an application for approval. **Phase 4** studies follow a "
     "treatment after approval, in everyday use. Some studies combine steps (for example \"Phase 1/2\"), and "
     "studies of procedures, devices or behaviour often have no phase at all (\"not applicable\").")),
    (N_("Why do people take part?"),
     N_("Reasons differ. Some people hope for access to a treatment that is not yet available elsewhere, or want "
     "the close follow-up a study provides. Many take part to help others with the same condition, because "
     "today's standard treatments exist thanks to earlier volunteers. Taking part is always a free choice: a "
     "person can decline, or leave a study later, without losing the care they would otherwise receive.")),
    (N_("How long does a trial last?"),
     N_("It depends on the question. A single participant may be involved for one visit, for a few weeks or for "
     "several years of follow-up. The study as a whole, from the first participant to the last result, often "
     "runs for months to many years. The registry record gives the planned start, the primary completion "
     "(when the main result is measured) and the study completion dates; trialkit shows them on the Overview "
     "page and marks dates that are only estimates.")),
    (N_("Are participants paid?"),
     N_("Practice varies by study and by country. Some studies pay for time and effort, some refund costs such "
     "as travel, parking or meals, and some offer nothing beyond study-related care at no cost. Ethics "
     "committees check that any payment is fair and not so large that it pressures someone into taking part. "
     "The consent information of each study says what applies to it.")),
    (N_("How are participants protected?"),
     N_("Before a study starts, an independent ethics committee (an institutional review board in some countries) "
     "reviews the protocol and the information given to participants, and national regulators review studies "
     "of medicines and devices. Each participant gives informed consent after the team explains the purpose, "
     "procedures, possible risks and benefits, and alternatives, and can ask questions and withdraw at any "
     "time. During the study, side effects are recorded and reported, larger studies often have an independent "
     "data monitoring committee that can stop a study early, and personal data are kept confidential under data "
     "protection law. Registering the study publicly, as on ClinicalTrials.gov, lets anyone see what is being "
     "tested and, later, what was found.")),
]

for question, answer in SECTIONS:
    with st.expander(_(question), expanded=question == SECTIONS[0][0]):
        st.markdown(_(answer))

st.subheader(_("Where to read more"), anchor=False)
st.markdown(_("- ClinicalTrials.gov's own pages on taking part in studies: <https://clinicaltrials.gov/study-basics/learn-about-studies>\n"
            "- The World Health Organization's clinical trials overview: <https://www.who.int/health-topics/clinical-trials>"))
params = common.carried_params()
st.page_link(common.CRITERIA, label=_("See who can join the chosen trial (criteria)"), icon=":material/checklist:",
             query_params=params)
