"""The Overview's contacts section: central contacts and a searchable table of sites with their contacts."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from trialkit.contacts import contact_row, filter_sites, site_rows, site_status_counts
from ui import common


def central_contacts(trial) -> None:
    people = [("Central contact", c) for c in trial.central_contacts] + \
             [("Study official", c) for c in trial.overall_officials]
    if people:
        st.dataframe(pd.DataFrame([{"Kind": k} | contact_row(c) for k, c in people]), hide_index=True,
                     width="stretch")
    else:
        st.caption("not stated")


def sites(trial) -> None:
    """Every site with status and contact; a text filter and a status filter keep 1,000+ sites readable."""
    if not trial.locations:
        st.caption("not stated")
        return
    rows = site_rows(trial)
    counts = site_status_counts(trial)
    st.caption("Sites by status: " + ", ".join(f"{k} {common.show_count(v)}" for k, v in counts.items()))
    c1, c2 = st.columns([2, 1])
    query = c1.text_input("Find a site", key="sites_query", placeholder="facility, city, country or contact",
                          help="Shows the sites whose row contains every word (case-insensitive).")
    statuses = c2.multiselect("Status", list(counts), key="sites_status", placeholder="all statuses")
    shown = filter_sites(rows, query, statuses)
    if len(shown) != len(rows):
        st.caption(f"{common.show_count(len(shown))} of {common.show_count(len(rows))} sites match.")
    if shown:
        st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch",
                     height=min(420, 38 + 35 * len(shown)))
    else:
        st.caption("No site matches.")
