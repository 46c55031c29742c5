"""What-if page helpers: the candidate inputs (one per field the trial's rules read), kept in the URL.

Every input can be left unknown; a slider moves at once (moving it makes its value known, "Clear" makes it
unknown again). The scenario lives in query parameters named after the fields
(``?trial=NCT07176143&age=39&fsh=10.4&pregnant=no&hpv_types=16,52&months_since_other_trial=never``), so a
link reproduces it. A URL this session has not seen before (a fresh session, a pasted link, another trial)
sets the widgets; otherwise the widgets win and are written back to the URL (a late echo of an earlier
URL, which quick slider moves can cause, never undoes the newest move).

A clinician's answer to a criterion's judgment question is an input too, under "Clinician's judgment":
yes / no / unknown per criterion with a judgment rule, kept in the URL as ``judgment.E17=no``
(:mod:`trialkit.criteria.judgment`: "yes" = the condition asked about holds).
"""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from trialkit import values
from trialkit.criteria import judgment
from trialkit.criteria.fields import FIELDS, HR_HPV_TYPES, FieldSpec
from trialkit.criteria.ruleset import Ruleset
from trialkit.errors import TrialkitError
from trialkit.i18n import N_, _, current_language, ngettext, pgettext
from trialkit.plain_language import field_display, field_label
from trialkit.message import said
from ui.text import md_escape

SYNC_KEY = "_whatif_url"  # the scenarios (query parameters) this session has written or applied
UNKNOWN, VALUE, NEVER = "unknown", "value", "never"
#: HPV types offered besides the 15 high-risk ones (common low-risk types), so a negative case can be built.
OTHER_HPV = ("6", "11", "26", "40", "42", "43", "44", "54", "61", "70", "72", "73", "81", "82")


def choice_word(value: str) -> str:
    """A choice as the person reads it, in the page's language (the stored value stays the English word)."""
    return {UNKNOWN: _("unknown"), "yes": _("yes"), "no": _("no"), "female": _("female"),
            "male": _("male")}.get(value, value)


# -- URL <-> canonical values --------------------------------------------------------------------------
def to_param(spec: FieldSpec, value) -> str:
    """The canonical written form (:mod:`trialkit.values`), as a link carries it."""
    return values.write(spec.name, value)


def slider_range(ruleset: Ruleset, spec: FieldSpec, value=None) -> tuple[float, float]:
    """A slider span around the trial's thresholds on this field, inside the field's plausible range."""
    th = [t[2] for t in ruleset.thresholds(spec.name)]
    if not th:
        lo, hi = spec.low, spec.high
    else:
        a, b = min(th), max(th)
        pad = max((b - a) / 2, abs((a + b) / 2), 10 * spec.step)
        lo, hi = max(spec.low, a - pad), min(spec.high, b + pad)
    if value is not None and not math.isinf(value):
        lo, hi = min(lo, value), max(hi, value)
    if spec.integer or spec.step >= 1:
        lo, hi = math.floor(lo), math.ceil(hi)
    return float(lo), float(hi)


def _keys(name: str) -> tuple[str, str]:
    return f"wi_state_{name}", f"wi_{name}"


def _judgment_inputs(ruleset: Ruleset) -> list[tuple[str, object]]:
    """(URL key ``judgment.E17``, criterion) for every criterion with a judgment rule, in protocol order."""
    return [(judgment.key_for(c.id), c) for c in judgment.judgment_criteria(ruleset)]


