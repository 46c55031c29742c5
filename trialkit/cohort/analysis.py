"""What a cohort tells about a trial's criteria: funnel, sole exclusions, exact Shapley shares, threshold
curves and protocol-amendment lines. Everything works on the engine's code matrix (no per-patient Python).

Codes (contracts §3, :mod:`trialkit.criteria.evaluate`): per patient and criterion ``1`` pass, ``0`` unknown,
``-1`` fail; the patient's status is the minimum over criteria (``1`` eligible, ``0`` needs review,
``-1`` ineligible).

What-if without re-running the engine: a bound of a range rule changes that rule's codes only, which are
recomputed from the field's values with one numpy comparison; the rule's criterion is recombined with
Kleene logic (an inclusion is the AND = minimum of its rule codes; an exclusion fails when any of its
conditions is true, i.e. its code is minus the maximum of its rule codes). Tests check that this gives
exactly what the engine gives on the amended rules.

Threshold curves (background.md): for one bound, each patient's status is fixed once we know whether
that rule is true, false or unknown for her. Sorting the field's values once per outcome class then gives
the eligible count at any threshold with ``searchsorted``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.criteria import kleene
from trialkit.criteria.kleene import FAIL, PASS, UNKNOWN  # noqa: F401  (re-exported)


def field_label(name: str) -> str:
    """A field's name as a person reads it (from the engine's field registry)."""
    from trialkit.criteria.fields import FIELDS

    spec = FIELDS.get(name)
    return spec.label if spec else name.replace("_", " ")


def field_unit(name: str) -> str:
    from trialkit.criteria.fields import FIELDS

    spec = FIELDS.get(name)
    return spec.unit if spec and spec.kind == "number" else ""


# -- the code matrix ------------------------------------------------------------------------------
@dataclass
class CodeMatrix:
    """The part of the engine's FrameEvaluation the analysis needs."""

    criterion_ids: list[str]
    kinds: list[str]
    codes: np.ndarray  # int8 (n, k)
    #: rule_codes[j][r]: int8 (n,) codes of rule r of criterion j (1 true, 0 unknown, -1 false)
    rule_codes: list[list[np.ndarray]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.codes.shape[0])

    @property
    def status(self) -> np.ndarray:
        return status_from_codes(self.codes)

    @classmethod
    def from_evaluation(cls, ev) -> "CodeMatrix":
        ids = list(ev.criterion_ids)
        rc = ev.rule_codes
        if isinstance(rc, dict):
            rc = [list(rc[c]) for c in ids]
        else:
            rc = [list(r) for r in rc]
        return cls(ids, list(ev.kinds), np.asarray(ev.codes, dtype=np.int8), rc)


def status_from_codes(codes: np.ndarray) -> np.ndarray:
    return kleene.status_array(codes)


def combine(kind: str, rule_codes: list[np.ndarray], n: int) -> np.ndarray:
    """A criterion's code from its rules' codes (Kleene logic, :mod:`trialkit.criteria.kleene`)."""
    return kleene.criterion_array(kind, rule_codes, n)


# -- weighted patterns ------------------------------------------------------------------------------
# Every count below is a sum of per-row weights. In memory each row is one patient (weight 1); a database
# returns each distinct row of codes (a pattern) once with the number of persons who have it
# (:mod:`trialkit.omop.scan`). The same functions serve both, so the two paths cannot drift apart.
def _w(weights, n: int) -> np.ndarray | None:
    return None if weights is None else np.asarray(weights, dtype=np.int64).reshape(n)


def _count(mask: np.ndarray, w: np.ndarray | None, axis=0):
    return mask.sum(axis=axis) if w is None else (mask * (w[:, None] if mask.ndim == 2 else w)).sum(axis=axis)


def _bincount(idx: np.ndarray, w: np.ndarray | None, minlength: int) -> np.ndarray:
    if w is None:
        return np.bincount(idx, minlength=minlength)
    return np.bincount(idx, weights=w, minlength=minlength).round().astype(np.int64)


