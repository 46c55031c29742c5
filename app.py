"""trialkit home: what the app is, the trials it offers, and where to go next. UI only."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import common, loaders
from ui.text import humanize

trial = common.page("Home", needs_trial=False)

st.title("trialkit")
st.markdown(
    "Explore clinical trials: read a study's overview and eligibility criteria, check a candidate or a whole "
    "cohort against them, and follow enrollment and sites. For investigators, sponsors and ethics committees."
)

scan = loaders.catalog_scan()
st.subheader(f"Trials in the catalog ({len(scan.entries)})")
if scan.entries:
    table = pd.DataFrame(
        [{"NCT id": e.nct_id, "Title": e.title, "Status": humanize(e.overall_status),
          "Source": "shipped with trialkit" if e.origin == "shipped" else "imported",
          "Versions": len(e.versions)} for e in scan.entries]
    )
    st.dataframe(table, hide_index=True, width="stretch")
else:
    st.info("No trials yet: import a ClinicalTrials.gov API v2 study JSON on the Import page.")
if scan.problems:
    st.warning(f"{len(scan.problems)} study file(s) could not be read and were skipped (details in the sidebar).")

chosen = st.session_state.get(common.TRIAL_KEY)
st.subheader("Where to go")
params = common.carried_params()
AUDIENCES = [
    ("Investigators", [(common.CRITERIA, "Eligibility criteria", ":material/checklist:"),
                       (common.WHAT_IF, "Check one candidate (what-if)", ":material/rule:"),
                       (common.COHORT, "Cohort what-if", ":material/groups:")]),
    ("Sponsors", [(common.ENROLLMENT, "Enrollment and CONSORT flow", ":material/monitoring:"),
                  (common.SITES, "Sites", ":material/location_on:"),
                  (common.FORECAST, "Recruitment forecast", ":material/show_chart:")]),
    ("Ethics committees", [(common.OVERVIEW, "Overview of the chosen trial", ":material/description:"),
                           (common.ABOUT_TRIALS, "About clinical trials", ":material/help:"),
                           (common.IMPORT, "Import a study", ":material/upload_file:")]),
]
for col, (audience, links) in zip(st.columns(len(AUDIENCES)), AUDIENCES):
    with col:
        st.markdown(f"**{audience}**")
        for path, label, icon in links:
            st.page_link(path, label=label, icon=icon, query_params=params)

# -- issue 9: what changed since the user last looked, and the catalog's studies with several versions --
from ui import changes as changes_ui  # noqa: E402

changes_ui.home_section()

# -- issue 8: the ethics-committee report of the chosen trial ----------------------------------------
if trial is not None:
    from ui import report as report_ui

    st.subheader("Report for ethics committees")
    st.caption("One self-contained HTML file about the chosen trial; open it in a browser and print to PDF.")
    report_ui.render_download(trial, key="home_report")
