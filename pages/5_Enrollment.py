"""Enrollment: KPI tiles, cumulative enrollment against target, arms, screen failures by criterion, the
CONSORT flow (all from one summary), downloads, the log import, and the audit trail. UI only."""
from __future__ import annotations

from trialkit.i18n import N_, _, sentence_separator

import json
from datetime import date

import pandas as pd
import streamlit as st

from trialkit.csv_export import csv_bytes
from trialkit.disclosure import audit_view
from trialkit.enrollment import charts, storage
from trialkit.enrollment.audit import read_audit, summary_said
from trialkit.enrollment.consort import consort_boxes, consort_figure
from trialkit.enrollment.metrics import summarize
from trialkit.enrollment.schema import PARTICIPANT_COLUMNS, SITE_COLUMNS
from trialkit.message import said
from ui import common, enrollment_import, loaders
from ui import record_screening as rs
from ui.text import md_escape

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # per file
FLASH_KEY = "_enrollment_import_done"

trial = common.page(N_("Enrollment"))
#: the audit trail's columns and actions (trialkit.audit / trialkit.disclosure.audit_view), translated where shown
_AUDIT_WORDS = (N_("at"), N_("user"), N_("action"), N_("nct_id"), N_("subject_id"), N_("summary"), N_("detail"),
                N_("day"), N_("events"), N_("import"), N_("correct_screening"), N_("record_screening"),
                N_("load_demo"))
st.title(_("Enrollment"), anchor=False)
st.caption(f"{trial.nct_id} · {md_escape(trial.title, limit=200)}")

flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    st.success(md_escape(said(flash[0])), icon=":material/check_circle:")
    for note in flash[1:]:
        st.caption(md_escape(said(note)))

with st.spinner(_("Reading the enrollment log…")):
    log = rs.read_log(trial.nct_id)
demo = log.source == "demo"
suffix = "_SIMULATED-DEMO-DATA" if demo else ""
fmt = common.show_count
today = date.today()

rs.demo_banner(log)
enrollment_import.log_note(log)

summary = summarize(log.participants, log.sites, trial, source=log.source)
k = summary["kpis"]


def share(kpi: dict) -> str:
    """A KPI's rate as "40%" ("–" without one, or in demo mode when its numerator is a small count)."""
    return common.count(kpi["numerator"]).rate(kpi["rate"]) or "–"


if log.source is None:
    st.info(_("{nct_id} has no enrollment log in this database. Import one below (participants.csv and "
              "sites.csv, the format of contracts §5).").format(nct_id=trial.nct_id), icon=":material/info:")
else:
    sf = k["screen_failure_rate"]
    tgt = k["enrolled_of_target"]
    dr = k["discontinuation_rate"]
    cols = st.columns(4)
    cols[0].metric(_("Screened"), fmt(summary["screened"]),
                   help=_("Everyone in the log: the CONSORT 'assessed for eligibility' population."))
    cols[1].metric(_("Screen-failed"), f"{fmt(sf['numerator'])} ({share(sf)})",
                   help=_("Screen failures ÷ screenings with an outcome; declined counted, still in screening left out."))
    cols[1].caption(_("of {n} screenings with an outcome (declined counted; {waiting} still in screening left "
                      "out)").format(n=fmt(sf['denominator']), waiting=fmt(summary['in_screening'])))
    if tgt["denominator"]:
        cols[2].metric(_("Enrolled / target"), f"{fmt(tgt['numerator'])} / {tgt['denominator']:,} ({share(tgt)})")
        target_label = tgt["denominator_label"]  # one of i18n.data_messages()
        cols[2].caption(_("target: {what}").format(what=_(target_label)))
    else:
        cols[2].metric(_("Enrolled"), fmt(tgt["numerator"]))
        cols[2].caption(_("no enrollment target stated (registry or site targets)"))
    cols[3].metric(_("Discontinued"), f"{fmt(dr['numerator'])} ({share(dr)})")
    cols[3].caption(_("of {n} enrolled").format(n=fmt(dr['denominator'])))
    st.caption(_("Also: {waiting} still in screening · {declined} declined · {eligible} eligible but not "
                 "enrolled.").format(waiting=fmt(summary['in_screening']), declined=fmt(summary['declined']),
                                     eligible=fmt(summary['eligible_not_enrolled']))
               + (sentence_separator() + _("Counts below 5 are shown as \u201c<5\u201d (demo mode).")
                  if common.is_demo() else ""))

# Lazy tabs (issue 13, page load): only the open tab's content is built and sent, so a first visit draws one
# Plotly figure instead of four and loads no table, uploader or download code it does not show; a click on a
# tab reruns the page with that tab open (kept in the session under TAB_KEY and in the link as ?tab=).
TAB_KEY = "enrollment_tab"
tabs = common.lazy_tabs([("over-time", _("Over time")), ("by-arm", _("By arm")), ("screen-failures", _("Screen failures")),
                         ("consort", _("CONSORT flow")), ("downloads", _("Downloads")), ("import", _("Import a log")),
                         ("audit", _("Audit trail"))], key=TAB_KEY)


