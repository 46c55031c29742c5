"""What if: one candidate against the chosen trial's criteria, criterion by criterion, with what would
change the verdict. The scenario lives in the URL (``/What_if?trial=NCT07176143&age=39&fsh=10.4``).

The inputs and the verdict are one fragment (:func:`check`): a slider move reruns only them. Recording a
screening and the referral / share link open in a dialog when asked, so their database work never runs on a
slider move."""
from __future__ import annotations

import streamlit as st

from trialkit.criteria.evaluate import evaluate_candidate, nearest_changes
from trialkit.i18n import N_, _
from trialkit.message import said
from ui import common, fhir_candidate, language, loaders, record_screening, referral, whatif
from ui.text import md_escape, registered_english

trial = common.page(N_("What if"))

st.header(_("What if · {nct_id}").format(nct_id=trial.nct_id), anchor=False)
st.caption(md_escape(trial.title))
registered_english()
ruleset = loaders.ruleset(trial)

n_exec, total = ruleset.executable_count, ruleset.total
st.caption(_("{n_exec} of {total} criteria have executable rules; {n_judgment} need a clinician's judgment only. "
             "Rules: {source}.").format(n_exec=common.show_count(n_exec), total=common.show_count(total),
                                        n_judgment=common.show_count(ruleset.judgment_only_count),
                                        source=md_escape(said(ruleset.source))))
if ruleset.unreviewed_count:
    st.warning(_("{n} of {total} criteria have rules drafted automatically from the criteria text that nobody has "
                 "reviewed. Check each reason against the criterion text before relying on it.").format(
                   n=common.show_count(ruleset.unreviewed_count), total=common.show_count(total)),
               icon=":material/rule:")
for problem in ruleset.problems:
    st.warning(md_escape(said(problem)), icon=":material/warning:")


@language.dialog(_("Record this screening"), width="large")  # dialogs and fragments rerun in the run's language
def record_dialog(result) -> None:
    record_screening.render(trial, result)


@language.dialog(_("Refer or share this check"), width="large")
def referral_dialog(candidate, result, changes) -> None:
    referral.render(trial, ruleset, candidate, result, what_would_change=[s.text for s in changes])


@language.fragment
def check() -> None:
    """The candidate's inputs and the verdict: a slider move reruns only this, not the sidebar, the catalog
    or the database widgets (which run when asked, in a dialog)."""
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader(_("Candidate"), anchor=False)
        st.caption(_("Every value may stay unknown; an unknown never counts as a yes or a no. Moving a slider sets "
                     "its value; *Clear* makes it unknown again. The link in the address bar reproduces this "
                     "scenario."))
        # -- candidate loaders (ui.fhir_candidate, drawn before this fragment) set the widgets' session state
        #    (ui.whatif keys ``wi_<field>``) or the URL before candidate_inputs() reads them --
        candidate, link_problems = whatif.candidate_inputs(ruleset)
        for p in link_problems:
            st.warning(md_escape(p), icon=":material/link_off:")

    result = evaluate_candidate(ruleset, candidate)
    changes = nearest_changes(ruleset, candidate, result)
    with right:
        verdict(result, changes)
    st.divider()
    c1, c2 = st.columns(2)
    if c1.button(_("Record this screening…"), icon=":material/edit_note:", key="wi_record_open", width="stretch"):
        record_dialog(result)
    if c2.button(_("Refer or share this check…"), icon=":material/contact_mail:", key="wi_referral_open",
                 width="stretch"):
        referral_dialog(candidate, result, changes)


def verdict(result, changes) -> None:
    colour = whatif.STATUS_COLOURS[result.status]
    st.markdown(f"## :{colour}[{_(result.label)}]")
    n_fail, n_unknown, n_pass = len(result.failed_ids()), len(result.unknown_ids()), len(result.passed_ids())
    st.caption(_("{n_fail} failed · {n_unknown} unknown · {n_pass} passed, of {total} criteria.").format(
        n_fail=common.show_count(n_fail), n_unknown=common.show_count(n_unknown),
        n_pass=common.show_count(n_pass), total=common.show_count(total)))
    if result.status == "needs_review" and result.judgment_only_ids() == result.unknown_ids():
        st.info(_("Every criterion a value can decide passes; what is left needs a clinician's judgment ({ids}): "
                  "record the answers under *Clinician's judgment*.").format(
                    ids=", ".join(result.judgment_only_ids())), icon=":material/stethoscope:")
    table = whatif.criteria_table(result, ruleset)
    st.dataframe(table, hide_index=True, width="stretch", height=min(36 * (len(table) + 1) + 4, 1100),
                 column_config={_("Criterion"): st.column_config.TextColumn(width="small"),
                                _("Result"): whatif.result_column(),
                                _("Reason"): st.column_config.TextColumn(width="large"),
                                _("Kind"): st.column_config.TextColumn(width="small")})
    st.subheader(_("What would change this"), anchor=False)
    if not changes:
        st.caption(_("Nothing: every criterion passes."))
        return
    fixes = [s for s in changes if s.action == "change"]
    provide = [s for s in changes if s.action == "provide"]
    judge = [s for s in changes if s.action == "judgment"]
    if fixes:
        st.markdown(_("**Nearest passing values for the failed criteria**"))
        st.markdown("\n".join(f"- {md_escape(s.text)}" for s in fixes))
    for title, items in ((_("Values that would decide the unknown criteria ({n})").format(
                              n=common.show_count(len(provide))), provide),
                         (_("For a clinician to decide ({n})").format(n=common.show_count(len(judge))), judge)):
        if items:
            with st.expander(title, expanded=not fixes and len(items) <= 8):
                st.markdown("\n".join(f"- {md_escape(s.text)}" for s in items))


fhir_candidate.render(ruleset)  # "Load a patient from a FHIR bundle": fills the scenario, outside the fragment
check()