def _apply_url(ruleset: Ruleset) -> list[str]:
    """Set the widgets from the URL's values (when the URL changed from outside). Returns problems."""
    problems = []
    wanted = {k for k, _crit in _judgment_inputs(ruleset)}
    for k in st.query_params:
        if judgment.is_judgment_key(k) and k not in wanted:
            try:
                judgment.resolve_key(k, ruleset)
                why = _("write it as {key}").format(key=judgment.resolve_key(k, ruleset))
            except TrialkitError as exc:
                why = said(exc)
            problems.append(_("link value {name}={value} ignored: {why}").format(
                name=k, value=repr(st.query_params.get(k)), why=why))
    for key, _crit in _judgment_inputs(ruleset):
        raw = st.query_params.get(key)
        value = None
        if raw is not None:
            try:
                value = values.parse(key, raw)
            except TrialkitError as exc:
                problems.append(_("link value {name}={value} ignored: {why}").format(name=key, value=repr(raw), why=said(exc)))
        st.session_state[_keys(key)[1]] = UNKNOWN if value is None else ("yes" if value else "no")
    for name in ruleset.fields_used():
        spec = FIELDS[name]
        state_key, key = _keys(name)
        raw = st.query_params.get(name)
        value = None
        if raw is not None:
            try:
                value = values.parse(name, raw)
            except TrialkitError as exc:
                problems.append(_("link value {name}={value} ignored: {why}").format(name=name, value=repr(raw), why=said(exc)))
        if spec.kind == "number":
            if value is None:
                st.session_state[state_key] = UNKNOWN if spec.allow_never else False
            elif value == math.inf:
                st.session_state[state_key] = NEVER
            else:
                st.session_state[state_key] = VALUE if spec.allow_never else True
                st.session_state[key] = int(value) if (spec.integer or spec.step >= 1) and value == int(value) \
                    else float(value)
        elif spec.kind == "yesno":
            st.session_state[key] = UNKNOWN if value is None else ("yes" if value else "no")
        elif spec.kind == "sex":
            st.session_state[key] = UNKNOWN if value is None else value
        else:
            st.session_state[state_key] = UNKNOWN if value is None else VALUE
            st.session_state[key] = sorted(value or [], key=int)
    return problems


def _threshold_caption(ruleset: Ruleset, spec: FieldSpec) -> str:
    return " · ".join(ruleset.describe_thresholds(spec.name))


def _set_known(state_key: str, known) -> None:
    st.session_state[state_key] = known


def _number_input(ruleset: Ruleset, spec: FieldSpec, snap: dict, state_written: bool = False) -> object:
    """A slider that moves at once. Unknown is a real state: the slider then rests mid-range and the
    verdict ignores it; moving it makes the value known (``on_change``), and the clear button returns it to
    unknown. A time since an event adds an unknown / months ago / never choice.

    Few elements per field (a slider move redraws every one of them, and each is a message to the browser):
    one horizontal row holding the slider and its Clear button, then one caption."""
    state_key, key = _keys(spec.name)
    if spec.allow_never:
        labels = {UNKNOWN: _("unknown"), VALUE: _("months ago"), NEVER: _("never")}
        state = st.radio(field_display(spec.name), [UNKNOWN, VALUE, NEVER], key=state_key, format_func=labels.get,
                         horizontal=True, help=pgettext("field help", spec.help) if spec.help else None)
        label_visibility = "collapsed"
        on_move = VALUE
    else:
        if snap.get(state_key) not in (True, False):
            st.session_state[state_key] = snap.get(state_key) == VALUE
        known = bool(st.session_state[state_key])
        state = VALUE if known else UNKNOWN
        label_visibility = "visible"
        on_move = True
    row = st.container(horizontal=True, vertical_alignment="center" if spec.allow_never else "bottom",
                       gap="small")
    current = snap.get(key)
    lo, hi = slider_range(ruleset, spec, current if isinstance(current, (int, float)) else None)
    whole = spec.integer or spec.step >= 1
    if not isinstance(current, (int, float)):
        mid = (lo + hi) / 2
        current = st.session_state[key] = int(round(mid)) if whole else round(mid, 1)
        state_written = True
    # On a plain move ``value`` is the widget's own state (never a second source): passing it spares Streamlit
    # a scan of the whole session state per slider. Not when this run wrote the state (a link, a first draw):
    # Streamlit then reads it from the state itself (and would warn about a default set twice).
    current = None if state_written else current
    kw = dict(key=key, label_visibility=label_visibility, on_change=_set_known, args=(state_key, on_move),
              help=None if spec.allow_never or not spec.help else pgettext("field help", spec.help), width="stretch")
    label = field_display(spec.name)
    if whole:
        value = row.slider(label, int(lo), int(hi), None if current is None else int(current),
                           step=max(1, int(spec.step)), **kw)
    else:
        value = row.slider(label, float(lo), float(hi), None if current is None else float(current),
                           step=float(spec.step), format="%.1f", **kw)
    row.button(_("Clear"), key=f"wi_clear_{spec.name}", icon=":material/backspace:", type="tertiary",
               disabled=state == UNKNOWN, on_click=_set_known,
               args=(state_key, UNKNOWN if spec.allow_never else False),
               help=_("Make {field} unknown again").format(field=field_label(spec.name)))
    cap = _threshold_caption(ruleset, spec)
    known_text = {UNKNOWN: _("unknown (move the slider to set it)"), NEVER: _("never")}.get(state)
    thresholds = _("Thresholds: {thresholds}").format(thresholds=md_escape(cap)) if cap else ""
    st.caption(" · ".join(p for p in (known_text, thresholds) if p) or " ")
    if state == UNKNOWN:
        return None
    if state == NEVER:
        return math.inf
    return float(value)