if common.is_open(tabs[0]):
    with tabs[0]:
        fig = charts.cumulative_enrollment_figure(log.participants, summary["target"], as_of=today, simulated=demo)
        st.plotly_chart(fig, width="stretch", key="cum")

if common.is_open(tabs[1]):
    with tabs[1]:
        if summary["by_arm"]:
            st.plotly_chart(charts.arm_figure(summary, fmt=fmt), width="stretch", key="arms")
            if not trial.arm_labels:
                st.caption(_("{nct_id}'s registry record lists no arm groups; the labels come from the log "
                             "(the demo log's single label is simulated).").format(nct_id=trial.nct_id) if demo else
                           _("{nct_id}'s registry record lists no arm groups; the labels come from the log.").format(
                               nct_id=trial.nct_id))
        else:
            st.caption(_("No participant enrolled yet."))

if common.is_open(tabs[2]):
    with tabs[2]:
        st.plotly_chart(charts.screen_fail_figure(summary, trial, fmt=fmt), width="stretch", key="sf")
        st.caption(_("A participant who failed several criteria counts under each. Screen failures with no "
                     "criterion recorded: {n}.").format(n=fmt(summary['screen_failed_without_criteria'])))

if common.is_open(tabs[3]):
    with tabs[3]:
        st.plotly_chart(consort_figure(summary, fmt=fmt), width="stretch", key="consort",
                        config={"displayModeBar": False})
        st.caption(_("Every box is counted from the same log as the tiles above: assessed = excluded + still in "
                   "screening + allocated; excluded = not meeting criteria + declined + other reasons."))

boxes = consort_boxes(summary)
consort_rows = [{"stage": b.stage, "box": b.title, "arm": b.arm or "", "n": b.n} for b in boxes]
for b in boxes:
    consort_rows += [{"stage": b.stage, "box": f"{b.title}: {label}", "arm": b.arm or "", "n": n}
                     for label, n in b.lines]


def to_csv(df: pd.DataFrame) -> bytes:
    if demo:
        df = df.assign(data=storage.DEMO_LABEL)
    return csv_bytes(df)


