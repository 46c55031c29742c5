"""Find trials on ClinicalTrials.gov by condition, words, place and radius, status and phase; map their sites
(offline); add one to the catalog. UI only (ui/find_trials.py, trialkit.ctgov_api, trialkit.geo)."""
from __future__ import annotations

from trialkit.i18n import N_, _

import streamlit as st

from ui import common
from ui import find_trials as live
from ui.text import md_escape

common.page(N_("Find trials"), needs_trial=False)
st.header(_("Find trials on ClinicalTrials.gov"), anchor=False)
st.caption(_("Asks {where} when you press Search, never on its own. Place names are resolved on this "
             "machine.").format(where=md_escape(live.where())))
asked = live.search_form()
if asked is not None:
    live.run_search(*asked)
live.show_results()