def candidate_inputs(ruleset: Ruleset) -> tuple[dict, list[str]]:
    """Draw one input per field the rules read; return (canonical candidate, problems with the link)."""
    judged = _judgment_inputs(ruleset)
    sync = st.session_state.get(SYNC_KEY)
    if sync is not None and sync["trial"] != ruleset.nct_id:
        # another trial was chosen: its clinician's answers name *its* criteria, so they must not carry over
        # (E10 of one trial is not E10 of another); plain fields (age, FSH…) mean the same and do carry over
        for name, value in sync.get("written", ()):
            if judgment.is_judgment_key(name) and value is not None and st.query_params.get(name) == value:
                del st.query_params[name]
    params_now = tuple((n, st.query_params.get(n)) for n in [*ruleset.fields_used(), *(k for k, _crit in judged)])
    problems: list[str] = []
    url_applied = False
    # The URL wins only when it says something this session never wrote (a fresh session, a pasted link,
    # another trial). A URL this session wrote earlier is an echo that can arrive late when quick slider
    # moves interrupt reruns; applying it would throw the newest move away.
    if sync is None or sync["trial"] != ruleset.nct_id or params_now not in sync["seen"]:
        problems = _apply_url(ruleset)
        url_applied = True
    # one snapshot of the widget state: every ``key in st.session_state`` copies the whole state
    snap = st.session_state.to_dict()
    fields = [FIELDS[n] for n in ruleset.fields_used()]
    candidate: dict[str, object] = {}
    for heading, never in ((_("**Measurements**"), False),
                           (_("**Time since an event** (months; *never* if it never happened)"), True)):
        specs = [f for f in fields if f.kind == "number" and f.allow_never == never]
        if specs:
            st.markdown(heading)
        for spec in specs:
            v = _number_input(ruleset, spec, snap, url_applied)
            if v is not None:
                candidate[spec.name] = v
    for spec in (f for f in fields if f.kind == "sex"):
        v = st.selectbox(field_label(spec.name), [UNKNOWN, "female", "male"], key=_keys(spec.name)[1],
                         format_func=choice_word)
        if v != UNKNOWN:
            candidate[spec.name] = v
    for spec in (f for f in fields if f.kind == "set"):
        state_key, key = _keys(spec.name)
        c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
        state = c1.selectbox(_("{field} known?").format(field=field_label(spec.name)), [UNKNOWN, VALUE], key=state_key,
                             format_func={UNKNOWN: _("unknown"), VALUE: _("tested")}.get)
        chosen = c2.multiselect(_("{field} detected (empty: none)").format(field=field_label(spec.name)), list(HR_HPV_TYPES) + list(OTHER_HPV),
                                key=key, disabled=state != VALUE, help=pgettext("field help", spec.help) if spec.help else None,
                                format_func=lambda t: (_("HPV {type} (high-risk)") if t in HR_HPV_TYPES else "HPV {type}").format(type=t))
        if state == VALUE:
            candidate[spec.name] = frozenset(chosen)
    facts = [f for f in fields if f.kind == "yesno"]
    if facts:
        st.markdown(_("**Yes / no**"))
        cols = st.columns(2)
        for i, spec in enumerate(facts):
            v = cols[i % 2].selectbox(field_label(spec.name), [UNKNOWN, "yes", "no"], key=_keys(spec.name)[1],
                                      format_func=choice_word)
            if v != UNKNOWN:
                candidate[spec.name] = v == "yes"
    answers = _judgment_widgets(judged)
    candidate.update(answers)
    # write the scenario back to the URL
    written = []
    for spec in fields:
        if spec.name in candidate:
            p = to_param(spec, candidate[spec.name])
            written.append((spec.name, p))
            if st.query_params.get(spec.name) != p:
                st.query_params[spec.name] = p
        else:
            written.append((spec.name, None))
            if spec.name in st.query_params:
                del st.query_params[spec.name]
    ours = {k for k, _crit in judged}
    for key in [k for k in st.query_params if judgment.is_judgment_key(k) and k not in ours]:
        del st.query_params[key]  # not this trial's (a warning said so when the link was read)
    for key, _crit in judged:
        if key in answers:
            p = "yes" if answers[key] else "no"
            written.append((key, p))
            if st.query_params.get(key) != p:
                st.query_params[key] = p
        else:
            written.append((key, None))
            if key in st.query_params:
                del st.query_params[key]
    seen = [] if sync is None or sync["trial"] != ruleset.nct_id else sync["seen"]
    written = tuple(written)
    if written not in seen:
        seen = (seen + [written])[-200:]
    if params_now not in seen:  # what the URL said when this run started is now known too
        seen = (seen + [params_now])[-200:]
    st.session_state[SYNC_KEY] = {"trial": ruleset.nct_id, "seen": seen, "written": written}
    return candidate, problems