def import_uploads(up_p, up_s, replace: bool) -> None:
    """Validate and import the two uploaded files; say what is wrong, or rerun so every view shows the new log."""
    problems = []
    for label, up in (("participants.csv", up_p), ("sites.csv", up_s)):
        if up is None:
            problems.append(_("{file}: no file chosen").format(file=label))
        elif up.size > MAX_UPLOAD_BYTES:
            problems.append(_("{file}: {size} MB is over the {limit} MB limit").format(
                file=label, size=f"{up.size / 1024 / 1024:.1f}", limit=MAX_UPLOAD_BYTES // 1024 // 1024))
    if problems:
        st.error(_("Not imported: {problems}").format(problems=md_escape("; ".join(problems))), icon=":material/error:")
        return
    enrollment_import.run_import(
        lambda: storage.import_log(loaders.engine(), trial.nct_id, up_p.getvalue(), up_s.getvalue(),
                                   user=common.current_user(), trial=trial, replace_demo=replace),
        flash_key=FLASH_KEY, spinner=_("Validating and importing…"),
        problems_file=f"{trial.nct_id}_import_problems.txt")


if common.is_open(tabs[4]):
    with tabs[4]:
        if log.source is None:
            st.caption(_("Nothing to download: no log yet."))
        else:
            st.caption(_("Each file holds what this page shows, and says it is simulated demo data (a `data` column / "
                         "a `data_label` key).") if demo else _("Each file holds what this page shows."))
            out = dict(summary, data_label=storage.DEMO_LABEL) if demo else summary
            c1, c2, c3 = st.columns(3)
            c1.download_button(_("Summary and KPIs (JSON)"), json.dumps(out, indent=2, default=str).encode(),
                               file_name=f"{trial.nct_id}_enrollment_summary{suffix}.json", mime="application/json",
                               icon=":material/download:")
            c2.download_button(_("CONSORT flow (CSV)"), lambda: to_csv(pd.DataFrame(consort_rows)),
                               file_name=f"{trial.nct_id}_consort{suffix}.csv", mime="text/csv",
                               icon=":material/download:")
            crit = pd.DataFrame([{"criterion": c, "text": (trial.criterion(c).text if trial.criterion(c) else None),
                                  "screen_failures": n} for c, n in summary["screen_fail_by_criterion"].items()],
                                columns=["criterion", "text", "screen_failures"])
            c3.download_button(_("Screen failures by criterion (CSV)"), lambda: to_csv(crit),
                               file_name=f"{trial.nct_id}_screen_failures{suffix}.csv", mime="text/csv",
                               icon=":material/download:")
            if common.is_demo():
                st.caption(_("Participant-level rows are not offered in demo mode."))
            else:
                st.download_button(_("Participant log (CSV, pseudonymous screening numbers)"),
                                   lambda: to_csv(log.participants.assign(**{
                                       c: log.participants[c].dt.strftime("%Y-%m-%d")
                                       for c in ("screening_date", "consent_date", "enrollment_date",
                                                 "discontinuation_date")})),
                                   file_name=f"{trial.nct_id}_participants{suffix}.csv", mime="text/csv",
                                   icon=":material/download:")

if common.is_open(tabs[5]):
    with tabs[5]:
        st.markdown(_("Two CSV files: **participants.csv** (one row per screened participant) and **sites.csv** (one "
                    "row per site). The import is all or nothing: any bad row refuses both files, every problem is "
                    "listed, and the log stays as it was. Columns that look like direct identifiers (name, phone, "
                    "email, address, birth date, national id) are refused."))
        with st.expander(_("Columns and rules")):
            st.markdown(
                _("- **participants.csv**: `subject_id` (screening number, unique), `site_id` (in sites.csv), "
                "`screening_date`, `consent_date` (≥ screening), `screen_outcome` (IN\\_SCREENING, ELIGIBLE, "
                "SCREEN\\_FAILURE, DECLINED), `screen_fail_criteria` (ids such as I3;E10, only with SCREEN\\_FAILURE), "
                "`enrollment_date` (only with ELIGIBLE, ≥ consent, not before the site's activation), `arm` and "
                "`status` (ONGOING, COMPLETED, DISCONTINUED) when enrolled, `discontinuation_reason` (CDISC NCOMPLT "
                "term) and `discontinuation_date` when DISCONTINUED, `analysed` (true/false).\n"
                "- **sites.csv**: `site_id`, `site_name`, `city`, `country`, `status` (PLANNED, ACTIVE, ON\\_HOLD, "
                "CLOSED), `planned_activation_date`, `activation_date` (required when ACTIVE or CLOSED), `target`; "
                "optional `latitude`, `longitude` for the site map.\n"
                "- Dates are YYYY-MM-DD; controlled values are upper case."))
        t1, t2 = st.columns(2)
        t1.download_button(_("participants.csv template"), csv_bytes(pd.DataFrame(columns=PARTICIPANT_COLUMNS)),
                           file_name="participants.csv", mime="text/csv", icon=":material/description:")
        t2.download_button(_("sites.csv template"), csv_bytes(pd.DataFrame(columns=SITE_COLUMNS)),
                           file_name="sites.csv", mime="text/csv", icon=":material/description:")
        allowed, reason = common.can_write()
        if not allowed:
            st.info(reason, icon=":material/lock:")
        else:
            with st.form("enrollment_import", clear_on_submit=False):
                up_p = st.file_uploader(_("participants.csv"), type=["csv"], key="up_participants",
                                        max_upload_size=MAX_UPLOAD_BYTES // 1024 // 1024,
                                        help=_("At most {n} MB.").format(n=MAX_UPLOAD_BYTES // 1024 // 1024))
                up_s = st.file_uploader(_("sites.csv"), type=["csv"], key="up_sites",
                                        max_upload_size=MAX_UPLOAD_BYTES // 1024 // 1024,
                                        help=_("At most {n} MB.").format(n=MAX_UPLOAD_BYTES // 1024 // 1024))
                replace = False
                if demo:
                    replace = st.checkbox(_("Replace the simulated demo data of this trial with this real log"),
                                          help=_("Without this, an import never touches the demo log."))
                elif log.source == "imported":
                    st.caption(_("This replaces the trial's current log; the audit trail keeps what changed."))
                go = st.form_submit_button(_("Import"), type="primary", icon=":material/upload:")
            if go:
                import_uploads(up_p, up_s, replace)
        enrollment_import.sdtm_section(trial, log, flash_key=FLASH_KEY, max_bytes=MAX_UPLOAD_BYTES)

if common.is_open(tabs[6]):
    with tabs[6]:
        trail = read_audit(loaders.engine(), trial.nct_id)
        if trail.empty:
            st.caption(_("No write recorded for this trial yet."))
        else:
            show = audit_view(trail, demo=common.is_demo())
            st.caption(_("{n} event(s), oldest first. The trail is append-only: a correction is a new event carrying "
                         "the values before and after.").format(n=common.show_count(len(trail)))
                       + (sentence_separator() + _("Demo mode: events counted per day and kind only.")
                          if common.is_demo() else ""))
            if "action" in show.columns:
                show = show.assign(action=show["action"].map(lambda a: _(a) if isinstance(a, str) else a))
            if "summary" in show.columns:  # stored in English; said again from the message it was written from
                show = show.assign(summary=show["summary"].map(lambda t: said(summary_said(t))))
            st.dataframe(show.rename(columns=_), hide_index=True, width="stretch")  # the stored text stays as written
            st.download_button(_("Audit trail (CSV)"),
                               lambda: to_csv(audit_view(trail, demo=common.is_demo(), export=True)),
                               file_name=f"{trial.nct_id}_audit{suffix}.csv", mime="text/csv",
                               icon=":material/download:")