def patterns(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a code matrix and how many rows have each (what a database GROUP BY returns)."""
    codes = np.asarray(codes, dtype=np.int8)
    if codes.shape[0] == 0:
        return codes.reshape(0, codes.shape[1]), np.zeros(0, dtype=np.int64)
    uniq, counts = np.unique(codes, axis=0, return_counts=True)
    return uniq.astype(np.int8), counts.astype(np.int64)


# -- funnel, sole exclusions, Shapley ------------------------------------------------------------------
def _first_index(mask: np.ndarray) -> np.ndarray:
    """Per row, the first column where mask is true; k where none is."""
    k = mask.shape[1]
    if k == 0:
        return np.zeros(mask.shape[0], dtype=np.int64)
    first = mask.argmax(axis=1)
    return np.where(mask.any(axis=1), first, k)


def funnel(codes: np.ndarray, criterion_ids: list[str], weights=None) -> list[dict]:
    """Criteria in protocol order; ``remaining`` = patients no criterion so far has failed, split into
    those with every criterion so far passed (``eligible_so_far``) and those with some unknown
    (``review_so_far``); ``excluded_here`` = first failed at this criterion."""
    m, k = codes.shape
    w = _w(weights, m)
    n = m if w is None else int(w.sum())
    first_fail = _first_index(codes == FAIL)
    first_unknown = _first_index(codes == UNKNOWN)
    fail_at = _bincount(first_fail, w, k + 1)[:k]
    # a patient is 'eligible so far' at step j if first_fail > j and first_unknown > j
    first_nonpass = np.minimum(first_fail, first_unknown)
    nonpass_at = _bincount(first_nonpass, w, k + 1)[:k]
    remaining = n - np.cumsum(fail_at)
    clean = n - np.cumsum(nonpass_at)
    return [{"id": cid, "remaining": int(remaining[j]), "eligible_so_far": int(clean[j]),
             "review_so_far": int(remaining[j] - clean[j]), "excluded_here": int(fail_at[j])}
            for j, cid in enumerate(criterion_ids)]


def sole_exclusions(codes: np.ndarray, criterion_ids: list[str], weights=None) -> dict[str, int]:
    w = _w(weights, codes.shape[0])
    fails = codes == FAIL
    only = fails.sum(axis=1) == 1
    counts = _count(fails[only], None if w is None else w[only])
    return {cid: int(counts[j]) for j, cid in enumerate(criterion_ids)}


def shapley(codes: np.ndarray, criterion_ids: list[str], weights=None) -> dict[str, float]:
    """Exact Shapley shares of the game "excluded by at least one criterion of the set": each excluded
    patient gives 1/|F| to every criterion in F, the criteria she fails. Shares add up to the excluded."""
    fails = codes == FAIL
    nfail = fails.sum(axis=1)
    excluded = nfail > 0
    w = np.zeros(codes.shape[0])
    w[excluded] = 1.0 / nfail[excluded]
    if weights is not None:
        w *= _w(weights, codes.shape[0])
    shares = [float(w[fails[:, j]].sum()) for j in range(codes.shape[1])]  # no (n, k) float temporary
    return {cid: float(shares[j]) for j, cid in enumerate(criterion_ids)}


@dataclass
class CohortSummary:
    n: int
    eligible: int
    needs_review: int
    ineligible: int
    funnel: list[dict]
    sole_exclusions: dict[str, int]
    shapley: dict[str, float]
    #: patients failing each criterion, and unknown for each (whatever else they fail)
    failing: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)

    def exclusion_share(self, criterion_id: str) -> float | None:
        """The criterion's Shapley share as a fraction of the ineligible patients (None when none is)."""
        return self.shapley[criterion_id] / self.ineligible if self.ineligible else None

    def to_json(self) -> dict:
        """The contract's ``cohort --json`` object (contracts §4)."""
        return {"n": self.n, "eligible": self.eligible, "needs_review": self.needs_review,
                "ineligible": self.ineligible,
                "funnel": [{"id": f["id"], "remaining": f["remaining"]} for f in self.funnel],
                "sole_exclusions": self.sole_exclusions,
                "shapley": {k: round(v, 6) for k, v in self.shapley.items()}}


def summarize(codes: np.ndarray, criterion_ids: list[str], weights=None) -> CohortSummary:
    """Status counts, funnel, sole exclusions, Shapley shares and per-criterion failing/unknown counts.
    ``weights``: None (one row per patient) or, per row of ``codes``, how many patients have that row
    (a database's weighted patterns, :func:`patterns`); both give identical results."""
    codes = np.asarray(codes, dtype=np.int8)
    w = _w(weights, codes.shape[0])
    status = status_from_codes(codes)
    counts = _bincount(status.astype(np.int64) + 1, w, 3)
    return CohortSummary(
        n=int(codes.shape[0] if w is None else w.sum()), eligible=int(counts[2]), needs_review=int(counts[1]),
        ineligible=int(counts[0]),
        funnel=funnel(codes, criterion_ids, w), sole_exclusions=sole_exclusions(codes, criterion_ids, w),
        shapley=shapley(codes, criterion_ids, w),
        failing={c: int(v) for c, v in zip(criterion_ids, _count(codes == FAIL, w))},
        unknown={c: int(v) for c, v in zip(criterion_ids, _count(codes == UNKNOWN, w))})


# -- numeric bounds and what-if ------------------------------------------------------------------------
@dataclass(frozen=True)
class Bound:
    """One numeric bound of a range rule: what a slider moves. ``key`` is the override key (``bmi.max``)."""

    key: str
    field: str
    side: str  # "min" or "max"
    value: float
    inclusive: bool
    criterion_index: int
    criterion_id: str
    criterion_kind: str
    rule_index: int
    source_text: str = ""

    @property
    def op(self) -> str:
        return (">=" if self.inclusive else ">") if self.side == "min" else ("<=" if self.inclusive else "<")

    def describe(self, value: float | None = None) -> str:
        v = self.value if value is None else value
        sym = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}[self.op]
        return f"{sym} {_fmt(v)}"


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:.3g}"


