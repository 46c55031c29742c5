"""The Cohort page's third source: an OMOP CDM database (issue 14). UI only: reads the inputs, calls
:mod:`trialkit.omop`, draws. The criteria run inside the database; only weighted patterns and per-bound
histograms come back (a slider move is answered from the cached histogram).

The embedded default needs no setup: trialkit's seeded SYNTHETIC OMOP database (written under data/ on first
use), labelled synthetic wherever it shows."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from trialkit.cohort import charts
from trialkit.cohort.analysis import numeric_bounds
from trialkit.errors import TrialkitError
from trialkit.i18n import N_, _, current_language, format_date as i18n_date
from trialkit.plain_language import bound_slider_label, bound_title
from trialkit.message import said
from ui import common, language, loaders
from ui.text import md_escape

EMBEDDED, URL, FOLDER, FHIR = (N_("Embedded synthetic OMOP database"), N_("Connection URL (DuckDB or PostgreSQL)"),
                               N_("Folder of OMOP parquet files"), N_("FHIR Bulk export (folder of NDJSON)"))


@st.cache_resource(show_spinner=False, max_entries=3, ttl=3600)
def _scan(nct_id: str, rules_fp: tuple, source: str, schema: str | None, index_date: dt.date,
          assume: str | None):
    from trialkit.omop.scan import scan

    bar = st.progress(0.0, text=_("Opening the database…"))

    def progress(step, total, text):
        words = _(text)
        bar.progress(min(step / total, 1.0), text=f"{words[0].upper()}{words[1:]}…")

    try:
        return scan(loaders.ruleset(loaders.trial(nct_id)), source, cdm_schema=schema, index_date=index_date,
                    assume_judgment=assume, progress=progress)
    finally:
        bar.empty()


def folder_fingerprint(path: str) -> tuple:
    """A small cache key for a folder of files: each file's name, size and modification time."""
    from pathlib import Path

    p = Path(path)
    files = sorted(p.iterdir()) if p.is_dir() else [p] if p.is_file() else []
    return tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file())


@st.cache_resource(show_spinner=False, max_entries=2, ttl=3600)
def fhir_cohort(nct_id: str, rules_fp: tuple, path: str, fingerprint: tuple, index_date: dt.date):
    """A FHIR Bulk Data export read once per (trial, rules, folder contents, index date), with progress."""
    from trialkit.fhir.cohort import fhir_cohort as read

    bar = st.progress(0.0, text=_("Reading the FHIR export…"))

    def progress(done: int, total: int):
        if total:
            bar.progress(min(done / total, 1.0),
                         text=_("Reading the FHIR export… {done:,.1f} of {total:,.1f} MB").format(
                             done=done / 2**20, total=total / 2**20))

    try:
        return read(loaders.ruleset(loaders.trial(nct_id)), path, index_date, progress=progress)
    finally:
        bar.empty()


