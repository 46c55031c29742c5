"""What-if page: "Load a patient from a FHIR bundle" (issue 14, FHIR part).

Upload one patient's FHIR R4 Bundle, choose the index date (default: the date of the bundle's newest record,
so a historical or synthetic record is read as it ended) and the lookback, and fill the candidate. The values
go into the URL like any other scenario (the What-if inputs read them from there), so the page, the link and
``check --set`` agree. Every number comes from trialkit/fhir/patient.py; this module only draws. Text from the
bundle is shown with ``st.text`` or in a dataframe, never as markdown.
"""
from __future__ import annotations

from trialkit.i18n import _, pgettext

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from trialkit.criteria.fields import FIELDS
from trialkit.criteria.judgment import is_judgment_key
from trialkit.errors import TrialkitError
from trialkit.fhir.patient import DEFAULT_LOOKBACK_DAYS, candidate_from_bundle, latest_record_date
from trialkit.fhir.resources import MAX_BUNDLE_BYTES, read_bundle
from trialkit.message import said
from trialkit.plain_language import value_words
from ui import whatif
from ui.text import md_escape

_READ = "_fhir_bundle_read"  # (sha256, FhirRead): parse an upload once per session, not on every rerun
_LOADED = "_fhir_loaded"  # what the last "fill" put in the candidate, shown under the uploader


def _read(data: bytes, name: str):
    sha = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get(_READ)
    if cached and cached[0] == sha:
        return sha, cached[1]
    with st.spinner(_("Reading and validating the bundle…")):
        read = read_bundle(data, source=name)
    st.session_state[_READ] = (sha, read)
    return sha, read


def _fill_url(ruleset, values: dict) -> None:
    """Replace the scenario with the patient's values: fields the rules read and the record lacks become
    unknown, and the previous candidate's clinician answers are dropped (they were about someone else)."""
    for name in ruleset.fields_used():
        if name in values:
            st.query_params[name] = whatif.to_param(FIELDS[name], values[name])
        elif name in st.query_params:
            del st.query_params[name]
    for key in [k for k in st.query_params if is_judgment_key(k)]:
        del st.query_params[key]


def render(ruleset) -> None:
    with st.expander(_("Load a patient from a FHIR bundle"), icon=":material/upload_file:",
                     expanded=_LOADED in st.session_state):
        up = st.file_uploader(_("FHIR R4 Bundle, one patient (JSON, up to {n} MB)").format(n=MAX_BUNDLE_BYTES // 2**20),
                              type=["json"], key="fhir_bundle")
        st.caption(_("Age is taken at the index date; each measurement is the latest on or before it within the "
                   "lookback, converted from its UCUM unit; a value that cannot be converted stays unknown and "
                   "is listed. Codes: data/terminology/fields.csv."))
        if up is not None:
            try:
                sha, read = _read(up.getvalue(), up.name)
            except TrialkitError as exc:
                st.error(_("This bundle cannot be used:"), icon=":material/error:")
                st.text(said(exc))
                return
            newest = latest_record_date(read) or dt.date.today()
            c1, c2 = st.columns(2)
            day = c1.date_input(_("Index date"), value=newest, key=f"fhir_index_{sha[:12]}",
                                help=_("Default: the date of the newest record in the bundle."))
            lookback = c2.number_input(_("Lookback (days)"), min_value=1, max_value=36500,
                                       value=DEFAULT_LOOKBACK_DAYS, step=30, key="fhir_lookback")
            if st.button(_("Fill the candidate from this patient"), key="fhir_fill", icon=":material/person_add:"):
                cand = candidate_from_bundle(read, index_date=day, lookback_days=int(lookback))
                _fill_url(ruleset, cand.values)
                st.session_state[_LOADED] = cand
        cand = st.session_state.get(_LOADED)
        if cand is not None:
            _summary(ruleset, cand)


def _summary(ruleset, cand) -> None:
    if cand.synthetic:
        st.info(_("Synthetic patient (Synthea): invented data, not a real person."), icon=":material/science:")
    st.text(_("Loaded: {label}, index date {date}").format(label=said(cand.label), date=cand.index_date))
    used = set(ruleset.fields_used())
    rows = [{_("field"): said(FIELDS[k].display_word), _("value"): value_words(k, v),
             _("from"): said(cand.evidence.get(k, "")),
             _("used by this trial"): _("yes") if k in used else _("no")} for k, v in cand.values.items()]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if cand.unusable:
        st.warning(_("{n} value(s) could not be used and stay unknown:").format(n=len(cand.unusable)),
                   icon=":material/warning:")
        st.dataframe(pd.DataFrame({_("not used"): [said(u) for u in cand.unusable]}), hide_index=True, width="stretch")
    if cand.notes:
        with st.expander(_("Notes ({n})").format(n=len(cand.notes))):
            st.dataframe(pd.DataFrame({_("note"): [said(n) for n in cand.notes]}), hide_index=True, width="stretch")
    missing = sorted(pgettext("field", FIELDS[f].label) for f in used - set(cand.values))
    if missing:
        st.caption(md_escape(_("Unknown from the record (enter them below if you know them): {fields}.").format(
            fields=", ".join(missing))))
