"""The Enrollment page's CDISC SDTM import (several files at once) and SDTM download. UI only: the mapping,
validation and storage are trialkit.enrollment.sdtm and storage."""
from __future__ import annotations

from trialkit.i18n import N_, _

import pandas as pd
import streamlit as st

from trialkit.enrollment import sdtm, storage
from trialkit.errors import LogValidationError, TrialkitError
from trialkit.models import Trial
from trialkit.message import said
from ui import common, loaders
from ui.text import md_escape

PILOT_CREDIT = N_("Tested on the CDISC SDTM/ADaM Pilot Project data (study CDISCPILOT01), © CDISC, used unmodified "
                "under CDISC's terms.")


def log_note(log: storage.LogFrames) -> None:
    """How a real log came to be (e.g. imported from SDTM, with site activation dates derived), under the title."""
    if log.source == "imported" and log.note:
        st.caption(md_escape(said(sdtm.note_words(log.note)), limit=500),
                   help=_("Kept with the log when it was imported."))


def sdtm_section(trial: Trial, log: storage.LogFrames, *, flash_key: str, max_bytes: int) -> None:
    """Upload SDTM domains (.xpt or .csv), map arms and criteria, import all or nothing; or download the log as SDTM."""
    st.subheader(_("Or: CDISC SDTM datasets"), anchor=False)
    st.markdown(_("Upload the sponsor's SDTM domains at once: **DM** and **DS** (required) and, when you have them, "
                "**SE**, **SV**, **IE**, **TI**, **TA** and **SUPPDM**, as SAS transport `.xpt` or `.csv` in any "
                "letter case, plus an optional trialkit `sites.csv` for site names and dates. They go through the "
                "same checks as the CSV log, all or nothing; problems are listed as `DOMAIN row N: VARIABLE: "
                "problem`."))
    with st.expander(_("How SDTM becomes the log")):
        st.markdown(
            _("- Every DM subject was screened (`USUBJID`, `SITEID`). Screening date: the screening element in SE, "
            "else the screening visit in SV, else `RFICDTC`.\n"
            "- Screen failure: DS `DSDECOD` SCREEN FAILURE, `ARMCD` SCRNFAIL (SDTMIG 3.1) or blank `ARMCD` with "
            "`ARMNRS` SCREEN FAILURE (3.2+). Criteria: IE `IETESTCD` matched through TI's text, or the map below.\n"
            "- Allocated: the planned `ARM` (actual-arm differences are shown as a note); date from DS RANDOMIZED "
            "or `RFSTDTC`. Status: the treatment epoch's DS disposition event; `DSDECOD` is the NCOMPLT reason.\n"
            "- Without sites.csv each `SITEID` is a site activated at its first screening: a **derived** date.\n"
            "- Partial dates (2013-05) and date-times are accepted; completed partial dates are listed."))
    allowed, reason = common.can_write()
    if not allowed:
        st.info(reason, icon=":material/lock:")
    else:
        with st.form("sdtm_import", clear_on_submit=False):
            ups = st.file_uploader(_("SDTM files"), type=["xpt", "csv"], accept_multiple_files=True, key="up_sdtm",
                                   max_upload_size=max_bytes // 1024 // 1024,
                                   help=_("At most {n} MB per file.").format(n=max_bytes // 1024 // 1024))
            arms = st.text_area(_("Arm map (optional): one `SDTM ARM=arm group label` a line"), key="sdtm_arm_map",
                                height=68,
                                placeholder=_("e.g. Xanomeline High Dose=High dose patch"),
                                help=_("The trial's arm groups: {arms}").format(
                                    arms="; ".join(trial.arm_labels or [_("none stated")])))
            ies = st.text_area(_("Criterion map (optional): one `IETESTCD=criterion id` a line"), key="sdtm_ie_map",
                               height=68,
                               placeholder=_("e.g. EXCL16=E8"))
            replace = False
            if log.source == "demo":
                replace = st.checkbox(_("Replace the simulated demo data of this trial with this real log"),
                                      key="sdtm_replace", help=_("Without this, an import never touches the demo log."))
            elif log.source == "imported":
                st.caption(_("This replaces the trial's current log; the audit trail keeps what changed."))
            go = st.form_submit_button(_("Import SDTM"), type="primary", icon=":material/upload:")
        if go:
            _import(trial, ups or [], arms, ies, replace, flash_key=flash_key, max_bytes=max_bytes)
    if log.source == "imported" and not common.is_demo():
        try:
            data = sdtm.export_zip(loaders.engine(), trial)
        except TrialkitError as exc:
            st.caption(md_escape(said(exc), limit=300))
        else:
            st.download_button(_("This log as CDISC SDTM (DM, DS, IE as XPT v5 and CSV; zip)"), data,
                               file_name=f"{trial.nct_id}_sdtm.zip", mime="application/zip",
                               icon=":material/download:")
    st.caption(_(PILOT_CREDIT))


def _import(trial: Trial, ups, arms: str, ies: str, replace: bool, *, flash_key: str, max_bytes: int) -> None:
    problems = []
    if not ups:
        problems.append(_("no SDTM file chosen"))
    for up in ups:
        if up.size > max_bytes:
            problems.append(_("{file}: {size} MB is over the {limit} MB limit").format(
                file=up.name, size=f"{up.size / 1024 / 1024:.1f}", limit=max_bytes // 1024 // 1024))
    if problems:
        st.error(_("Not imported: {problems}").format(problems=md_escape("; ".join(problems))), icon=":material/error:")
        return
    run_import(lambda: sdtm.import_sdtm(loaders.engine(), trial.nct_id, {u.name: u.getvalue() for u in ups},
                                        user=common.current_user(), trial=trial,
                                        arm_map=sdtm.parse_map_lines(arms), ie_map=sdtm.parse_map_lines(ies),
                                        replace_demo=replace, source="upload: " + ", ".join(u.name for u in ups)),
               flash_key=flash_key, spinner=_("Reading, mapping, validating and importing the SDTM domains…"),
               problems_file=f"{trial.nct_id}_sdtm_problems.txt")


def run_import(do_import, *, flash_key: str, spinner: str, problems_file: str) -> None:
    """Run an import (CSV log or SDTM); list every problem, or flash the report and rerun so every view shows
    the new log."""
    try:
        with st.spinner(spinner):
            report = do_import()
    except LogValidationError as exc:
        st.error(_("Not imported: {n} problem(s). Nothing in the log changed.").format(n=len(exc.problems)),
                 icon=":material/error:")
        st.dataframe(pd.DataFrame({_("problem"): [said(p) for p in exc.problems]}), hide_index=True, width="stretch")
        st.download_button(_("Problems (text)"), ("\n".join(exc.problems) + "\n").encode(), file_name=problems_file,
                           mime="text/plain")
        return
    except TrialkitError as exc:
        st.error(_("Not imported: {problems}").format(problems=md_escape(said(exc), limit=500)), icon=":material/error:")
        return
    st.session_state[flash_key] = [report.line(), *report.notes]
    st.rerun()
