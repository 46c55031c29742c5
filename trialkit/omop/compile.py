"""Per-person candidate field values at the index date, and the typed rules compiled to database
expressions with ibis (one expression; DuckDB, PostgreSQL, PySpark, BigQuery, Snowflake, Trino SQL).

Semantics (contracts §6) are the in-memory engine's (:mod:`trialkit.criteria.evaluate`): a missing value is
unknown, never no; codes are non-NULL integers 1 / 0 / -1 combined by the one Kleene core
(:mod:`trialkit.criteria.kleene`) with LEAST / GREATEST on non-NULL operands.

Units: every (measurement concept, unit concept) pair in the window is fetched once (a small aggregate),
its unit concept's UCUM ``concept_code`` is converted to the field's canonical unit with the project's
pint code (:func:`trialkit.criteria.units.convert`) in Python, and the factors go back as a small table.
A pair that cannot be converted leaves the value unknown and is listed (:attr:`PersonValues.unconvertible`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import pandas as pd

from trialkit.criteria import kleene
from trialkit.criteria.evaluate import window_limit
from trialkit.criteria.fields import FIELDS
from trialkit.criteria.judgment import key_for
from trialkit.criteria.rules import FactRule, JudgmentRule, RangeRule, SetRule, WindowRule
from trialkit.criteria.units import convert
from trialkit.errors import CandidateError
from trialkit.omop.mapping import FieldMap, load_mapping, ucum_to_unit
from trialkit.omop.source import OmopSource, OmopSourceError
from trialkit.message import Message

FEMALE, MALE = 8532, 8507


@dataclass
class PersonValues:
    """An ibis table ``person_id`` + one column per mapped field (canonical units; NULL = unknown)."""

    table: object
    fields: list[str]
    #: fields the rules use with no OMOP mapping (unknown for everyone), with why
    unmapped: dict[str, str] = field(default_factory=dict)
    #: (field, measurement concept, unit UCUM code or None, records) that could not be converted
    unconvertible: list[tuple[str, int, str | None, int]] = field(default_factory=list)
    #: mapped fields whose concept code is not in this database's vocabulary
    unresolved: dict[str, str] = field(default_factory=dict)


def _resolve_concepts(src: OmopSource, fms: list[FieldMap]) -> dict[str, list[int]]:
    """field -> standard concept ids, for every coded field in TWO small queries (one on ``concept`` for
    all codes, one on ``concept_ancestor`` for the fields that take descendants)."""
    wanted = {(v, c): fm.field for fm in fms for v, c in fm.codes}
    if not wanted:
        return {}
    concept = src.table("concept")
    cond = None
    for vocab, code in wanted:
        c = (concept.vocabulary_id == vocab) & (concept.concept_code == code)
        cond = c if cond is None else cond | c
    rows = concept.filter(cond).select("concept_id", "vocabulary_id", "concept_code").to_pandas()
    out: dict[str, set[int]] = {fm.field: set() for fm in fms}
    for r in rows.itertuples(index=False):
        f = wanted.get((str(r.vocabulary_id), str(r.concept_code)))
        if f is not None:
            out[f].add(int(r.concept_id))
    deep = {fm.field for fm in fms if fm.descendants and out[fm.field]}
    if deep and src.has_table("concept_ancestor"):
        owner = {i: f for f in deep for i in out[f]}
        ca = src.table("concept_ancestor")
        d = ca.filter(ca.ancestor_concept_id.isin(sorted(owner))).select(
            "ancestor_concept_id", "descendant_concept_id").to_pandas()
        for a, dsc in zip(d["ancestor_concept_id"], d["descendant_concept_id"]):
            out[owner[int(a)]].add(int(dsc))
    return {f: sorted(v) for f, v in out.items()}


def _age(person, index: dt.date):
    y = person.year_of_birth.cast("int64")
    mo = person.month_of_birth.cast("int64")
    d = person.day_of_birth.cast("int64")
    before = ibis.cases(
        (mo.isnull(), ibis.null("int64")),
        (mo > index.month, 1), (mo < index.month, 0),
        (d.isnull(), ibis.null("int64")),
        (d > index.day, 1), else_=0)
    return (index.year - y - before).cast("float64")


def person_values(src: OmopSource, fields: list[str], index_date: dt.date,
                  mapping: dict[str, FieldMap] | None = None, engine: str | None = None) -> PersonValues:
    """One row per person: ``person`` columns computed in place, then ONE aggregate over ``measurement``
    (every measured field) and ONE over ``condition_occurrence`` (every condition), each joined once.
    ``engine``: the backend the expression will be compiled for (default: the source's own); only
    ``"duckdb"`` gets DuckDB's ``arg_max``, every other engine ibis's portable ``argmax``."""
    mapping = load_mapping() if mapping is None else mapping
    person = src.table("person")
    pv = PersonValues(None, [])
    own: dict[str, object] = {}  # columns computed from ``person`` itself
    coded: list[FieldMap] = []
    for f in fields:
        fm = mapping.get(f)
        if fm is None:
            pv.unmapped[f] = Message("no OMOP CDM mapping (data/omop/fields.csv): unknown for everyone")
        elif fm.cdm_table == "person":
            if fm.value == "age_at_index":
                own[f] = _age(person, index_date)
            else:
                g = person.gender_concept_id.cast("int64")
                own[f] = ibis.cases((g == FEMALE, "female"), (g == MALE, "male"), else_=ibis.null("string"))
        else:
            coded.append(fm)
    ids = _resolve_concepts(src, coded)
    labs: dict[str, tuple[FieldMap, list[int]]] = {}
    conds: dict[str, tuple[FieldMap, list[int]]] = {}
    for fm in coded:
        if not ids.get(fm.field):
            codes = ", ".join(f"{v} {c}" for v, c in fm.codes)
            pv.unresolved[fm.field] = Message("{codes}: not in this database's concept table: unknown for everyone",
                                              codes=codes)
        elif fm.cdm_table == "measurement":
            labs[fm.field] = (fm, ids[fm.field])
        else:
            conds[fm.field] = (fm, ids[fm.field])
    out = person.select(person_id=person.person_id.cast("int64"), **own)
    if labs:
        out = _left(out, _latest_measurements(src, labs, index_date, pv, engine or src.con.name))
    if conds:
        out = _condition_values(src, _left(out, _conditions(src, conds, index_date)), conds, index_date)
    pv.fields = [f for f in fields if f in own or f in labs or f in conds]
    pv.table = out.select("person_id", *pv.fields)
    return pv


def _left(left, right):
    """``left`` with ``right``'s columns (other than ``person_id``) joined on ``person_id``."""
    j = left.left_join(right, left.person_id == right.person_id)
    return j.select(*left.columns, *[c for c in right.columns if c != "person_id"])


#: ties on the same date are broken by the larger measurement_id (ids below 10^12)
_ID_SPAN = 10**12


@ibis.udf.agg.builtin(name="arg_max")
def _duckdb_arg_max(arg: float, key: int) -> float:
    """DuckDB's hash-aggregate ``arg_max`` (ibis's portable ``argmax`` compiles to an ordered ``FIRST``,
    which sorts every group)."""


def _latest(engine: str, value, key, where):
    if engine == "duckdb":
        return _duckdb_arg_max(value, key, where=where)
    return value.argmax(key, where=where)


def _latest_measurements(src, labs: dict[str, tuple[FieldMap, list[int]]], index_date: dt.date,
                         pv: PersonValues, engine: str):
    """One scan of ``measurement`` for every measured field: per person and field, the latest value on or
    before the index date within the field's lookback, converted to the canonical unit (NULL when its unit
    cannot be converted). Returns a table ``person_id`` + one column per field (one GROUP BY person)."""
    m = src.table("measurement")
    concept = src.table("concept")
    owner = {}
    for f, (fm, ids) in labs.items():
        for i in ids:
            if i in owner:
                raise OmopSourceError(Message("data/omop/fields.csv: one measurement concept is mapped to two fields"))
            owner[i] = f
    earliest = index_date - dt.timedelta(days=max(fm.lookback_days for fm, _ in labs.values()))
    w = m.filter(m.measurement_concept_id.isin(sorted(owner)), m.value_as_number.notnull(),
                 m.measurement_date <= ibis.literal(index_date), m.measurement_date > ibis.literal(earliest))
    g = w.group_by([w.measurement_concept_id, w.unit_concept_id]).aggregate(records=w.count())
    units = concept.select(unit_id=concept.concept_id, ucum=concept.concept_code)
    # sorted: a GROUP BY's row order is the engine's (DuckDB's is not even stable between runs), and the CASE
    # below, its SQL and the list of unconvertible pairs must not depend on it
    pairs = (g.left_join(units, g.unit_concept_id == units.unit_id).to_pandas()
             .sort_values(["measurement_concept_id", "unit_concept_id"], na_position="last", kind="stable"))
    rows = []
    for r in pairs.itertuples(index=False):
        fld = owner[int(r.measurement_concept_id)]
        spec = FIELDS[fld]
        unit = ucum_to_unit(r.ucum) if pd.notna(r.ucum) else None
        factor = None
        if unit is not None:
            try:
                factor = convert(spec, 1.0, unit)
                if convert(spec, 2.0, unit) != 2 * factor:  # an offset (temperatures): not a factor
                    factor = None
            except CandidateError:
                factor = None
        elif spec.pint_unit is None:  # a count or score: a bare number is right
            factor = 1.0
        mc, uc = int(r.measurement_concept_id), (None if pd.isna(r.unit_concept_id) else int(r.unit_concept_id))
        if factor is None:
            pv.unconvertible.append((fld, mc, None if pd.isna(r.ucum) else str(r.ucum), int(r.records)))
        elif uc is not None:
            rows.append((mc, uc, float(factor)))
    # the (concept, unit) -> factor pairs are few: a CASE, not a join; NaN (not NULL) for an unconvertible
    # value, so that the latest row is still the one picked (and then gives unknown)
    value = ibis.cases(*[((w.measurement_concept_id == mc) & (w.unit_concept_id == uc),
                          w.value_as_number.cast("float64") * f) for mc, uc, f in rows],
                       else_=ibis.literal(float("nan"))) if rows else ibis.literal(float("nan"))
    j = w
    key = j.measurement_date.epoch_days().cast("int64") * _ID_SPAN + j.measurement_id.cast("int64") % _ID_SPAN
    windows = {}
    for f, (fm, ids) in labs.items():
        start = index_date - dt.timedelta(days=fm.lookback_days)
        where = j.measurement_concept_id.isin(ids)
        if start > earliest:
            where = where & (j.measurement_date > ibis.literal(start))
        windows[f] = where
    pid = j.person_id.cast("int64")
    if engine == "duckdb":  # one hash aggregate per person: arg_max with a FILTER per field
        latest = j.group_by(person_id=pid).aggregate(
            **{f: _latest(engine, value, key, where) for f, where in windows.items()})
    else:  # ordered aggregates elsewhere (PostgreSQL sorts for each): one per (person, field), then a pivot
        fld = ibis.cases(*[(where, f) for f, where in windows.items()], else_=ibis.null("string"))
        per = j.select(person_id=pid, k_field=fld, v=value, k=key).filter(lambda t: t.k_field.notnull())
        per = per.group_by(["person_id", "k_field"]).aggregate(v=per.v.argmax(per.k))
        latest = per.group_by("person_id").aggregate(**{f: per.v.max(where=per.k_field == f) for f in labs})
    return latest.select("person_id", **{f: ibis.ifelse(latest[f].isnan(), ibis.null("float64"), latest[f])
                                         for f in labs})


def _conditions(src, conds: dict[str, tuple[FieldMap, list[int]]], index_date: dt.date):
    """One scan of ``condition_occurrence`` for every condition field: per person, ``h_<field>`` counts the
    records on or before the index date (within the lookback, and still active, for ``active_at_index``).
    Absence is unknown, or no while an ``observation_period`` covers the index date (``no_while_observed``):
    :func:`_condition_values`."""
    co = src.table("condition_occurrence")
    idx = ibis.literal(index_date)
    every = sorted({i for _, ids in conds.values() for i in ids})
    hit = co.filter(co.condition_concept_id.isin(every), co.condition_start_date <= idx)
    aggs = {}
    for f, (fm, ids) in conds.items():
        where = hit.condition_concept_id.isin(ids)
        if fm.value == "active_at_index":
            where = where & (hit.condition_start_date > ibis.literal(
                index_date - dt.timedelta(days=fm.lookback_days)))
            where = where & (hit.condition_end_date.isnull() | (hit.condition_end_date >= idx))
        aggs[f"h_{f}"] = hit.count(where=where)
    return hit.group_by(person_id=hit.person_id.cast("int64")).aggregate(**aggs)


def _condition_values(src, out, conds: dict[str, tuple[FieldMap, list[int]]], index_date: dt.date):
    """``out`` (one row per person, with the ``h_<field>`` record counts) with each condition as a value."""
    idx = ibis.literal(index_date)
    if any(fm.absence == "no_while_observed" for fm, _ in conds.values()):
        op = src.table("observation_period")
        obs = op.filter(op.observation_period_start_date <= idx, op.observation_period_end_date >= idx)
        out = _left(out, obs.group_by(person_id=obs.person_id.cast("int64")).aggregate(o_observed=obs.count()))
    cols = {}
    for f, (fm, _) in conds.items():
        h = out[f"h_{f}"].fill_null(0) > 0
        if fm.absence == "no_while_observed":
            cols[f] = ibis.cases((h, True), (out.o_observed.notnull(), False), else_=ibis.null("boolean"))
        else:
            cols[f] = ibis.cases((h, True), else_=ibis.null("boolean"))
    return out.mutate(**cols)


# -- rules -> code expressions -------------------------------------------------------------------------
def _code(cond, known):
    """1 / -1 / 0 as a non-NULL int (``ifelse``, not bool casts: PostgreSQL refuses bool -> int)."""
    return ibis.ifelse(known, ibis.ifelse(cond, 1, -1), 0).cast("int8")


def rule_code(rule, t, criterion_id: str, assumed: dict[str, bool] | None):
    assumed = assumed or {}
    zero = ibis.literal(0, type="int8")
    if isinstance(rule, JudgmentRule):
        a = assumed.get(key_for(criterion_id))
        return zero if a is None else ibis.literal(1 if a else -1, type="int8")
    name = rule.field
    if name not in t.columns:
        if isinstance(rule, FactRule) and assumed.get(name) is not None:
            return ibis.literal(1 if assumed[name] == rule.expected else -1, type="int8")
        return zero
    x = t[name]
    if isinstance(rule, WindowRule):
        return _code(x <= window_limit(rule), x.notnull())
    if isinstance(rule, RangeRule):
        cond = ibis.literal(True)
        if rule.minimum is not None:
            cond = cond & ((x >= rule.minimum) if rule.minimum_inclusive else (x > rule.minimum))
        if rule.maximum is not None:
            cond = cond & ((x <= rule.maximum) if rule.maximum_inclusive else (x < rule.maximum))
        return _code(cond, x.notnull())
    if isinstance(rule, FactRule):
        return _code(x if rule.expected else ~x, x.notnull())
    if isinstance(rule, SetRule):  # single-valued fields in OMOP (sex)
        wanted = sorted({str(a).lower() for a in rule.any_of})
        return _code(x.lower().isin(wanted), x.notnull())
    raise TypeError(f"unknown rule type {type(rule).__name__}")


def criterion_codes(ruleset, t, assumed=None, replace: dict | None = None) -> dict[str, object]:
    """``{"c0": code expression, …}`` one per criterion in protocol order (Kleene core, LEAST/GREATEST).
    ``replace``: {(criterion index, rule index): code expression} used instead of those rules' own codes."""
    out = {}
    replace = replace or {}
    for j, c in enumerate(ruleset.criteria):
        rc = [replace[(j, r)] if (j, r) in replace else rule_code(rule, t, c.id, assumed)
              for r, rule in enumerate(c.rules)]
        out[f"c{j}"] = kleene.criterion(
            c.kind, rc, minimum=lambda a, b: ibis.least(a, b), maximum=lambda a, b: ibis.greatest(a, b),
            unknown=ibis.literal(0, type="int8")).cast("int8")
    return out


def pattern_query(ruleset, pv: PersonValues, assumed=None):
    """One GROUP BY over each person's code pattern: columns c0…c{k-1} and ``n`` (persons)."""
    t = pv.table
    codes = criterion_codes(ruleset, t, assumed)
    nulls = {f"u_{f}": ibis.ifelse(t[f].isnull(), 1, 0) for f in pv.fields}
    coded = t.select(**codes, **nulls)
    return coded.group_by(list(codes)).aggregate(n=coded.count(), **{u: coded[u].sum() for u in nulls})


def person_codes_query(ruleset, pv: PersonValues, assumed=None):
    """One row per person: ``person_id``, codes c0…, and the field values (for ``--out``)."""
    t = pv.table
    return t.select("person_id", *pv.fields, **criterion_codes(ruleset, t, assumed)).order_by("person_id")


def status_expr(codes: dict):
    """A person's status: the Kleene AND (LEAST) of the criterion codes (1 when there is none)."""
    vals = list(codes.values())
    if not vals:
        return ibis.literal(1, type="int8")
    return kleene.and_(vals, lambda a, b: ibis.least(a, b))


def bound_histogram_query(ruleset, pv: PersonValues, key: str, targets: list[tuple[int, int]], assumed=None):
    """For one numeric bound (``bmi.max``): persons grouped by (field value, status when the moving bound
    holds, when it does not, when the value is unknown). Every threshold's eligible count follows from this
    small table (:func:`trialkit.cohort.analysis.weighted_curve`) without another query."""
    t = pv.table
    fld, side = key.rsplit(".", 1)
    true_rep = {}
    for j, r in targets:
        rule = ruleset.criteria[j].rules[r]
        free = rule.model_copy(update={"minimum" if side == "min" else "maximum": None}) \
            if hasattr(rule, "model_copy") else rule
        true_rep[(j, r)] = rule_code(free, t, ruleset.criteria[j].id, assumed)
    lit = {v: ibis.literal(v, type="int8") for v in (-1, 0)}
    modes = {"s_true": true_rep, "s_false": {jr: lit[-1] for jr in targets},
             "s_unknown": {jr: lit[0] for jr in targets}}
    cols = {name: status_expr(criterion_codes(ruleset, t, assumed, rep)).cast("int8") for name, rep in modes.items()}
    x = t[fld] if fld in t.columns else ibis.null("float64")
    coded = t.select(x=x.cast("float64"), **cols)
    return coded.group_by(["x", *cols]).aggregate(n=coded.count())


def check_tables(src: OmopSource, names=("person", "measurement", "concept")) -> None:
    for n in names:
        src.table(n)


__all__ = ["PersonValues", "person_values", "pattern_query", "person_codes_query", "criterion_codes",
           "OmopSourceError", "check_tables"]