def numeric_bounds(ruleset) -> list[Bound]:
    """Every bound of every range rule, in protocol order. A field bound used by several rules gets one
    key (the engine's ``apply_overrides`` moves them together): only its first rule is listed, and the
    what-if below moves all rules sharing the key."""
    out, seen = [], set()
    for j, crit in enumerate(ruleset.criteria):
        for r, rule in enumerate(getattr(crit, "rules", []) or []):
            if getattr(rule, "kind", None) != "range":
                continue
            for side in ("min", "max"):
                v = rule.minimum if side == "min" else rule.maximum
                if v is None:
                    continue
                key = f"{rule.field}.{side}"
                if key in seen:
                    continue
                seen.add(key)
                inc = rule.minimum_inclusive if side == "min" else rule.maximum_inclusive
                out.append(Bound(key, rule.field, side, float(v), bool(inc), j, crit.id, crit.kind, r,
                                 getattr(rule, "source_text", "") or ""))
    return out


def bound_targets(ruleset, key: str) -> list[tuple[int, int]]:
    """(criterion index, rule index) of every range rule a bound key (``bmi.max``) moves."""
    fld, side = key.rsplit(".", 1)
    out = []
    for j, crit in enumerate(ruleset.criteria):
        for r, rule in enumerate(crit.rules or []):
            if getattr(rule, "kind", None) == "range" and rule.field == fld and \
                    (rule.minimum if side == "min" else rule.maximum) is not None:
                out.append((j, r))
    return out


def _range_codes(x: np.ndarray, lo, lo_inc, hi, hi_inc) -> np.ndarray:
    ok = np.ones(x.shape[0], dtype=bool)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            ok &= (x >= lo) if lo_inc else (x > lo)
        if hi is not None:
            ok &= (x <= hi) if hi_inc else (x < hi)
    out = np.where(ok, np.int8(1), np.int8(-1)).astype(np.int8)
    out[np.isnan(x)] = 0
    return out


