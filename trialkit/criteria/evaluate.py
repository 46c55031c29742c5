"""Three-valued evaluation of a ruleset: one vectorised core for a cohort and for one candidate.

Codes (int8): a rule *condition* is 1 true / 0 unknown / -1 false; a *criterion* is ``PASS`` 1 /
``UNKNOWN`` 0 / ``FAIL`` -1; a person is 1 eligible / 0 needs review / -1 ineligible. With these codes
Kleene logic is arithmetic (rules.py's docstring gives the semantics):

* an inclusion criterion is the AND of its conditions: ``min`` over its rules;
* an exclusion criterion fails when any excluding condition is true: ``-max`` over its rules;
* a person's status is the AND of the criteria: ``min`` over criteria.

:func:`evaluate_frame` does that with numpy on whole columns (a million rows in well under a second).
:func:`evaluate_candidate` turns one candidate into a one-row frame, calls the same core, then writes the
reasons a person reads ("FSH 10.4 IU/L is above the maximum of 10 IU/L", "needs AFC", "needs a
clinician's judgment"). An unknown stays unknown: a missing value is never read as "no" (TrialGPT's trap,
background.md).

A clinician's answer to a criterion's judgment question is an input too: key ``judgment.<CRITERION_ID>``,
yes/no, meaning what a FactRule's true/false means (:mod:`trialkit.criteria.judgment`). Unanswered, a
judgment rule stays unknown.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from trialkit import values
from trialkit.criteria import judgment, kleene, uln
from trialkit.criteria.fields import FIELDS, FieldSpec, field_message, format_number, get_field
from trialkit.criteria.rules import FactRule, JudgmentRule, RangeRule, SetRule, WindowRule
from trialkit.criteria.units import convert
from trialkit.errors import CandidateError
from trialkit.i18n import N_, current_language, gettext as _, ngettext, pgettext
from trialkit.message import Message

PASS, UNKNOWN, FAIL = 1, 0, -1
STATUS_WORDS = {1: "eligible", 0: "needs_review", -1: "ineligible"}
CRITERION_WORDS = {1: "pass", 0: "unknown", -1: "fail"}
UI_WORDS = {"eligible": N_("Eligible"), "needs_review": N_("Needs review"), "ineligible": N_("Ineligible")}
#: the criterion words as a person reads them (JSON keeps CRITERION_WORDS; pages translate with ``_()``)
_SHOWN_CRITERION_WORDS = (N_("pass"), N_("unknown"), N_("fail"))
UNKNOWN_WORDS = values.UNKNOWN_WORDS


# -- inputs ---------------------------------------------------------------------------------------------
def parse_value(name: str, value):
    """One candidate value -> canonical Python value (float, bool, "female"/"male", frozenset of codes),
    or None for unknown. Raises CandidateError naming the field. The written forms are owned by the field's
    kind module (:mod:`trialkit.values`), shared with links, CSV cells and share links."""
    return values.parse(name, value)


def parse_candidate(pairs: dict[str, str], ruleset=None) -> dict[str, object]:
    """``{"hemoglobin": "9.8 g/dL", "fsh": "7 mIU/mL", "pregnant": "no", "judgment.E17": "no"}`` ->
    canonical values ``{"hemoglobin": 98.0, "fsh": 7.0, "pregnant": False, "judgment.E17": False}``;
    "unknown"/"" leave a field out. A ``judgment.<ID>`` key is checked against ``ruleset`` when it is given
    (always, later, by :func:`evaluate_candidate`)."""
    out: dict[str, object] = {}
    for name, value in pairs.items():
        name = str(name).strip()
        key = judgment.resolve_key(name, ruleset) if judgment.is_judgment_key(name) else name
        v = values.parse(name, value)
        if v is not None:
            if key in out:
                raise CandidateError(field_message(name, Message("given twice")))
            out[key] = v
    return out


def check_candidate(ruleset, candidate: dict) -> dict[str, object]:
    """A canonical candidate with its keys checked against ``ruleset`` (an unknown field, a judgment key for
    a criterion without a judgment rule: CandidateError naming the key) and unknowns (None) dropped."""
    out: dict[str, object] = {}
    for k, v in candidate.items():
        if judgment.is_judgment_key(k):
            key = judgment.resolve_key(k, ruleset)
            v = judgment.parse_answer(k, v)
        else:
            get_field(k)
            key = k
        if v is not None:
            out[key] = v
    return uln.with_ratios(out)


def candidate_frame(candidates: list[dict] | dict) -> pd.DataFrame:
    """Canonical candidate dict(s) -> the frame :func:`evaluate_frame` reads (one row per candidate)."""
    rows = [candidates] if isinstance(candidates, dict) else list(candidates)
    names = []
    for r in rows:
        for k in r:
            if not judgment.is_judgment_key(k):
                get_field(k)
            if k not in names:
                names.append(k)
    cols = {}
    for k in names:
        vals = [r.get(k) for r in rows]
        if judgment.is_judgment_key(k):
            cols[k] = pd.array([judgment.parse_answer(k, v) for v in vals], dtype="boolean")
            continue
        spec = FIELDS[k]
        if spec.kind == "number":
            cols[k] = pd.array([np.nan if v is None else float(v) for v in vals], dtype="float64")
        elif spec.kind == "yesno":
            cols[k] = pd.array([pd.NA if v is None else bool(v) for v in vals], dtype="boolean")
        elif spec.kind == "sex":
            cols[k] = pd.array([pd.NA if v is None else str(v) for v in vals], dtype="string")
        else:
            cols[k] = pd.array([pd.NA if v is None else values.codeset.frame_text(v) for v in vals],
                               dtype="string")
    return pd.DataFrame(cols, index=range(len(rows)))


# -- the vectorised core ------------------------------------------------------------------------------
@dataclass
class FrameEvaluation:
    criterion_ids: list[str]
    kinds: list[str]
    codes: np.ndarray  # int8 (n, k)
    rule_codes: list[list[np.ndarray]]  # per criterion, per rule: int8 (n,) condition codes
    status: np.ndarray  # int8 (n,)

    @property
    def n(self) -> int:
        return int(self.status.shape[0])

    def counts(self) -> dict[str, int]:
        return {"eligible": int((self.status == 1).sum()), "needs_review": int((self.status == 0).sum()),
                "ineligible": int((self.status == -1).sum())}


def window_limit(rule: WindowRule) -> float:
    """The rule's window in its field's canonical unit ("within 1 year" on a months field -> 12)."""
    return _window_limit(rule.field, rule.within, rule.unit)


@lru_cache(maxsize=256)
def _window_limit(field_name: str, within: float, unit: str) -> float:
    return convert(get_field(field_name), within, unit)


class _Columns:
    """Columns of the frame as numpy arrays, converted once per evaluation and shared by the rules."""

    def __init__(self, frame: pd.DataFrame, assumed: dict[str, bool] | None = None):
        self.frame = frame
        self.n = len(frame)
        self.assumed = assumed or {}
        self._cache: dict[str, object] = {}
        self.unknown = np.zeros(self.n, dtype=np.int8)
        self.unknown.flags.writeable = False

    def number(self, name: str) -> np.ndarray | None:
        if name not in self._cache:
            s = self.frame[name] if name in self.frame.columns else None
            if s is None:
                self._cache[name] = uln.ratio_column(self.frame, name)  # "× ULN" from value and lab ULN
            else:
                try:
                    arr = s.to_numpy(dtype="float64", na_value=np.nan)
                except (TypeError, ValueError):
                    raise CandidateError(Message("column {name!r}: not numbers ({field})", name=name,
                                                 field=FIELDS[name].display_word)) from None
                self._cache[name] = arr
        return self._cache[name]

    def boolean(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        if name not in self._cache:
            s = self.frame[name] if name in self.frame.columns else None
            if s is None and self.assumed.get(name) is not None:  # the same assumed answer for every row
                self._cache[name] = (np.full(self.n, bool(self.assumed[name])), np.zeros(self.n, dtype=bool))
            elif s is None:
                self._cache[name] = None
            else:
                try:
                    b = s if s.dtype == "boolean" else s.astype("boolean")
                except (TypeError, ValueError):
                    raise CandidateError(Message("column {name!r}: not yes/no values", name=name)) from None
                if isinstance(b, pd.DataFrame):
                    raise CandidateError(Message("column {name!r}: given more than once", name=name))
                self._cache[name] = (b.fillna(False).to_numpy(dtype=bool), b.isna().to_numpy())
        return self._cache[name]

    def factorized(self, name: str) -> tuple[np.ndarray, list] | None:
        if name not in self._cache:
            s = self.frame[name] if name in self.frame.columns else None
            self._cache[name] = None if s is None else pd.factorize(s, use_na_sentinel=True)
        return self._cache[name]


def _code(cond: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    return kleene.from_condition(cond, unknown)


def set_members(value) -> set[str]:
    """One cell of a set column as lower-case codes: "16;52", "16,52", "HPV16" or an iterable; "" = none."""
    items = value if isinstance(value, (set, frozenset, list, tuple)) else \
        str(value).replace(",", ";").replace("/", ";").split(";")
    out = set()
    for it in items:
        code = str(it).strip().lower().removeprefix("hpv").strip(" -_")
        if code:
            out.add(str(int(code)) if code.isdigit() else code)
    return out


def rule_condition(rule, cols: _Columns, criterion_id: str | None = None) -> np.ndarray:
    """Condition codes of one rule for every row (1 true, 0 unknown, -1 false).

    A judgment rule reads the clinician's answer for its criterion, the yes/no column
    ``judgment.<criterion_id>`` (absent: unknown)."""
    if isinstance(rule, JudgmentRule):
        b = cols.boolean(judgment.key_for(criterion_id)) if criterion_id is not None else None
        if b is None:
            return cols.unknown
        data, missing = b
        return _code(data, missing)
    if isinstance(rule, (RangeRule, WindowRule)):
        x = cols.number(rule.field)
        if x is None:
            return cols.unknown
        with np.errstate(invalid="ignore"):
            if isinstance(rule, WindowRule):
                cond = x <= window_limit(rule)
            else:
                cond = np.ones(cols.n, dtype=bool)
                if rule.minimum is not None:
                    cond &= (x >= rule.minimum) if rule.minimum_inclusive else (x > rule.minimum)
                if rule.maximum is not None:
                    cond &= (x <= rule.maximum) if rule.maximum_inclusive else (x < rule.maximum)
        return _code(cond, np.isnan(x))
    if isinstance(rule, FactRule):
        b = cols.boolean(rule.field)
        if b is None:
            return cols.unknown
        data, missing = b
        return _code(data if rule.expected else ~data, missing)
    if isinstance(rule, SetRule):
        fz = cols.factorized(rule.field)
        if fz is None:
            return cols.unknown
        codes, uniques = fz
        wanted = {str(a).lower() for a in rule.any_of}
        table = np.empty(len(uniques) + 1, dtype=np.int8)
        for i, u in enumerate(uniques):
            table[i] = 1 if set_members(u) & wanted else -1
        table[-1] = 0  # NA (code -1 indexes the last slot)
        return table[codes]
    raise TypeError(f"unknown rule type {type(rule).__name__}")


def evaluate_frame(ruleset, frame: pd.DataFrame, *, assumed: dict[str, bool] | None = None) -> FrameEvaluation:
    """Every row of ``frame`` against every criterion, vectorised (no per-row Python).

    ``frame`` has one column per candidate field (contracts §2), in canonical units: numbers float64 with
    NaN = unknown (+inf = "never" for time-since fields); yes/no as pandas "boolean" (NA = unknown); sex as
    "female"/"male"/NA strings; set fields (``hpv_types``) as ";"-joined strings ("16;52"; "" = none,
    NA = unknown); a clinician's answers as "boolean" columns ``judgment.<CRITERION_ID>`` (NA = unanswered).
    A column that is absent is unknown for everyone; other columns are ignored.

    ``assumed`` (``{"judgment.E17": False, "informed_consent": True, …}``) gives yes/no answers (a clinician's
    judgment or a yes/no field) to every row when the frame has no column for them: the cohort's optimistic
    upper bound (:func:`trialkit.criteria.judgment.favourable_answers`). A column of the frame always wins."""
    cols = _Columns(frame, assumed)
    n = cols.n
    k = len(ruleset.criteria)
    codes = np.empty((n, k), dtype=np.int8, order="F")
    rule_codes: list[list[np.ndarray]] = []
    for j, c in enumerate(ruleset.criteria):
        rc = [rule_condition(r, cols, c.id) for r in c.rules]
        rule_codes.append(rc)
        codes[:, j] = kleene.criterion_array(c.kind, rc, n)
    status = kleene.status_array(codes)
    return FrameEvaluation([c.id for c in ruleset.criteria], [c.kind for c in ruleset.criteria], codes,
                           rule_codes, np.ascontiguousarray(status, dtype=np.int8))


# -- one candidate, with reasons ---------------------------------------------------------------------
class CriterionVerdict(NamedTuple):
    id: str
    kind: str
    status: str  # "pass" / "fail" / "unknown"
    reason: str
    text: str


@dataclass
class RuleOutcome:
    rule: object
    code: int  # condition code
    reason: str


@dataclass
class CandidateResult:
    status: str  # "eligible" / "ineligible" / "needs_review"
    criteria: list[CriterionVerdict]
    rules: dict[str, list[RuleOutcome]] = field(default_factory=dict)
    candidate: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return UI_WORDS[self.status]

    def failed_ids(self) -> list[str]:
        return [c.id for c in self.criteria if c.status == "fail"]

    def unknown_ids(self) -> list[str]:
        return [c.id for c in self.criteria if c.status == "unknown"]

    def passed_ids(self) -> list[str]:
        return [c.id for c in self.criteria if c.status == "pass"]

    def judgment_only_ids(self) -> list[str]:
        """Unknown criteria that no value could decide: every rule left unknown is a clinician's judgment."""
        return [c.id for c in self.criteria if c.status == "unknown"
                and all(isinstance(o.rule, JudgmentRule) for o in self.rules.get(c.id, []) if o.code == 0)]

    def to_json(self, nct_id: str) -> dict:
        """contracts §4 ``check --json``."""
        return {"trial": nct_id, "status": self.status,
                "criteria": [{"id": c.id, "kind": c.kind, "status": c.status, "reason": c.reason}
                             for c in self.criteria]}

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([c._asdict() for c in self.criteria], columns=list(CriterionVerdict._fields))


