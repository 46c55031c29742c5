"""trialkit home: what the app is, the trials it offers, and where to go next. UI only."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from trialkit.i18n import N_, _, ngettext
from ui import common, loaders
from ui.text import humanize

trial = common.page(N_("Home"), needs_trial=False)

st.title("trialkit")
st.markdown(_(
    "Explore clinical trials: read a study's overview and eligibility criteria, check a candidate or a whole "
    "cohort against them, and follow enrollment and sites. For investigators, sponsors and ethics committees."
))

scan = loaders.catalog_scan()
st.subheader(_("Trials in the catalog ({n})").format(n=len(scan.entries)))
if scan.entries:
    table = pd.DataFrame(
        [{_("NCT id"): e.nct_id, _("Title (registered English text)"): e.title,
          _("Status"): humanize(e.overall_status),
          _("Source"): _("shipped with trialkit") if e.origin == "shipped" else _("imported"),
          _("Versions"): len(e.versions)} for e in scan.entries]
    )
    st.dataframe(table, hide_index=True, width="stretch")
else:
    st.info(_("No trials yet: import a ClinicalTrials.gov API v2 study JSON on the Import page."))
if scan.problems:
    st.warning(ngettext("{n} study file could not be read and was skipped (details in the sidebar).",
                        "{n} study files could not be read and were skipped (details in the sidebar).",
                        len(scan.problems)).format(n=len(scan.problems)))

chosen = st.session_state.get(common.TRIAL_KEY)
st.subheader(_("Where to go"))
params = common.carried_params()
AUDIENCES = [
    (N_("Investigators"), [(common.CRITERIA, N_("Eligibility criteria"), ":material/checklist:"),
                           (common.WHAT_IF, N_("Check one candidate (what-if)"), ":material/rule:"),
                           (common.COHORT, N_("Cohort what-if"), ":material/groups:")]),
    (N_("Sponsors"), [(common.ENROLLMENT, N_("Enrollment and CONSORT flow"), ":material/monitoring:"),
                      (common.SITES, N_("Sites"), ":material/location_on:"),
                      (common.FORECAST, N_("Recruitment forecast"), ":material/show_chart:")]),
    (N_("Ethics committees"), [(common.OVERVIEW, N_("Overview of the chosen trial"), ":material/description:"),
                               (common.ABOUT_TRIALS, N_("About clinical trials"), ":material/help:"),
                               (common.IMPORT, N_("Import a study"), ":material/upload_file:")]),
]
for col, (audience, links) in zip(st.columns(len(AUDIENCES)), AUDIENCES):
    with col:
        st.markdown(f"**{_(audience)}**")
        for path, label, icon in links:
            st.page_link(path, label=_(label), icon=icon, query_params=params)

# -- issue 9: what changed since the user last looked, and the catalog's studies with several versions --
from ui import changes as changes_ui  # noqa: E402

changes_ui.home_section()

# -- issue 8: the ethics-committee report of the chosen trial ----------------------------------------
if trial is not None:
    from ui import report as report_ui

    st.subheader(_("Report for ethics committees"))
    st.caption(_("One self-contained HTML file about the chosen trial; open it in a browser and print to PDF."))
    report_ui.render_download(trial, key="home_report")
