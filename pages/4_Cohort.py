"""Cohort what-if: who each criterion excludes in a cohort, and what moving a bound would change. UI only:
every number comes from trialkit.cohort; the cohort is cached by small keys and never regenerated when a
threshold moves or the optimistic-upper-bound box (every clinician's judgment assumed favourable) is ticked."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import streamlit as st

from trialkit.csv_export import csv_bytes
from trialkit.cohort import charts
from trialkit.cohort.analysis import WhatIf, compare_groups, patient_results, status_from_codes, summarize
from trialkit.cohort.io import MAX_BYTES
from trialkit.cohort.params import (POPULATIONS, SPECS, default_params, params_hash, population_for, source_of,
                                    validate_params)
from trialkit.cohort.pipeline import (SIMULATED_LABEL, Cohort, CohortRun, evaluate, file_cohort,
                                     simulated_cohort)
from trialkit.criteria.judgment import judgment_criteria
from trialkit.errors import TrialkitError
from trialkit import i18n
from trialkit.i18n import N_, _, current_language, ngettext
from trialkit.plain_language import bound_slider_label, bound_title, canonical_unit_words, field_label, upper_first as capitalized
from trialkit.message import said
from ui import common, language, loaders
from ui import whatif as whatif_ui
from ui.text import md_escape, registered_english

trial = common.page(N_("Cohort what-if"))
#: The comparison groups (trialkit.cohort.analysis.group_masks).
GROUP_WORDS = (N_("Whole cohort"), N_("Eligible or needs review"), N_("Eligible"))


demo = common.is_demo()
show = common.show_count


@st.cache_resource(show_spinner=False, max_entries=2, ttl=3600)
def _simulated(nct_id: str, rules_fp: tuple, n: int, seed: int, phash: str, population: str,
               _params: tuple) -> Cohort:
    """Keyed by (trial id, rules fingerprint, n, seed, parameter hash, population): never by a DataFrame."""
    return simulated_cohort(loaders.ruleset(loaders.trial(nct_id)), n, seed, dict(_params), population)


@st.cache_resource(show_spinner=False, max_entries=2, ttl=3600)
def _uploaded(nct_id: str, rules_fp: tuple, sha: str, name: str, _data: bytes) -> Cohort:
    """Keyed by the file's sha256 (and the trial): the upload itself is not hashed by Streamlit."""
    return file_cohort(loaders.ruleset(loaders.trial(nct_id)), _data, source=name, max_bytes=MAX_BYTES)


def _run(ruleset, cohort: Cohort, assume: str | None) -> tuple[CohortRun, WhatIf]:
    matrix = evaluate(ruleset, cohort, assume)
    run = CohortRun(ruleset, cohort, matrix, summarize(matrix.codes, matrix.criterion_ids), assume)
    return run, run.what_if()


@st.cache_resource(show_spinner=False, max_entries=3, ttl=3600)
def simulated_run(nct_id: str, rules_fp: tuple, n: int, seed: int, phash: str, population: str,
                  assume: str | None, _params: tuple) -> tuple[CohortRun, WhatIf]:
    """The cohort is simulated once per key; ticking the judgment assumption only re-evaluates it."""
    ruleset = loaders.ruleset(loaders.trial(nct_id))
    return _run(ruleset, _simulated(nct_id, rules_fp, n, seed, phash, population, _params), assume)


@st.cache_resource(show_spinner=False, max_entries=3, ttl=3600)
def uploaded_run(nct_id: str, rules_fp: tuple, sha: str, name: str, assume: str | None,
                 _data: bytes) -> tuple[CohortRun, WhatIf]:
    ruleset = loaders.ruleset(loaders.trial(nct_id))
    return _run(ruleset, _uploaded(nct_id, rules_fp, sha, name, _data), assume)


@st.cache_resource(show_spinner=False, max_entries=2, ttl=3600)
def fhir_run(nct_id: str, rules_fp: tuple, fhir_key: tuple, assume: str | None,
             _cohort: Cohort) -> tuple[CohortRun, WhatIf]:
    """A FHIR export's cohort (read by ui/cohort_database.py), evaluated once per key."""
    return _run(loaders.ruleset(loaders.trial(nct_id)), _cohort, assume)


