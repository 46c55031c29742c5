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
from trialkit.cohort.analysis import field_label, field_unit, numeric_bounds
from trialkit.errors import TrialkitError
from ui import common, loaders
from ui.text import md_escape

EMBEDDED, URL, FOLDER = ("Embedded synthetic OMOP database", "Connection URL (DuckDB or PostgreSQL)",
                         "Folder of OMOP parquet files")


@st.cache_resource(show_spinner=False, max_entries=3, ttl=3600)
def _scan(nct_id: str, rules_fp: tuple, source: str, schema: str | None, index_date: dt.date,
          assume: str | None):
    from trialkit.omop.scan import scan

    bar = st.progress(0.0, text="Opening the database…")

    def progress(step, total, text):
        bar.progress(min(step / total, 1.0), text=f"{text[0].upper()}{text[1:]}…")

    try:
        return scan(loaders.ruleset(loaders.trial(nct_id)), source, cdm_schema=schema, index_date=index_date,
                    assume_judgment=assume, progress=progress)
    finally:
        bar.empty()


def render(trial, ruleset, rules_fp: tuple, assume: str | None) -> None:
    """Draw the database source and its results (the caller stops the page after)."""
    from trialkit.omop.synthetic import INDEX_DATE, ensure_default

    show = common.show_count
    kind = st.radio("Database", [EMBEDDED, URL, FOLDER], horizontal=True, key="cohort_db_kind")
    c1, c2, c3 = st.columns([3, 1, 1])
    if kind == EMBEDDED:
        c1.caption("trialkit's seeded SYNTHETIC OMOP CDM v5.4 database (20,000 synthetic persons, mixed units, "
                   "decoy records): no real person.")
        source, schema = None, None
    else:
        source = c1.text_input("duckdb:///file.duckdb or postgresql://user@host/db" if kind == URL
                               else "Folder with person.parquet, measurement.parquet, …", key="cohort_db_source")
        schema = c2.text_input("CDM schema", key="cohort_db_schema", help="Empty: the default schema.") or None
    index_date = c3.date_input("Index date", value=INDEX_DATE if kind == EMBEDDED else dt.date.today(),
                               key="cohort_db_index", help="Criteria are evaluated at this date: age in completed "
                               "years, the latest lab value on or before it within the lookback (365 days).")
    if kind == EMBEDDED:
        with st.spinner("Writing the synthetic OMOP database (first use only)…"):
            source = "duckdb:///" + str(ensure_default())
    elif not source:
        st.info("Give a DuckDB or PostgreSQL URL, or a folder of OMOP parquet files.")
        return
    try:
        res = _scan(trial.nct_id, rules_fp, source.strip(), schema, index_date, assume)
    except TrialkitError as exc:
        st.error(f"The database cannot be used: {md_escape(str(exc), limit=400)}")
        return
    s = res.summary
    labels = {c.id: c.text for c in ruleset.criteria}
    st.caption(f"{md_escape(res.label)} · index date {index_date} · rules: {md_escape(ruleset.source)}")
    if res.synthetic:
        st.info("SYNTHETIC OMOP database: generated persons, not real people.", icon=":material/science:")
    m = st.columns(4)
    m[0].metric("Persons", show(s.n))
    m[1].metric("Eligible", show(s.eligible))
    m[2].metric("Needs review", show(s.needs_review))
    m[3].metric("Ineligible", show(s.ineligible))
    notes = res.notes()
    if notes:
        with st.expander(f"What was unknown, for how many ({len(notes)} notes)", expanded=False):
            st.dataframe(pd.DataFrame({"note": notes}), hide_index=True, width="stretch")
    label = res.label + (", every clinician's judgment assumed favourable (upper bound)" if assume else "")
    st.plotly_chart(charts.funnel_figure(s, labels, label), key="cohort_db_funnel")
    st.plotly_chart(charts.attribution_figure(s, labels, label), key="cohort_db_attr")
    st.dataframe(pd.DataFrame([{"criterion": c, "remaining": show(f["remaining"]),
                                "sole exclusions": show(s.sole_exclusions[c]),
                                "Shapley share": round(s.shapley[c], 1)}
                               for f in s.funnel for c in [f["id"]]]), hide_index=True, width="stretch")
    bounds = [b for b in numeric_bounds(ruleset) if b.field in res.values.fields]
    if not bounds:
        return
    st.subheader("Move a bound", anchor=False)
    b = next(x for x in bounds if x.key == st.selectbox(
        "Bound", [x.key for x in bounds], key="cohort_db_bound",
        format_func=lambda k: next(f"{x.criterion_id} · {field_label(x.field)} {x.describe()}" for x in bounds
                                   if x.key == k)))
    lo, hi = b.value * 0.5 if b.value > 0 else b.value - 10, b.value * 1.5 if b.value > 0 else b.value + 10
    step = 0.5 if hi - lo < 50 else 1.0
    unit = field_unit(b.field)
    value = st.slider(f"{field_label(b.field)} {b.side} threshold" + (f" ({unit})" if unit else ""),
                      min_value=float(lo), max_value=float(hi), value=float(b.value), step=step,
                      key=f"cohort_db_bound_{b.key}", help="Answered from a cached histogram: no new query.")
    ts = np.arange(lo, hi + step / 2, step)
    curve = res.curve(b.key, ts)
    at = res.curve(b.key, np.array([value]))
    st.metric("Eligible or needs review at this threshold", show(int(at["not_excluded"][0])))
    st.plotly_chart(charts.curve_figure(b.field, ts, curve, b.value, value, label, f"{b.criterion_id} · {b.key}"),
                    key="cohort_db_curve")
