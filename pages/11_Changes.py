"""What changed between two versions of the chosen study (status, enrollment, dates, criteria)."""
from __future__ import annotations

from trialkit.i18n import N_, _

import pandas as pd
import streamlit as st

from trialkit import changes
from trialkit.errors import StudyFormatError
from trialkit.message import said
from ui import common, loaders
from ui import changes as ui_changes
from ui.text import md_escape

trial = common.page(N_("What changed"))
#: words of trialkit.changes shown here (kinds of change, criterion kinds): English in the JSON, translated here
_SHOWN_WORDS = (N_("Added"), N_("Removed"), N_("Reworded"), N_("Renumbered"), N_("added"), N_("removed"),
                N_("reworded"), N_("renumbered"), N_("inclusion"), N_("exclusion"))

st.header(_("What changed · {nct_id}").format(nct_id=trial.nct_id), anchor=False)
st.caption(md_escape(trial.title))
versions = loaders.catalog().versions(trial.nct_id)
st.dataframe(pd.DataFrame([{_("Version"): i + 1, _("Source"): _("shipped file") if v.origin == "shipped" else _("imported"),
                            _("Added (UTC)"): f"{v.added_at:%Y-%m-%d %H:%M}"} for i, v in enumerate(versions)]),
             hide_index=True)
if len(versions) < 2:
    st.info(_("The catalog holds one version of this study. Import a newer ClinicalTrials.gov JSON of the same "
            "study on the Import page: trialkit keeps the earlier version and shows here what changed."),
            icon=":material/history:")
    st.page_link(common.IMPORT, label=_("Import a study"), icon=":material/upload_file:",
                 query_params=common.carried_params())
    ui_changes.mark_viewed(trial.nct_id)
    st.stop()

labels = [said(changes.version_label(versions, i)) for i in range(len(versions))]
c1, c2 = st.columns(2)
old_i = c1.selectbox(_("From"), range(len(versions)), index=len(versions) - 2, format_func=lambda i: labels[i])
new_i = c2.selectbox(_("To"), range(len(versions)), index=len(versions) - 1, format_func=lambda i: labels[i])
if old_i == new_i:
    st.info(_("Choose two different versions."))
    st.stop()
try:
    diff = changes.diff_versions(loaders.catalog(), trial.nct_id, old_i, new_i)
except StudyFormatError as exc:
    st.error(_("A version could not be read: {reason}").format(reason=md_escape(said(exc), limit=400)))
    st.stop()

st.markdown("**" + _("Summary:") + "** " + md_escape(said(diff.summary())))
st.subheader(_("Registry facts"), anchor=False)
if diff.fields:
    st.dataframe(pd.DataFrame([{_("Field"): _(f.field), _("Before"): f.old, _("After"): f.new} for f in diff.fields]),
                 hide_index=True, width="stretch")
else:
    st.caption(_("No change in status, enrollment, dates or the other facts compared."))

st.subheader(_("Criteria"), anchor=False)
counts = diff.criterion_counts()
for col, (k, n) in zip(st.columns(len(counts)), counts.items()):
    col.metric(_(k.capitalize()), n)
if diff.criteria:
    st.dataframe(pd.DataFrame([{_("Change"): _(c.change), _("Id"): c.label, _("Kind"): _(c.kind),
                                _("Before"): c.old_text or "", _("After"): c.new_text or "",
                                _("Words ([-removed-] {+added+})"): c.word_diff() if c.change == "reworded" else ""}
                               for c in diff.criteria]), hide_index=True, width="stretch",
                 column_config={"Before": st.column_config.TextColumn(width="large"),
                                "After": st.column_config.TextColumn(width="large")})
else:
    st.caption(_("No criterion added, removed, reworded or renumbered."))
with st.expander(_("The whole diff as text")):
    st.code(diff.to_text(), language=None, wrap_lines=True)
st.download_button(_("Download the diff (text)"), diff.to_text().encode("utf-8"),
                   file_name=f"{trial.nct_id}_changes_v{old_i + 1}_v{new_i + 1}.txt", mime="text/plain",
                   icon=":material/download:")
ui_changes.mark_viewed(trial.nct_id)