st.header(_("Cohort what-if · {nct_id}").format(nct_id=trial.nct_id), anchor=False)
st.caption(md_escape(trial.title))
registered_english()
st.markdown(_("Who each criterion excludes in a cohort, and what widening a bound would buy. Choose a "
              "**Simulated cohort** (a reference population drawn from stated distributions: not real patients), "
              "upload your own cohort as a CSV, or use a **Database**: an OMOP CDM database (DuckDB, PostgreSQL, "
              "a folder of OMOP parquet files, or trialkit's embedded synthetic one) where the criteria run inside "
              "the database, or a FHIR Bulk Data export (NDJSON)."))

rules_fp = loaders.rules_fingerprint(trial)
try:
    ruleset = loaders.ruleset(trial)
except TrialkitError as exc:
    st.error(_("The trial's rules cannot be loaded: {error}").format(error=md_escape(said(exc), limit=400)))
    st.stop()
fields_used = ruleset.fields_used()
labels = {c.id: ruleset.criterion_words(c) for c in ruleset.criteria}

DATABASE_SOURCE = "Database (OMOP CDM or FHIR export)"  # issue 14: drawn by ui/cohort_database.py
UPLOAD_SOURCE = "Upload a CSV"
SOURCE_WORDS = {SIMULATED_LABEL: N_("Simulated cohort"), UPLOAD_SOURCE: N_("Upload a CSV"),
                DATABASE_SOURCE: N_("Database (OMOP CDM or FHIR export)")}
source = st.radio(_("Cohort"), [SIMULATED_LABEL, UPLOAD_SOURCE, DATABASE_SOURCE], horizontal=True,
                  key="cohort_source", format_func=lambda s: _(SOURCE_WORDS.get(s, s)))
n_judged = len(judgment_criteria(ruleset))
assume_box = st.checkbox(
    _("Optimistic upper bound: every clinician's judgment assumed favourable ({n} criteria)").format(n=show(n_judged)),
    key="cohort_assume_judgment", disabled=not n_judged,
    help=_("Counts every clinician's-judgment question as answered in the patient's favour (an exclusion's "
           "condition absent, an inclusion's requirement met), and informed consent as given when the cohort "
           "does not record it (both are settled at the screening visit). Nobody is eligible without this box "
           "while those questions are open; with it, 'eligible' is an upper bound, not a forecast."))
assume = "favourable" if assume_box and n_judged else None
run: CohortRun | None = None
whatif: WhatIf | None = None

if source == DATABASE_SOURCE:
    from ui import cohort_database

    fhir = cohort_database.render(trial, ruleset, rules_fp, assume)  # an OMOP source is drawn there in full
    if fhir is None:
        st.stop()
    run, whatif = fhir_run(trial.nct_id, rules_fp, fhir[1], assume, fhir[0])
    run_key = (trial.nct_id, rules_fp, *fhir[1], assume)
elif source == SIMULATED_LABEL:
    pop_default = population_for(fields_used).key
    c1, c2, c3 = st.columns([1, 1, 2])
    n = c1.number_input(_("Patients"), min_value=1_000, max_value=1_000_000, value=50_000, step=10_000,
                        key="cohort_n", help=_("Size of the simulated cohort (up to 1,000,000)."))
    seed = c2.number_input(_("Seed"), min_value=0, max_value=2**31 - 1, value=1, step=1, key="cohort_seed",
                           help=_("The same seed gives the same cohort."))
    pop_keys = list(POPULATIONS)
    population = c3.selectbox(_("Reference population"), pop_keys, index=pop_keys.index(pop_default),
                              format_func=lambda k: _(POPULATIONS[k].label), key="cohort_population")
    defaults = default_params(population)
    relevant = [s for s in SPECS.values() if not s.fields or set(s.fields) & set(fields_used + ["age"])]
    with st.expander(_("Simulation parameters (each with its source, or marked as an assumption)")):
        st.caption(_(POPULATIONS[population].description) + i18n.sentence_separator() + _("Edit a value in the 'value' column; the cohort "
                                                                   "is regenerated with the new parameters."))
        names = {"parameter": _("parameter"), "what": _("what"), "value": _("value"), "unit": _("unit"),
                 "source": _("source"), "note": _("note")}
        table = pd.DataFrame([{"parameter": s.key, "what": said(s.label), "value": defaults[s.key],
                               "unit": said(s.unit), "source": said(source_of(s.key, population)),
                               "note": said(s.note)} for s in relevant])
        table = table.rename(columns=names)
        edited = st.data_editor(table, key=f"cohort_params_{population}_{i18n.current_language()}", hide_index=True, width="stretch",
                                disabled=[names[c] for c in ("parameter", "what", "unit", "source", "note")],
                                column_config={names["value"]: st.column_config.NumberColumn(format="%.4g")})
    params = dict(defaults)
    params.update({r[names["parameter"]]: float(r[names["value"]]) for r in edited.to_dict("records")
                   if r[names["value"]] is not None and not pd.isna(r[names["value"]])})
    try:
        params = validate_params(params)
    except TrialkitError as exc:
        st.error(_("{error}. The cohort below still uses the last valid parameters.").format(error=md_escape(said(exc))))
        params = st.session_state.get("_cohort_last_params", defaults)
    st.session_state["_cohort_last_params"] = params
    phash = params_hash(params)
    with st.spinner(_("Simulating {n} patients and checking them against every criterion…").format(
            n=i18n.format_decimal(int(n)))):
        run, whatif = simulated_run(trial.nct_id, rules_fp, int(n), int(seed), phash, population, assume,
                                    tuple(sorted(params.items())))
    run_key = (trial.nct_id, rules_fp, "simulated", int(n), int(seed), phash, population, assume)
