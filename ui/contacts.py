"""The Overview's contacts section: central contacts and a searchable table of sites with their contacts."""
from __future__ import annotations

from trialkit.i18n import N_, _, pgettext

import pandas as pd
import streamlit as st

from trialkit.contacts import NOT_STATED, contact_row, filter_sites, site_rows, site_status_counts
from ui import common


#: The column names of :mod:`trialkit.contacts` rows (English keys; translated where shown).
_COLUMNS = (N_("Kind"), N_("Name"), N_("Role"), N_("Phone"), N_("Email"), N_("Facility"), N_("City"),
            N_("Country"), N_("Status"), N_("Contact"))


def column_name(column: str) -> str:
    """A contacts/locations column in the interface language ("State" is the address's province or state)."""
    return pgettext("address", "State") if column == "State" else _(column)


def _shown(df: pd.DataFrame) -> pd.DataFrame:
    """Column names in the interface language; "not stated" cells too (data cells stay as written)."""
    return df.replace({NOT_STATED: _("not stated")}).rename(columns=column_name)


def central_contacts(trial) -> None:
    people = [(_("Central contact"), c) for c in trial.central_contacts] + \
             [(_("Study official"), c) for c in trial.overall_officials]
    if people:
        st.dataframe(_shown(pd.DataFrame([{"Kind": k} | contact_row(c) for k, c in people])), hide_index=True,
                     width="stretch")
    else:
        st.caption(_("not stated"))


def sites(trial) -> None:
    """Every site with status and contact; a text filter and a status filter keep 1,000+ sites readable."""
    if not trial.locations:
        st.caption(_("not stated"))
        return
    rows = site_rows(trial)
    counts = site_status_counts(trial)
    st.caption(_("Sites by status: {counts}").format(
        counts=", ".join(f"{k} {common.show_count(v)}" for k, v in counts.items())))
    c1, c2 = st.columns([2, 1])
    query = c1.text_input(_("Find a site"), key="sites_query", placeholder=_("facility, city, country or contact"),
                          help=_("Shows the sites whose row contains every word (case-insensitive)."))
    statuses = c2.multiselect(_("Status"), list(counts), key="sites_status", placeholder=_("all statuses"))
    shown = filter_sites(rows, query, statuses)
    if len(shown) != len(rows):
        st.caption(_("{shown} of {total} sites match.").format(shown=common.show_count(len(shown)),
                                                              total=common.show_count(len(rows))))
    if shown:
        st.dataframe(_shown(pd.DataFrame(shown)), hide_index=True, width="stretch",
                     height=min(420, 38 + 35 * len(shown)))
    else:
        st.caption(_("No site matches."))
