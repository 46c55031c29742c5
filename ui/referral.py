""""Get in touch": the referral summary of a what-if check, to copy or download for the study team.

The what-if page calls :func:`render` with its trial, rule set, candidate and the engine's CandidateResult.
"""
from __future__ import annotations

from trialkit.i18n import _

import pandas as pd
import streamlit as st

from trialkit.criteria.evaluate import nearest_changes
from trialkit.referral import build_referral, candidate_values
from ui import notes as ui_notes
from ui.text import humanize, md_escape, not_stated


def render(trial, ruleset, candidate, result, *, what_would_change: list[str] | None = None,
           key: str = "referral") -> None:
    """Show the study's contacts and a referral summary (Markdown to copy, .md and .txt to download).

    "What would change the result" lists the engine's nearest passing values (``nearest_changes`` with
    ``ruleset``) unless ``what_would_change`` lines are given; without either it lists the failed and
    undecided criteria with their reasons.
    """
    if what_would_change is None and ruleset is not None:
        what_would_change = [s.text for s in nearest_changes(ruleset, candidate, result)]
    ref = build_referral(trial, result, candidate, what_would_change=what_would_change, ruleset=ruleset)
    with st.expander(_("Get in touch with the study team"), icon=":material/contact_mail:"):
        st.caption(_("A referral summary of this check for the study team: the trial, every criterion's result and "
                   "what would change it. It holds no name, contact details or record number: only the "
                   "eligibility values you entered."))
        if ref.values_left_out:
            st.warning(_("{n} value(s) looked identifying and were left out of the summary.").format(
                n=ref.values_left_out))
        st.markdown(_("**Study contacts (as the registry lists them)**"))
        if trial.central_contacts:
            st.dataframe(pd.DataFrame([{_("Name"): not_stated(c.name),
                                        _("Role"): humanize(c.role) if c.role else _("not stated"),
                                        _("Phone"): not_stated(c.phone), _("Email"): not_stated(c.email)}
                                       for c in trial.central_contacts]), hide_index=True, width="stretch")
        else:
            st.caption(_("The registry record gives no central contact; see the sites on the Overview page."))
        md = ref.to_markdown()
        st.markdown(_("**Referral summary** (copy with the button at the top right of the box)"))
        st.code(md, language="markdown", wrap_lines=True)  # inert: shown as code, never rendered
        c1, c2 = st.columns(2)
        c1.download_button(_("Download (Markdown)"), md.encode("utf-8"), file_name=ref.filename_stem + ".md",
                           mime="text/markdown", key=f"{key}_md", icon=":material/download:")
        c2.download_button(_("Download (plain text)"), ref.to_text().encode("utf-8"),
                           file_name=ref.filename_stem + ".txt", mime="text/plain", key=f"{key}_txt",
                           icon=":material/download:")
    values, _missing = candidate_values(candidate)
    with st.expander(_("Share this scenario with a passcode"), icon=":material/share:"):
        st.caption(_("Makes a passcode-protected link holding these values (and any notes you choose) that opens "
                     "this check on the what-if page. {n} value(s).").format(n=len(values)))
        ui_notes.share_form(trial.nct_id, scenario=values, key=f"{key}_share")