class WhatIf:
    """Moves bounds of range rules over a fixed cohort, from one engine evaluation (no re-run)."""

    def __init__(self, ruleset, matrix: CodeMatrix, values: dict[str, np.ndarray] | pd.DataFrame):
        self.ruleset = ruleset
        self.m = matrix
        self.bounds = numeric_bounds(ruleset)
        self.by_key = {b.key: b for b in self.bounds}
        n = matrix.n
        self.x: dict[str, np.ndarray] = {}
        for b in self.bounds:
            if b.field not in self.x:
                if b.field in values:
                    col = values[b.field]
                    self.x[b.field] = pd.to_numeric(pd.Series(col), errors="coerce").to_numpy(
                        dtype=np.float64, na_value=np.nan)
                else:
                    self.x[b.field] = np.full(n, np.nan)
        self.base = summarize(matrix.codes, matrix.criterion_ids)
        self._curve_cache: dict = {}
        self._sort_cache: dict = {}
        self._parts_cache = None
        self._range_cache: dict = {}

    # rules a key touches: (criterion index, rule index)
    def _targets(self, key: str) -> list[tuple[int, int]]:
        return bound_targets(self.ruleset, key)

    def _rule_code(self, j, r, overrides) -> np.ndarray:
        rule = self.ruleset.criteria[j].rules[r]
        lo, hi = rule.minimum, rule.maximum
        if lo is not None and f"{rule.field}.min" in overrides:
            lo = float(overrides[f"{rule.field}.min"])
        if hi is not None and f"{rule.field}.max" in overrides:
            hi = float(overrides[f"{rule.field}.max"])
        return _range_codes(self.x[rule.field], lo, rule.minimum_inclusive, hi, rule.maximum_inclusive)

    def codes(self, overrides: dict[str, float]) -> np.ndarray:
        """The code matrix with ``overrides`` ({"bmi.max": 30}) applied."""
        overrides = {k: v for k, v in overrides.items() if k in self.by_key}
        if not overrides:
            return self.m.codes
        touched: dict[int, set[int]] = {}
        for key in overrides:
            for j, r in self._targets(key):
                touched.setdefault(j, set()).add(r)
        codes = self.m.codes.copy()
        for j, rules in touched.items():
            rc = list(self.m.rule_codes[j])
            for r in rules:
                rc[r] = self._rule_code(j, r, overrides)
            codes[:, j] = combine(self.m.kinds[j], rc, self.m.n)
        return codes

    def summary(self, overrides: dict[str, float]) -> CohortSummary:
        return summarize(self.codes(overrides), self.m.criterion_ids)

    def curve(self, key: str, thresholds: np.ndarray, overrides: dict[str, float] | None = None
              ) -> dict[str, np.ndarray]:
        """Eligible and not-excluded (eligible + needs review) counts as bound ``key`` takes each threshold,
        with the other ``overrides`` in force. One sort per outcome class, then ``searchsorted``."""
        b = self.by_key[key]
        others = {k: v for k, v in (overrides or {}).items() if k != key and k in self.by_key}
        prep = self._curve_prep(key, tuple(sorted(others.items())))
        return curve_from_prep(prep, b.side, b.inclusive, thresholds)

    def _sorted(self, field_name: str) -> tuple[np.ndarray, np.ndarray]:
        """(order, values in that order) of a field: sorted once, reused by every curve."""
        if field_name not in self._sort_cache:
            x = self.x[field_name]
            order = np.argsort(x, kind="stable")  # NaN last
            self._sort_cache[field_name] = (order, x[order])
        return self._sort_cache[field_name]

    def _curve_prep(self, key: str, others: tuple):
        """Per patient, the status when the bound's comparison holds (s_true) or not (s_false), for
        patients with a value; patients without one are unknown for every threshold (s_unknown).
        Every rule sharing ``key`` compares the same field with the same threshold, so one comparison
        decides them all; each rule's other bound is folded into s_true. The other criteria enter
        through per-row counts of failed and unknown criteria (no (n, k) copy per bound), and each
        class's values come out of the field's one sort already in order."""
        ck = (key, others)
        if ck in self._curve_cache:
            return self._curve_cache[ck]
        if len(self._curve_cache) > 64:
            self._curve_cache.clear()
        b = self.by_key[key]
        other = dict(others)
        targets = self._targets(key)
        codes, nf, nu = self._parts(others)
        n = codes.shape[0]
        cols = sorted({j for j, _ in targets})
        nf_rest, nu_rest = nf.copy(), nu.copy()
        for j in cols:
            nf_rest -= codes[:, j] == FAIL
            nu_rest -= codes[:, j] == UNKNOWN
        rest_min = np.where(nf_rest > 0, -1, np.where(nu_rest > 0, 0, 1)).astype(np.int8)

        def status_with(mode: str) -> np.ndarray:
            s = rest_min.copy()
            for j in cols:
                rc = list(self.m.rule_codes[j])
                for rr, rule in enumerate(self.ruleset.criteria[j].rules):
                    if getattr(rule, "kind", None) != "range":
                        continue
                    if (j, rr) in targets:
                        if mode == "unknown":
                            rc[rr] = np.zeros(n, dtype=np.int8)
                        elif mode == "false":
                            rc[rr] = np.full(n, -1, dtype=np.int8)
                        else:  # the moving bound holds: the rule is true iff its other bound holds
                            o = dict(other)
                            o[key] = -np.inf if b.side == "min" else np.inf
                            rc[rr] = self._rule_code(j, rr, o)
                    elif other:
                        rc[rr] = self._rule_code(j, rr, other)
                s = np.minimum(s, combine(self.m.kinds[j], rc, n))
            return s

        s_true, s_false, s_unknown = status_with("true"), status_with("false"), status_with("unknown")
        order, xs = self._sorted(b.field)
        known_sorted = ~np.isnan(xs)
        known = ~np.isnan(self.x[b.field])
        prep = {}
        for name, level in (("eligible", 1), ("not_excluded", 0)):
            const = int(np.count_nonzero(~known & (s_unknown >= level)))
            a_sorted = xs[known_sorted & (s_true[order] >= level)]
            b_sorted = xs[known_sorted & (s_false[order] >= level)]
            prep[name] = (const, a_sorted, None, b_sorted, None)
        self._curve_cache[ck] = prep
        return prep

    def _parts(self, others: tuple):
        """(codes with ``others`` applied, failed count per row, unknown count per row); the last one kept."""
        if self._parts_cache is not None and self._parts_cache[0] == others:
            return self._parts_cache[1]
        codes = self.codes(dict(others))
        nf = np.zeros(codes.shape[0], dtype=np.int16)
        nu = np.zeros(codes.shape[0], dtype=np.int16)
        for j in range(codes.shape[1]):
            col = codes[:, j]
            nf += col == FAIL
            nu += col == UNKNOWN
        self._parts_cache = (others, (codes, nf, nu))
        return self._parts_cache[1]

    def counts(self, overrides: dict[str, float]) -> tuple[int, int, int]:
        """(eligible, needs review, ineligible) with ``overrides``: the status only, no funnel or Shapley."""
        status = status_from_codes(self.codes(overrides))
        c = np.bincount(status.astype(np.int64) + 1, minlength=3)
        return int(c[2]), int(c[1]), int(c[0])

    def slider_range(self, key: str) -> tuple[float, float, float]:
        """(low, high, step) for a slider over ``key``: the data's spread around the protocol value."""
        if key in self._range_cache:
            return self._range_cache[key]
        self._range_cache[key] = self._slider_range(key)
        return self._range_cache[key]

    def _slider_range(self, key: str) -> tuple[float, float, float]:
        b = self.by_key[key]
        x = self.x[b.field]
        x = x[np.isfinite(x)]
        lo, hi = b.value, b.value
        if x.size:
            q1, q99 = np.quantile(x, [0.005, 0.995])
            lo, hi = min(lo, float(q1)), max(hi, float(q99))
        span = hi - lo or max(abs(b.value), 1.0)
        lo, hi = lo - 0.05 * span, hi + 0.05 * span
        step = _nice_step(span / 200)
        lo, hi = np.floor(lo / step) * step, np.ceil(hi / step) * step
        if b.value >= 0 and lo < 0 and (x.size == 0 or x.min() >= 0):
            lo = 0.0
        return float(lo), float(hi), float(step)

    def amendment_lines(self, overrides: dict[str, float]) -> list["Amendment"]:
        """One line per changed bound (its effect alone, against the protocol), then the combined effect."""
        base = Counts(self.base.eligible, self.base.needs_review, self.base.ineligible)
        lines = []
        changed = {k: float(v) for k, v in overrides.items() if k in self.by_key and float(v) != self.by_key[k].value}
        for key, v in changed.items():
            c = self.curve(key, np.array([v]))  # this change alone: one searchsorted on the cached sort
            e, ne = int(c["eligible"][0]), int(c["not_excluded"][0])
            lines.append(Amendment(self.by_key[key], v, base, Counts(e, ne - e, self.m.n - ne)))
        if len(changed) > 1:
            lines.append(Amendment(None, None, base, Counts(*self.counts(changed))))
        return lines


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    exp = np.floor(np.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10 ** exp >= raw:
            return float(m * 10 ** exp)
    return float(10 ** (exp + 1))


@dataclass(frozen=True)
class Counts:
    eligible: int
    needs_review: int
    ineligible: int


@dataclass
class Amendment:
    bound: Bound | None  # None: all changes together
    new_value: float | None
    before: Counts
    after: Counts

    @property
    def eligible_delta(self) -> int:
        return self.after.eligible - self.before.eligible

    @property
    def not_excluded_delta(self) -> int:
        return (self.after.eligible + self.after.needs_review) - (self.before.eligible + self.before.needs_review)

    def text(self, count=str) -> str:
        """E.g. ``BMI ≤ 27 → ≤ 30 kg/m² (I3): +412 eligible (+8.1%); +1,020 eligible or needing review (+3.2%)``.
        ``count`` formats counts (the page passes its disclosure-aware formatter). In the interface language
        (:mod:`trialkit.i18n`; the command line runs in English)."""
        from trialkit.i18n import gettext as _
        from trialkit.plain_language import field_label as label_words, unit_words

        if self.bound is None:
            head = _("All changes together")
        else:
            b = self.bound
            unit = unit_words(b.field, field_unit(b.field))
            head = (f"{label_words(b.field)} {b.describe()} → {b.describe(self.new_value)}"
                    f"{' ' + unit if unit else ''} ({b.criterion_id})")
        be, bn = self.before.eligible, self.before.eligible + self.before.needs_review
        return _("{change}: {eligible} eligible; {not_excluded} eligible or needing review").format(
            change=head, eligible=_delta(self.eligible_delta, be, count),
            not_excluded=_delta(self.not_excluded_delta, bn, count))


def _delta(d: int, base: int, count) -> str:
    sign = "+" if d >= 0 else "−"
    from trialkit.i18n import gettext as _

    pct = f" ({sign}{abs(d) / base * 100:.1f}%)" if base else (_(" (from 0)") if d else "")
    return f"{sign}{count(abs(d))}{pct}"


# -- threshold curves shared by the in-memory and the database paths ------------------------------------
def _below(sorted_x: np.ndarray, cum: np.ndarray | None, t: np.ndarray, side: str) -> np.ndarray:
    """Weight of the values left of each threshold (``cum``: cumulative weights with a leading 0, or None
    for weight 1 each)."""
    i = np.searchsorted(sorted_x, t, side=side)
    return i if cum is None else cum[i]


def curve_from_prep(prep: dict, bound_side: str, inclusive: bool, thresholds) -> dict[str, np.ndarray]:
    """Eligible and not-excluded counts at each threshold from a curve preparation: per outcome level,
    (patients unknown for the bound who reach the level, sorted values of those who reach it when the bound
    holds + their cumulative weights, the same when it does not)."""
    t = np.asarray(thresholds, dtype=np.float64)
    side = "left" if (bound_side == "min") == inclusive else "right"
    out = {}
    for name in ("eligible", "not_excluded"):
        const, a_sorted, a_cum, b_sorted, b_cum = prep[name]
        a_tot = a_sorted.size if a_cum is None else a_cum[-1]
        b_tot = b_sorted.size if b_cum is None else b_cum[-1]
        ia, ib = _below(a_sorted, a_cum, t, side), _below(b_sorted, b_cum, t, side)
        if bound_side == "min":  # rule true when x >= t (or > t)
            count = const + (a_tot - ia) + ib
        else:  # rule true when x <= t (or < t)
            count = const + ia + (b_tot - ib)
        out[name] = np.asarray(count).astype(np.int64)
    return out


def weighted_curve_prep(x, s_true, s_false, s_unknown, weights) -> dict:
    """:func:`curve_from_prep`'s preparation from a database's grouped histogram: one row per (value, status
    when the bound holds, when it does not, when the value is unknown) with the persons in it."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(weights, dtype=np.int64)
    known = ~np.isnan(x)
    order = np.argsort(np.where(known, x, np.inf), kind="stable")
    x, w, known = x[order], w[order], known[order]
    s_true, s_false, s_unknown = (np.asarray(s)[order] for s in (s_true, s_false, s_unknown))
    prep = {}
    for name, level in (("eligible", 1), ("not_excluded", 0)):
        const = int(w[~known & (s_unknown >= level)].sum())
        ma, mb = known & (s_true >= level), known & (s_false >= level)
        prep[name] = (const, x[ma], np.concatenate([[0], np.cumsum(w[ma])]),
                      x[mb], np.concatenate([[0], np.cumsum(w[mb])]))
    return prep


# -- per-patient results ----------------------------------------------------------------------------
def _joined_ids(mask: np.ndarray, ids: list[str]) -> np.ndarray:
    """Per row, the ids of the columns where mask is true, joined by ';' (one string per distinct row)."""
    n, k = mask.shape
    if k == 0:
        return np.full(n, "", dtype=object)
    packed = np.packbits(mask, axis=1)
    view = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    uniq, first, inv = np.unique(view, return_index=True, return_inverse=True)
    labels = np.array([";".join(ids[c] for c in np.flatnonzero(mask[i])) for i in first], dtype=object)
    return labels[inv.ravel()]


def patient_results(codes: np.ndarray, criterion_ids: list[str], frame: pd.DataFrame | None = None,
                    patient_ids=None) -> pd.DataFrame:
    """One row per patient: ``patient_id``, ``status``, ``failed`` and ``unknown`` criteria (``;``-joined),
    then the candidate fields as evaluated."""
    n = codes.shape[0]
    status = status_from_codes(codes)
    out = pd.DataFrame({
        "patient_id": np.arange(1, n + 1) if patient_ids is None else np.asarray(patient_ids),
        "status": pd.Categorical.from_codes(status.astype(np.int64) + 1,
                                            categories=["ineligible", "needs_review", "eligible"]),
        "failed": _joined_ids(codes == FAIL, criterion_ids),
        "unknown": _joined_ids(codes == UNKNOWN, criterion_ids),
    })
    if frame is not None:
        for c in frame.columns:
            if c not in out.columns:
                out[c] = frame[c].to_numpy()
    return out


# -- eligible vs whole ------------------------------------------------------------------------------
def group_masks(status: np.ndarray) -> dict[str, np.ndarray]:
    return {"Whole cohort": np.ones(status.shape[0], dtype=bool),
            "Eligible or needs review": status >= 0,
            "Eligible": status == 1}


def compare_groups(frame: pd.DataFrame, status: np.ndarray, fields: list[str]) -> pd.DataFrame:
    """Per numeric field and group: patients, share with a value, median, 10th and 90th percentile."""
    rows = []
    for fld in fields:
        if fld not in frame.columns:
            continue
        x = pd.to_numeric(pd.Series(frame[fld]), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        for gname, mask in group_masks(status).items():
            v = x[mask]
            known = v[np.isfinite(v)]
            rows.append({"field": fld, "group": gname, "patients": int(mask.sum()),
                         "known_pct": float(100 * np.isfinite(v).mean()) if v.size else float("nan"),
                         "median": float(np.median(known)) if known.size else float("nan"),
                         "p10": float(np.quantile(known, 0.1)) if known.size else float("nan"),
                         "p90": float(np.quantile(known, 0.9)) if known.size else float("nan")})
    return pd.DataFrame(rows)