else:
    up = st.file_uploader(_("Cohort CSV (up to {mb} MB): one column per candidate field, optional patient_id").format(
        mb=MAX_BYTES // 2**20), type=["csv"], key="cohort_upload")
    template = pd.DataFrame(columns=["patient_id", *fields_used,
                                     *(f"judgment.{c.id}" for c in judgment_criteria(ruleset))])
    st.download_button(_("Download an empty template for this trial (CSV)"), csv_bytes(template),
                       file_name=f"{trial.nct_id}_cohort_template.csv", mime="text/csv",
                       icon=":material/download:")
    st.caption(_("Values as in the criteria check: a bare number is in the field's usual unit; a number with a "
                 "unit (9.8 g/dL, 7 mIU/mL) is converted; yes/no facts as yes or no; HPV types like 16;52; a "
                 "clinician's answer to a criterion's judgment question in a column judgment.E17 (yes = the "
                 "condition asked about holds); an empty cell is unknown. Errors name the row (the header is row "
                 "1) and the column."))
    if up is None:
        st.info(_("Upload a CSV to see your cohort, or switch to the Simulated cohort."))
        st.stop()
    data = up.getvalue()
    if len(data) > MAX_BYTES:
        st.error(_("The file is {size:.1f} MB; the limit is {mb} MB.").format(size=len(data) / 2**20, mb=MAX_BYTES // 2**20))
        st.stop()
    sha = hashlib.sha256(data).hexdigest()
    try:
        with st.spinner(_("Checking the file and evaluating every patient…")):
            run, whatif = uploaded_run(trial.nct_id, rules_fp, sha, up.name, assume, data)
        run_key = (trial.nct_id, rules_fp, "upload", sha, assume)
    except TrialkitError as exc:
        problems = [said(p) for p in getattr(exc, "problems", None) or [exc]]
        st.error(ngettext("The file cannot be used: {n} problem. Nothing was changed.",
                          "The file cannot be used: {n} problems. Nothing was changed.", len(problems)).format(n=len(problems)))
        st.dataframe(pd.DataFrame({_("problem"): problems}), hide_index=True, width="stretch")
        st.stop()

assert run is not None and whatif is not None
cohort = run.cohort
label = said(cohort.label)
st.caption(_("{provenance} · rules: {source}").format(provenance=md_escape(said(cohort.provenance)),
                                                      source=md_escape(said(ruleset.source))))
if cohort.simulated:
    st.info(_("Simulated cohort: simulated patients from stated distributions, not real people."),
            icon=":material/science:")
assumed = run.assumed or {}
if run.assumption:
    st.warning(_("**{assumption}.** Every count on this page is an upper bound: real patients will not all clear "
                 "the clinician's questions.").format(assumption=md_escape(capitalized(said(run.assumption)))),
               icon=":material/trending_up:")
    label_charts = _("{cohort}, every clinician's judgment assumed favourable (upper bound)").format(cohort=label)
else:
    label_charts = label
missing_now = {f: w for f, w in cohort.missing_fields.items() if f not in assumed}
if missing_now:
    st.warning(_("Unknown for everyone in this cohort (the criteria that need them can only say 'needs review'): "
                 "{fields}").format(fields="; ".join(f"{field_label(f)} — {md_escape(said(w))}"
                                                     for f, w in missing_now.items())),
               icon=":material/help:")


# -- cohort sources plug in above: a source sets ``run, whatif`` (a CohortRun and its WhatIf) ------------------
# -- the counts and the tabs: one fragment, so a threshold slider reruns only this, never the sidebar,
#    the catalog, the parameter table or the cached cohort lookup above ---------------------------------------
@st.cache_resource(show_spinner=False, max_entries=256, ttl=3600)
def bound_curve(run_key: tuple, bound_key: str, others: tuple, value: float, label_charts: str, title: str,
                lang: str, _whatif: WhatIf):
    """One bound's curve and chart, keyed by small values (the run's key, the other moved bounds, this
    bound's value, the interface language of the chart's words), so moving a slider back and forth, or
    another tab's rerun, does not recompute it."""
    b = next(x for x in _whatif.bounds if x.key == bound_key)
    lo, hi, step = _whatif.slider_range(bound_key)
    ts = np.arange(lo, hi + step / 2, step)
    if ts.size > 400:
        ts = np.linspace(lo, hi, 400)
    curve = _whatif.curve(bound_key, ts, dict(others))
    alone = int(_whatif.curve(bound_key, np.array([value]))["not_excluded"][0])
    return charts.curve_figure(b.field, ts, curve, b.value, value, label_charts, title), alone


@st.cache_resource(show_spinner=False, max_entries=64, ttl=3600)
def summary_figures(run_key: tuple, overrides: tuple, label_charts: str, lang: str, _whatif: WhatIf, _summary,
                    _labels):
    """The funnel and attribution charts for one set of moved bounds (small keys, never a DataFrame)."""
    return (charts.funnel_figure(_summary, _labels, label_charts),
            charts.attribution_figure(_summary, _labels, label_charts))


MOVED = "_cohort_moved"  # {bound key: value}: the what-if bounds moved so far (kept while not shown)


def _remember_bound(bound_key: str) -> None:
    """The slider's on_change: its value joins the moved bounds before the fragment reruns."""
    st.session_state.setdefault(MOVED, {})[bound_key] = float(st.session_state[f"cohort_bound_{bound_key}"])


@language.fragment
def results(run: CohortRun, whatif: WhatIf, run_key: tuple) -> None:
    """Counts, tabs and the what-if sliders for one evaluated cohort."""
    cohort = run.cohort
    label = said(cohort.label)
    label_charts = (_("{cohort}, every clinician's judgment assumed favourable (upper bound)").format(cohort=label)
                    if run.assumption else label)
    # -- what-if state (before the counts, so the counts show the moved bounds) --------------------------
    bounds = whatif.bounds
    moved = st.session_state.setdefault(MOVED, {})  # survives while another bound's slider is shown
    overrides: dict[str, float] = {b.key: float(moved[b.key]) for b in bounds
                                   if moved.get(b.key) is not None and float(moved[b.key]) != b.value}
    summary = whatif.summary(overrides) if overrides else run.summary
    status = status_from_codes(whatif.codes(overrides))

    base = run.summary
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(_("Patients ({cohort})").format(cohort=label), show(summary.n))
    m2.metric(_("Eligible (upper bound)") if run.assumption else _("Eligible"), show(summary.eligible),
              delta=(f"{summary.eligible - base.eligible:+,}" if overrides and not demo else None))
    m3.metric(_("Needs review"), show(summary.needs_review),
              delta=(f"{summary.needs_review - base.needs_review:+,}" if overrides and not demo else None),
              delta_color="off")
    m4.metric(_("Excluded"), show(summary.ineligible),
              delta=(f"{summary.ineligible - base.ineligible:+,}" if overrides and not demo else None),
              delta_color="inverse")
    notes = []
    if overrides:
        notes.append(_("Counts with the what-if bounds in force (the deltas compare with the protocol's own bounds)."))
    if run.assumption and summary.needs_review:
        notes.append(_("With every judgment question settled, 'needs review' counts patients with values missing "
                       "from the cohort."))
    elif summary.eligible == 0 and summary.needs_review:
        notes.append(_("Nobody is plainly eligible when some criterion always needs a clinician (e.g. informed consent "
                       "or judgment): 'needs review' is then the group to watch, or tick the optimistic upper bound "
                       "above.") if n_judged else
                     _("Nobody is plainly eligible when some criterion always needs a clinician (e.g. informed consent "
                       "or judgment): 'needs review' is then the group to watch."))
    st.caption(i18n.sentence_separator().join(notes) or _("Counts under the protocol's own bounds."))  # always one element: tabs keep their place

    tab_funnel, tab_who, tab_whatif, tab_groups, tab_download = common.lazy_tabs(
        [("funnel", _("Funnel")), ("excluded", _("Who each criterion excludes")), ("what-if", _("What if")),
         ("groups", _("Eligible vs whole cohort")), ("per-patient", _("Per-patient results"))],
        key="cohort_tab")  # lazy: only the open tab's content runs and is sent; the link keeps it (?tab=)

    funnel_fig, attribution_fig = summary_figures(run_key, tuple(sorted(overrides.items())), label_charts,
                                                  current_language(), whatif, summary, labels)
    with tab_funnel:
        if tab_funnel.open is not False:  # None: state tracking off (all tabs run)
            st.plotly_chart(funnel_fig, key="cohort_funnel_chart")
            st.dataframe(pd.DataFrame([{
                _("criterion"): f["id"], _("text"): labels.get(f["id"], ""), _("remaining"): show(f["remaining"]),
                _("eligible so far"): show(f["eligible_so_far"]), _("needs review so far"): show(f["review_so_far"]),
                _("excluded here"): show(f["excluded_here"])} for f in summary.funnel]), hide_index=True,
                width="stretch")
            st.caption(_("Protocol order. 'Remaining' = patients no criterion up to this one has failed; the last "
                         "row's remaining = eligible + needs review."))

    with tab_who:
        if tab_who.open is not False:  # None: state tracking off (all tabs run)
            st.plotly_chart(attribution_fig, key="cohort_attr_chart")
            st.dataframe(pd.DataFrame([{
                _("criterion"): c, _("text"): labels.get(c, ""), _("fail it"): show(summary.failing[c]),
                _("excluded by it alone"): show(summary.sole_exclusions[c]),
                _("Shapley share"): show(summary.shapley[c]),
                _("% of exclusions"): common.count(summary.shapley[c]).rate(summary.exclusion_share(c), digits=1)
                or "–",
                _("unknown"): show(summary.unknown[c])} for c in [f["id"] for f in summary.funnel]]),
                hide_index=True, width="stretch")
            st.caption(_("Shapley share: each excluded patient is split equally among the criteria she fails (exact, "
                         "no sampling); the shares add up to the excluded count. 'Excluded by it alone': patients who "
                         "fail this criterion and no other, i.e. who would be gained by dropping it."))

    with tab_whatif:
        if tab_whatif.open is not False:  # None: state tracking off (all tabs run)
            if not bounds:
                st.info(_("This trial's rules have no numeric bound to move."))
            else:
                if st.button(_("Reset every bound to the protocol"), icon=":material/restart_alt:"):
                    moved.clear()
                    for b in bounds:
                        st.session_state.pop(f"cohort_bound_{b.key}", None)
                    st.rerun(scope="fragment")
                lines = whatif.amendment_lines(overrides)
                st.subheader(_("Summary of changes (as a protocol amendment would read)"), anchor=False)
                if lines:
                    st.text("\n".join(line.text(count=show) for line in lines))
                else:
                    st.caption(_("No bound moved yet: choose a bound and move its slider below."))
                titles = {b.key: (f"{bound_title(b)} "
                                  f"({_(whatif_ui.KIND_WORDS.get(b.criterion_kind, b.criterion_kind))})")
                          for b in bounds}
                # one bound's slider and curve at a time: a key press redraws one chart, not one per bound
                pick = st.selectbox(ngettext("Bound to move ({n} in this trial's rules)",
                                             "Bound to move ({n} in this trial's rules)", len(bounds)).format(
                                        n=len(bounds)),
                                    list(titles), key="cohort_bound_pick",
                                    format_func=lambda k: titles[k] + (f" → {moved[k]:g}" if k in overrides else ""))
                b = next(x for x in bounds if x.key == pick)
                lo, hi, step = whatif.slider_range(b.key)
                skey = f"cohort_bound_{b.key}"
                if skey not in st.session_state:  # shown again after another bound: its moved value back
                    st.session_state[skey] = float(moved.get(b.key, b.value))
                if not lo <= st.session_state[skey] <= hi:
                    st.session_state[skey] = float(min(max(st.session_state[skey], lo), hi))
                with st.container(border=True):
                    left, right = st.columns([1, 2])
                    with left:
                        st.markdown(f"**{md_escape(titles[b.key])}**")
                        st.caption(md_escape(labels.get(b.criterion_id, ""), limit=300))
                        fmt = "%.0f" if step >= 1 else ("%.1f" if step >= 0.1 else "%.2f")
                        value = st.slider(bound_slider_label(b), min_value=lo, max_value=hi, step=step, format=fmt, key=skey,
                                          on_change=_remember_bound, args=(b.key,),
                                          help=_("Moves this bound; the cohort is not regenerated. Other moved "
                                                 "bounds stay in force."))
                        others = tuple(sorted((k, v) for k, v in overrides.items() if k != b.key))
                        fig, alone = bound_curve(run_key, b.key, others, float(value), label_charts, titles[b.key],
                                                 current_language(), whatif)
                        gain = alone - (base.eligible + base.needs_review)
                        st.metric(_("Eligible or needs review"), show(summary.eligible + summary.needs_review),
                                  delta=(_("{gain} from this bound alone").format(gain=f"{gain:+,}")
                                         if value != b.value and not demo else None),
                                  help=_("With every moved bound in force; the delta is this bound's change "
                                         "alone against the protocol."))
                        st.caption(_("Eligible: {n} · protocol value {value}").format(
                            n=show(summary.eligible), value=f"{b.value:g}"))
                    with right:
                        st.plotly_chart(fig, key=f"cohort_curve_{b.key}")

    with tab_groups:
        if tab_groups.open is not False:  # None: state tracking off (all tabs run)
            age = pd.to_numeric(pd.Series(cohort.frame["age"]) if "age" in cohort.frame else pd.Series(dtype=float),
                                errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if age.size and np.isfinite(age).any():
                st.plotly_chart(charts.age_figure(age, status, label_charts, count=show), key="cohort_age_chart")
            else:
                st.info(_("This cohort has no ages, so the age distributions cannot be compared."))
            num_fields = [f for f in fields_used if f in cohort.frame.columns and
                          pd.api.types.is_float_dtype(cohort.frame[f].dtype)]
            cmp = compare_groups(cohort.frame, status, ["age", *[f for f in num_fields if f != "age"]])
            if not cmp.empty:
                cmp = cmp[cmp["patients"] > 0]
                cmp["field"] = [field_label(f) + (f" ({canonical_unit_words(f)})" if canonical_unit_words(f) else "")
                                for f in cmp["field"]]
                cmp["patients"] = [show(int(v)) for v in cmp["patients"]]
                names = {"field": _("field"), "group": _("group"), "patients": _("patients"),
                         "known_pct": _("% with a value"), "median": _("median"), "p10": _("10th pct"),
                         "p90": _("90th pct")}
                if "group" in cmp:
                    cmp["group"] = [_(g) for g in cmp["group"]]
                st.dataframe(cmp.rename(columns=names), hide_index=True, width="stretch",
                             column_config={names[c]: st.column_config.NumberColumn(format="%.1f")
                                            for c in ["known_pct", "median", "p10", "p90"]})
            st.caption(_("Groups under the bounds now in force. {cohort}.").format(cohort=label))

    with tab_download:
        if tab_download.open is not False:  # None: state tracking off (all tabs run)
            if demo:
                st.info(_("Demo mode: per-patient tables and downloads are turned off."))
            else:
                st.caption(_("One row per patient of the {cohort}: status, failed and unknown criteria (with the "
                             "what-if bounds in force), then the values evaluated.").format(
                    cohort=label.lower() if cohort.simulated and i18n.current_language() == "en" else label))
                if st.button(_("Prepare the per-patient file"), icon=":material/table:", key="cohort_prepare"):
                    with st.spinner(_("Writing one row per patient…")):
                        res = patient_results(whatif.codes(overrides), whatif.m.criterion_ids, cohort.frame,
                                              cohort.patient_ids)
                        if run.assumption:
                            res.insert(0, "assumption", run.assumption)
                        if cohort.simulated:
                            res.insert(0, "cohort", SIMULATED_LABEL)
                        st.session_state["_cohort_download"] = (json.dumps([trial.nct_id, cohort.provenance,
                                                                            sorted(overrides.items()), assume]),
                                                                csv_bytes(res), res.head(200))
                ready = st.session_state.get("_cohort_download")
                key_now = json.dumps([trial.nct_id, cohort.provenance, sorted(overrides.items()), assume])
                if ready and ready[0] == key_now:
                    st.download_button(_("Download per-patient results (CSV)"), ready[1],
                                       file_name=(f"{trial.nct_id}_{'simulated_' if cohort.simulated else ''}cohort_results.csv"),
                                       mime="text/csv", icon=":material/download:")
                    st.dataframe(ready[2], hide_index=True, width="stretch")
                    st.caption(_("First 200 rows shown."))


results(run, whatif, run_key)