def _bounds_words(r: RangeRule, spec: FieldSpec) -> str:
    """The range a rule describes: "at least 20 mm", "below 100 g/L", "between 1 and 10 IU/L"."""
    lo, hi = r.minimum, r.maximum
    if lo is not None and hi is not None:
        if r.minimum_inclusive and r.maximum_inclusive:
            text = _("between {low} and {high}")
        elif r.minimum_inclusive:
            text = _("from {low} below {high}")
        elif r.maximum_inclusive:
            text = _("above {low} to {high}")
        else:
            text = _("above {low} below {high}")
        return text.format(low=format_number(lo), high=_shown(spec, hi))
    if lo is not None:
        return (_("at least {value}") if r.minimum_inclusive else _("above {value}")).format(value=_shown(spec, lo))
    return (_("at most {value}") if r.maximum_inclusive else _("below {value}")).format(value=_shown(spec, hi))


def _shown(spec: FieldSpec, value) -> str:
    """:meth:`FieldSpec.format` in the interface language (English: exactly ``spec.format``)."""
    if current_language() == "en":
        return spec.format(value)
    if spec.kind == "number":
        if value == math.inf:
            return _("never")
        if spec.unit:
            text = format_number(value)
            sep = "" if spec.unit.startswith("×") or spec.unit == "%" else " "
            unit = pgettext("unit of age", spec.unit) if spec is FIELDS.get("age") else pgettext("unit", spec.unit)
            return f"{text}{sep}{unit}"
        return spec.format(value)
    if spec.kind == "yesno":
        return _("yes") if value else _("no")
    if spec.kind == "sex":
        return _enum(value)
    return spec.format(value)