JUDGMENT_HELP = N_("A clinician's answer to the question. Yes = what it asks about holds: for an exclusion the "
                 "excluding condition is present (she is out); for an inclusion the requirement is met.")


def _judgment_widgets(judged: list[tuple[str, object]]) -> dict[str, bool]:
    """One yes / no / unknown choice per criterion with a judgment rule; returns the answers given."""
    if not judged:
        return {}
    answers: dict[str, bool] = {}
    st.markdown(f"**{_(judgment.GROUP_TITLE)}**")
    st.caption(_("What only a clinician can decide. Unknown leaves the criterion for review; yes means the "
               "condition asked about holds (an exclusion then excludes, an inclusion is met)."))
    if current_language() != "en":
        st.caption(_("The questions are the rules file's own words, shown as written (English)."))
    answered = any(st.session_state.get(_keys(k)[1], UNKNOWN) != UNKNOWN for k, _crit in judged)
    box = st.expander(ngettext("{n} question", "{n} questions", len(judged)).format(n=len(judged)),
                      expanded=answered) if len(judged) > 12 else st.container()
    with box:
        for key, crit in judged:
            qs = judgment.questions(crit)
            label = (_("{id} (exclusion): {questions}") if crit.kind == "exclusion" else
                     _("{id} (inclusion): {questions}")).format(id=crit.id, questions=" / ".join(qs))
            v = st.radio(md_escape(label, limit=400), [UNKNOWN, "yes", "no"], key=_keys(key)[1], horizontal=True,
                         help=_(JUDGMENT_HELP), format_func=choice_word)
            if v != UNKNOWN:
                answers[key] = v == "yes"
    return answers


STATUS_COLOURS = {"eligible": "green", "ineligible": "red", "needs_review": "orange"}
RESULT_SYMBOLS = {"pass": N_("pass"), "fail": N_("FAIL"), "unknown": N_("unknown")}
#: The Result column is drawn as a coloured tag per value (column_config, no pandas Styler: a Styler is
#: rendered to HTML/CSS on every rerun, about a quarter of the verdict's server time on a slider move).
RESULT_COLOURS = {"fail": "red", "pass": "green", "unknown": "orange"}
KIND_WORDS = {"inclusion": N_("inclusion"), "exclusion": N_("exclusion")}


def result_column() -> dict:
    """The Result column: the criterion's word in the current language as a coloured tag."""
    return st.column_config.MultiselectColumn(options=[_(RESULT_SYMBOLS[k]) for k in RESULT_COLOURS],
                                              color=list(RESULT_COLOURS.values()), width="small")


def criteria_table(result, ruleset: Ruleset | None = None) -> pd.DataFrame:
    """The verdict per criterion; a criterion trialkit made from the structured fields (``SEX``, ``AGE``)
    shows its generated words in the interface language, every other the registry's text verbatim."""
    t = result.table()
    if ruleset is not None and ruleset.generated:
        t["text"] = [said(ruleset.generated[i]) if i in ruleset.generated else text
                     for i, text in zip(t["id"], t["text"])]
    t["status"] = t["status"].map(lambda s: _(RESULT_SYMBOLS[s]))
    t["kind"] = t["kind"].map(lambda k: _(KIND_WORDS[k]) if k in KIND_WORDS else k)
    t = t[["id", "status", "reason", "kind", "text"]]
    return t.rename(columns={"id": _("Criterion"), "kind": _("Kind"), "status": _("Result"), "reason": _("Reason"),
                             "text": _("Criterion text")})