def render(trial, ruleset, rules_fp: tuple, assume: str | None):
    """Draw the database source. An OMOP source is drawn here in full (returns None; the caller stops the
    page). A FHIR export becomes an in-memory cohort: returns ``(cohort, key)`` for the page's own tabs."""
    from trialkit.omop.synthetic import INDEX_DATE, ensure_default

    show = common.show_count
    kind = st.radio(_("Database"), [EMBEDDED, URL, FOLDER, FHIR], horizontal=True, key="cohort_db_kind", format_func=_)
    c1, c2, c3 = st.columns([3, 1, 1])
    if kind == FHIR:
        path = c1.text_input(_("Folder of a FHIR Bulk Data export (Patient.ndjson, Observation.ndjson, …) or a "
                               "Bundle .json"), key="cohort_fhir_source")
        index_date = c3.date_input(_("Index date"), value=dt.date.today(), key="cohort_fhir_index",
                                   help=_("Criteria are evaluated at this date: age in completed years, the latest "
                                          "Observation on or before it within the lookback (365 days)."))
        if not path or not path.strip():
            st.info(_("Give the folder of a FHIR Bulk Data export (NDJSON files, read with fhir.resources)."))
            return None
        path = path.strip()
        try:
            cohort = fhir_cohort(trial.nct_id, rules_fp, path, folder_fingerprint(path), index_date)
        except TrialkitError as exc:
            st.error(_("The FHIR export cannot be used: {error}").format(error=md_escape(said(exc), limit=400)))
            return None
        fc = getattr(cohort, "fhir", None)
        bad = fc.unusable() if fc is not None else []
        if bad:
            with st.expander(_("Values that could not be converted ({n}): unknown").format(n=f"{len(bad):,}"),
                             expanded=False):
                st.dataframe(pd.DataFrame({_("value"): [said(b) for b in bad[:500]]}), hide_index=True, width="stretch")
        return cohort, ("fhir", path, folder_fingerprint(path), index_date)
    if kind == EMBEDDED:
        c1.caption(_("trialkit's seeded SYNTHETIC OMOP CDM v5.4 database (20,000 synthetic persons, mixed units, "
                     "decoy records): no real person."))
        source, schema = None, None
    else:
        source = c1.text_input("duckdb:///file.duckdb or postgresql://user@host/db" if kind == URL
                               else _("Folder with person.parquet, measurement.parquet, …"), key="cohort_db_source")
        schema = c2.text_input(_("CDM schema"), key="cohort_db_schema", help=_("Empty: the default schema.")) or None
    index_date = c3.date_input(_("Index date"), value=INDEX_DATE if kind == EMBEDDED else dt.date.today(),
                               key="cohort_db_index", help=_("Criteria are evaluated at this date: age in completed "
                               "years, the latest lab value on or before it within the lookback (365 days)."))
    if kind == EMBEDDED:
        with st.spinner(_("Writing the synthetic OMOP database (first use only)…")):
            source = "duckdb:///" + str(ensure_default())
    elif not source:
        st.info(_("Give a DuckDB or PostgreSQL URL, or a folder of OMOP parquet files."))
        return
    try:
        res = _scan(trial.nct_id, rules_fp, source.strip(), schema, index_date, assume)
    except TrialkitError as exc:
        st.error(_("The database cannot be used: {error}").format(error=md_escape(said(exc), limit=400)))
        return
    s = res.summary
    labels = {c.id: ruleset.criterion_words(c) for c in ruleset.criteria}
    st.caption(_("{source} · index date {date} · rules: {rules}").format(
        source=md_escape(said(res.label)), date=i18n_date(index_date), rules=md_escape(said(ruleset.source))))
    if res.synthetic:
        st.info(_("SYNTHETIC OMOP database: generated persons, not real people."), icon=":material/science:")
    m = st.columns(4)
    m[0].metric(_("Persons"), show(s.n))
    m[1].metric(_("Eligible"), show(s.eligible))
    m[2].metric(_("Needs review"), show(s.needs_review))
    m[3].metric(_("Ineligible"), show(s.ineligible))
    notes = res.notes(suppress=common.is_demo())  # small counts read "<5" in demo mode
    if notes:
        unknown_fields = len(res.values.unmapped) + len(res.values.unresolved)
        st.warning(_("{n} of the rules' fields have no value in this database (unknown for everyone: their criteria "
                     "can only say 'needs review'); the others are unknown where a person has no usable record. "
                     "Details below.").format(n=unknown_fields), icon=":material/help:")
        with st.expander(_("What was unknown, for how many ({n} notes)").format(n=len(notes)), expanded=False):
            st.dataframe(pd.DataFrame({_("note"): [said(n) for n in notes]}), hide_index=True, width="stretch")
    label = (_("{cohort}, every clinician's judgment assumed favourable (upper bound)").format(cohort=said(res.label))
             if assume else said(res.label))
    st.plotly_chart(charts.funnel_figure(s, labels, label), key="cohort_db_funnel")
    st.plotly_chart(charts.attribution_figure(s, labels, label), key="cohort_db_attr")
    st.dataframe(pd.DataFrame([{_("criterion"): c, _("remaining"): show(f["remaining"]),
                                _("excluded by it alone"): show(s.sole_exclusions[c]),
                                _("Shapley share"): round(s.shapley[c], 1)}
                               for f in s.funnel for c in [f["id"]]]), hide_index=True, width="stretch")
    bounds = [b for b in numeric_bounds(ruleset) if b.field in res.values.fields]
    if bounds:
        move_a_bound(res, bounds, label, (trial.nct_id, rules_fp, source.strip(), schema, index_date, assume))
    return None


def bound_range(b) -> tuple[float, float, float]:
    lo, hi = (b.value * 0.5, b.value * 1.5) if b.value > 0 else (b.value - 10, b.value + 10)
    return float(lo), float(hi), 0.5 if hi - lo < 50 else 1.0


def slider_move(res, b, value: float, label: str):
    """The page's whole slider path: the curve from the scan's cached histogram (no query after the bound's
    first touch), the count at ``value`` and the chart (what bench/omop_summary.py times)."""
    lo, hi, step = bound_range(b)
    ts = np.arange(lo, hi + step / 2, step)
    curve = res.curve(b.key, ts)
    at = int(res.curve(b.key, np.array([value]))["not_excluded"][0])
    title = bound_title(b)
    return charts.curve_figure(b.field, ts, curve, b.value, value, label, title), at


@st.cache_resource(show_spinner=False, max_entries=256, ttl=3600)
def curve_figure(scan_key: tuple, bound_key: str, value: float, label: str, lang: str, _res, _bound):
    """:func:`slider_move` keyed by small values (the scan's key, the bound, its value, the interface
    language of the chart's words): moving back and forth redraws from the cache."""
    return slider_move(_res, _bound, value, label)


@language.fragment
def move_a_bound(res, bounds, label: str, scan_key: tuple) -> None:
    """A fragment: a slider move reruns only this (no scan lookup, no funnel redraw)."""
    show = common.show_count
    st.subheader(_("Move a bound"), anchor=False)
    b = next(x for x in bounds if x.key == st.selectbox(
        _("Bound"), [x.key for x in bounds], key="cohort_db_bound",
        format_func=lambda k: next(bound_title(x) for x in bounds if x.key == k)))
    lo, hi, step = bound_range(b)
    value = st.slider(bound_slider_label(b), min_value=lo, max_value=hi, value=float(b.value), step=step,
                      key=f"cohort_db_bound_{b.key}", help=_("Answered from a cached histogram: no new query."))
    fig, at = curve_figure(scan_key, b.key, float(value), label, current_language(), res, b)
    st.metric(_("Eligible or needs review at this threshold"), show(at))
    st.plotly_chart(fig, key="cohort_db_curve")