def _label(spec: FieldSpec) -> str:
    return pgettext("field", spec.label)


def _enum(value) -> str:
    """A registry value ("FEMALE") as written in English, in words in other languages ("女性")."""
    if current_language() == "en" or not isinstance(value, str):
        return str(value)
    return pgettext("registry value", value.replace("_", " ").capitalize())


def _yes_no(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _span_words(r: WindowRule) -> str:
    """"3 months", "1 year"."""
    n = 1 if r.within == 1 else 2
    words = {"day": ngettext("{n} day", "{n} days", n), "week": ngettext("{n} week", "{n} weeks", n),
             "month": ngettext("{n} month", "{n} months", n), "year": ngettext("{n} year", "{n} years", n)}
    text = words.get(r.unit.rstrip("s"))
    if text is not None:
        return text.format(n=format_number(r.within))
    unit = r.unit.rstrip("s") if r.within == 1 else (r.unit if r.unit.endswith("s") else r.unit + "s")
    return f"{format_number(r.within)} {unit}"


def _subject(spec: FieldSpec, value) -> str:
    return f"{_label(spec)} {_shown(spec, value)}"


def rule_reason(rule, code: int, kind: str, candidate: dict, criterion_id: str | None = None) -> str:
    """Why one rule's condition came out as it did, for a person."""
    if isinstance(rule, JudgmentRule):
        answer = candidate.get(judgment.key_for(criterion_id)) if criterion_id else None
        if code == 0 or answer is None:
            return _("needs a clinician's judgment: {question}").format(question=rule.question)
        said = _yes_no(answer)
        if kind == "exclusion" and code == 1:
            return _("clinician's judgment: {answer} (excludes)").format(answer=said)
        if kind == "inclusion" and code == -1:
            return _("clinician's judgment: {answer} (must be yes)").format(answer=said)
        return _("clinician's judgment: {answer}").format(answer=said)
    spec = FIELDS[rule.field]
    value = candidate.get(rule.field)
    if code == 0 or value is None:
        return (_("needs {field}") if spec.kind != "yesno" else _("needs {field} (yes/no)")).format(field=_label(spec))
    excl = kind == "exclusion"
    tail = _(" (excludes)") if excl and code == 1 else ""
    subject = _subject(spec, value) if not isinstance(rule, (WindowRule, FactRule, SetRule)) else ""
    if isinstance(rule, RangeRule):
        if not excl:
            if code == 1:
                return _("{subject} is {range}").format(subject=subject, range=_bounds_words(rule, spec))
            if rule.minimum is not None and (value < rule.minimum or (value == rule.minimum
                                                                      and not rule.minimum_inclusive)):
                if rule.minimum_inclusive:
                    return _("{subject} is below the minimum of {limit}").format(
                        subject=subject, limit=_shown(spec, rule.minimum))
                return _("{subject} is not above {limit}").format(subject=subject, limit=_shown(spec, rule.minimum))
            if rule.maximum_inclusive:
                return _("{subject} is above the maximum of {limit}").format(
                    subject=subject, limit=_shown(spec, rule.maximum))
            return _("{subject} is not below {limit}").format(subject=subject, limit=_shown(spec, rule.maximum))
        words = _bounds_words(rule, spec)
        if code == 1:
            return _("{subject} is {range}").format(subject=subject, range=words) + tail
        return _("{subject} is not {range}").format(subject=subject, range=words)
    if isinstance(rule, WindowRule):
        ago = _("never") if value == math.inf else _("{time} ago").format(time=_shown(spec, value))
        if code == 1:
            return _("{field}: {ago}, within {span}").format(field=_label(spec), ago=ago, span=_span_words(rule)) + tail
        return _("{field}: {ago}, not within {span}").format(field=_label(spec), ago=ago, span=_span_words(rule))
    if isinstance(rule, FactRule):
        said = _yes_no(value)
        if not excl and code == -1:
            return _("{field}: {answer} (must be {expected})").format(field=_label(spec), answer=said,
                                                                      expected=_yes_no(rule.expected))
        return f"{_label(spec)}: {said}{tail}"
    if isinstance(rule, SetRule):
        if spec.kind == "sex":
            allowed = _(" or ").join(_enum(v) for v in rule.any_of)
            if code == 1:
                return _("Sex is {value}").format(value=_enum(value)) + tail
            return _("Sex is {value}, not {allowed}").format(value=_enum(value), allowed=allowed)
        have = spec.format(value)
        if code == 1:
            hit = sorted(set(value) & set(rule.any_of), key=int)
            return _("{field} {have} include {hit}, a listed type").format(
                field=_label(spec), have=have, hit=", ".join(hit)) + tail
        return ngettext("{field} {have}: none of the {n} listed type", "{field} {have}: none of the {n} listed types",
                        len(rule.any_of)).format(field=_label(spec), have=have, n=len(rule.any_of))
    return ""


def evaluate_candidate(ruleset, candidate: dict) -> CandidateResult:
    """One candidate (canonical values, e.g. from :func:`parse_candidate`) against the ruleset."""
    cand = check_candidate(ruleset, candidate)
    ev = evaluate_frame(ruleset, candidate_frame(cand) if cand else pd.DataFrame(index=range(1)))
    verdicts: list[CriterionVerdict] = []
    outcomes: dict[str, list[RuleOutcome]] = {}
    for j, c in enumerate(ruleset.criteria):
        code = int(ev.codes[0, j])
        rows = [RuleOutcome(r, int(rc[0]), rule_reason(r, int(rc[0]), c.kind, cand, c.id))
                for r, rc in zip(c.rules, ev.rule_codes[j])]
        outcomes[c.id] = rows
        if not rows:
            reason = _("no rule: needs a clinician's judgment")
        elif code == UNKNOWN:
            reason = _joined(o.reason for o in rows if o.code == 0)
        elif code == FAIL:
            bad = 1 if c.kind == "exclusion" else -1
            reason = _joined(o.reason for o in rows if o.code == bad)
        else:
            reason = _joined(o.reason for o in rows)
        verdicts.append(CriterionVerdict(c.id, c.kind, CRITERION_WORDS[code], reason, c.text))
    return CandidateResult(STATUS_WORDS[int(ev.status[0])], verdicts, outcomes, dict(cand))


def _joined(reasons) -> str:
    """Reasons joined with "; ", each once (one answer covers several judgment rules of a criterion)."""
    return "; ".join(dict.fromkeys(reasons))


# -- what would change this ---------------------------------------------------------------------------
@dataclass
class Suggestion:
    criterion_id: str
    field: str | None  # a candidate field, or the judgment key ("judgment.E17")
    action: str  # "change" (a failed criterion), "provide" (an unknown value), "judgment" (unanswered)
    value: object  # the nearest passing value (canonical), or None
    text: str


def _escape_range(r: RangeRule, spec: FieldSpec, value: float) -> float | None:
    """Nearest value outside an excluding range (or None when there is none)."""
    options = []
    if r.minimum is not None:
        below = r.minimum if not r.minimum_inclusive else r.minimum - spec.step
        if below >= 0:
            options.append(below)
    if r.maximum is not None:
        options.append(r.maximum + spec.step if r.maximum_inclusive else r.maximum)
    if not options:
        return None
    return min(options, key=lambda o: abs(o - value))


def _enter_range(r: RangeRule, spec: FieldSpec, value: float) -> float:
    if r.minimum is not None and (value < r.minimum or (value == r.minimum and not r.minimum_inclusive)):
        return r.minimum if r.minimum_inclusive else r.minimum + spec.step
    return r.maximum if r.maximum_inclusive else r.maximum - spec.step


def _round(spec: FieldSpec, v: float) -> float:
    return float(round(v, 6))


def nearest_changes(ruleset, candidate: dict, result: CandidateResult) -> list[Suggestion]:
    """For each failed criterion, the nearest value that clears each failing rule; for each unknown one,
    the value that would decide it (or that a clinician must)."""
    out: list[Suggestion] = []
    kinds = {c.id: c.kind for c in ruleset.criteria}
    for v in result.criteria:
        if v.status == "pass":
            continue
        kind = kinds[v.id]
        excl = kind == "exclusion"
        for o in result.rules.get(v.id, []):
            r = o.rule
            if isinstance(r, JudgmentRule):
                key = judgment.key_for(v.id)
                if v.status == "unknown" and o.code == 0:
                    if any(s.field == key and s.action == "judgment" for s in out):
                        continue  # one answer covers all of the criterion's judgment questions
                    qs = " / ".join(f"“{q}”" for q in judgment.questions(ruleset.criterion(v.id)))
                    decides = _("no clears it, yes excludes") if excl else _("yes meets it, no fails")
                    out.append(Suggestion(v.id, key, "judgment", None,
                                          _("{id}: a clinician's answer to {questions} decides it ({decides})").format(
                                              id=v.id, questions=qs, decides=decides)))
                elif v.status == "fail" and ((o.code == 1) if excl else (o.code == -1)):
                    if any(s.field == key for s in out):
                        continue
                    target = not excl
                    out.append(Suggestion(v.id, key, "change", target,
                                          _("{id}: would pass if the clinician's answer were {answer}").format(
                                              id=v.id, answer=_yes_no(target))))
                continue
            spec = FIELDS[r.field]
            failing = (o.code == 1) if excl else (o.code == -1)
            if v.status == "fail" and failing:
                value = candidate.get(r.field)
                if isinstance(r, RangeRule):
                    target = _escape_range(r, spec, value) if excl else _enter_range(r, spec, value)
                    if target is None:
                        continue
                    target = _round(spec, target)
                    text = (_("{id}: raise {field} from {old} to {new}") if target > value
                            else _("{id}: lower {field} from {old} to {new}"))
                    out.append(Suggestion(v.id, r.field, "change", target,
                                          text.format(id=v.id, field=_label(spec), old=_shown(spec, value),
                                                      new=_shown(spec, target))))
                elif isinstance(r, WindowRule):
                    limit = window_limit(r)
                    if excl:
                        target = _round(spec, limit + spec.step)
                        text = _("{id}: clears once the event is more than {span} ago ({field}: {value} or more)").format(
                            id=v.id, span=_span_words(r), field=_label(spec), value=_shown(spec, target))
                    else:
                        target = _round(spec, limit)
                        text = _("{id}: {field} must be within {span}").format(id=v.id, field=_label(spec),
                                                                              span=_span_words(r))
                    out.append(Suggestion(v.id, r.field, "change", target, text))
                elif isinstance(r, FactRule):
                    target = (not r.expected) if excl else r.expected
                    out.append(Suggestion(v.id, r.field, "change", target,
                                          _("{id}: would pass with {field} = {answer}").format(
                                              id=v.id, field=_label(spec), answer=_yes_no(target))))
                elif isinstance(r, SetRule):
                    out.append(Suggestion(v.id, r.field, "change", None,
                                          _("{id}: needs {field} to include one of {values}").format(
                                              id=v.id, field=_label(spec).lower(), values=", ".join(r.any_of))))
            elif v.status == "unknown" and o.code == 0:
                out.append(Suggestion(v.id, r.field, "provide", None, f"{v.id}: {_deciding_text(r, spec, excl)}"))
    return out


def _deciding_text(r, spec: FieldSpec, excl: bool) -> str:
    """What value would decide an unknown rule: "FSH between 1 and 10 IU/L passes; outside fails"."""
    if isinstance(r, RangeRule):
        words = _bounds_words(r, spec)
        if excl:
            return _("{field}: {range} excludes, anything else clears it").format(field=_label(spec), range=words)
        return _("{field}: {range} meets it, anything else fails").format(field=_label(spec), range=words)
    if isinstance(r, WindowRule):
        if excl:
            return _("{field}: within {span} excludes, longer ago or never clears it").format(
                field=_label(spec), span=_span_words(r))
        return _("{field}: within {span} meets it, longer ago or never fails").format(
            field=_label(spec), span=_span_words(r))
    if isinstance(r, FactRule):
        bad = r.expected if excl else (not r.expected)
        text = _("{field}: {good} meets it, {bad} excludes") if excl else _("{field}: {good} meets it, {bad} fails")
        return text.format(field=_label(spec), good=_yes_no(not bad), bad=_yes_no(bad))
    if isinstance(r, SetRule):
        if spec.kind == "sex":
            return _("Sex: {values} meets it").format(values=_(" or ").join(_enum(v) for v in r.any_of))
        text = (_("{field}: including one of {values} excludes") if excl
                else _("{field}: including one of {values} meets it"))
        return text.format(field=_label(spec), values=", ".join(r.any_of))
    return ""
