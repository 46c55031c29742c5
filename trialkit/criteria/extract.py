"""Draft rules from an imported trial's criteria text (marked unreviewed; everything else is judgment).

What it recognises, after the splitter has undone Markdown escapes (``\\>=`` is already ``>=``):

* a field named by one of its aliases (fields.py: "age", "BMI", "haemoglobin", "platelet count", "ANC",
  "FSH", "ECOG", "LVEF", "creatinine", …) followed closely by a threshold:
  ``≥ ≤ > < >= <= => =<``, "at least", "no more than", "more than", "less than", "older than", …,
  ``between X and Y``, ``X-Y``, ``X to Y``, ``≥10 and ≤40``, ``0, 1, or 2``, ``X or older``;
* "X years of age / years old" with a comparison (age without the word "age" before it);
* participation in another trial "within N days/weeks/months" (exclusion criteria only);
* units through :mod:`trialkit.criteria.units` (``g/dl``, ``/µl``, ``/mm^3``, ``10^9/L``, ``%``), decimal
  commas (``2,5 mg/dl``) and thousands separators (``100,000/mm^3``, ``100.000/µl``): of the readings of a
  number, the first whose converted value is plausible for the field wins.

It refuses (leaves to judgment) what it cannot convert: "× ULN" limits (they need the lab's own upper
limit, background.md), units that do not fit the field, and thresholds outside the field's plausible range
(e.g. "Hb < 8.5 mg/dl", a typo for g/dl, would be 0.085 g/L). When a criterion says more than the drafted
rules capture, a judgment rule is added for the rest, so a drafted rule can never turn an unknown into a
pass.
"""
from __future__ import annotations

import math
import re

import pint

from trialkit.criteria.fields import FIELDS, FieldSpec
from trialkit.criteria.rules import JudgmentRule, RangeRule, Rule, WindowRule
from trialkit.criteria.units import convert, normalise_unit, ureg
from trialkit.errors import CandidateError
from trialkit.models import EligibilityCriterion, Trial

DRAFT_NOTE = "drafted automatically from the criterion text; not reviewed"

_NUM = r"\d+(?:[.,]\d+)*"
_UNIT = r"(?:\s*(?P<unit>(?:[×xX]\s*10\S*|10\^\S+|10[⁰-⁹]+\S*|/\s*\S+|%|[A-Za-zµμ][^\s,;()]*)))?"
_MIN_INC = r"≥|>=|=>|at least|no less than|not less than|minimum(?: of)?|greater than or equal to"
_MIN_EXC = r">|more than|greater than|over|above|older than|exceeding"
_MAX_INC = r"≤|<=|=<|at most|no more than|not more than|up to|maximum(?: of)?|less than or equal to"
_MAX_EXC = r"<|less than|under|below|younger than"
_CMP = rf"(?P<cmp>{_MIN_INC}|{_MAX_INC}|{_MIN_EXC}|{_MAX_EXC})"
_CMP2 = _CMP.replace("?P<cmp>", "?P<cmp2>")

_PATTERNS = [
    ("pair", re.compile(rf"{_CMP}\s*(?P<a>{_NUM})(?:\s*(?P<unit_a>[^\s,;()]+))?\s*(?:and|,|/)\s*{_CMP2}\s*(?P<b>{_NUM}){_UNIT}",
                        re.I)),
    ("range", re.compile(rf"(?:between\s+|from\s+|of\s+)?(?P<a>{_NUM})\s*(?:-|–|—|to|and)\s*(?P<b>{_NUM}){_UNIT}", re.I)),
    ("list", re.compile(r"(?P<list>\d(?:\s*,\s*\d)+,?\s*(?:or|and)\s*\d)\b", re.I)),
    ("cmp", re.compile(rf"{_CMP}\s*(?P<a>{_NUM}){_UNIT}", re.I)),
    ("post", re.compile(rf"(?P<a>{_NUM}){_UNIT}\s*(?:or|and)\s*(?P<post>older|over|above|more|greater|higher|younger|less|below|under|lower)\b",
                        re.I)),
]
_AGE_NO_ALIAS = re.compile(
    rf"(?:{_CMP}\s*)?(?P<a>{_NUM})\s*(?:(?:-|–|to)\s*(?P<b>{_NUM})\s*)?years?\s*(?:of age|old)"
    rf"(?:\s*(?:or|and)\s*(?P<post>older|over|above|younger))?", re.I)
_ULN = re.compile(r"^\s*(?:x|×|times)\s*(?:the\s+)?(?:ULN|upper|institutional upper|normal)", re.I)
_TRIAL_WINDOW = re.compile(
    r"(?:participat\w*|enrol\w*|taken part)\b[^.;]{0,80}?\b(?:clinical|investigational|drug|device|interventional)?"
    r"\s*(?:trial|study|studies)\b[^.;]{0,80}?\bwithin\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+)?"
    r"(?P<n>\d+|one|two|three|four|six|twelve)\s*(?P<u>days?|weeks?|months?|years?)", re.I)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "twelve": 12}
_STOP = set("""a an and or of the to in on at by for with within from as is are be been must have has had
who which that this these those any all no not than per its their his her patient patients participant
participants subject subjects years year old aged age time signing screening enrollment study visit
count level levels value values serum total mm defined following prior least more less equal greater""".split())
_GAP = re.compile(r"^[^\d;.]{0,60}$")


def _readings(num: str) -> list[float]:
    """Readings of a number as written, most likely first: "2,5" -> [2.5]; "100,000" -> [100000, 100.0];
    "100.000" -> [100.0, 100000]; "1.5" -> [1.5]."""
    if not re.search(r"[.,]", num):
        return [float(num)]
    seps = re.findall(r"[.,]", num)
    groups = re.split(r"[.,]", num)
    thousands = all(len(g) == 3 for g in groups[1:])
    as_thousands = float("".join(groups)) if thousands else None
    if len(seps) > 1:
        return [as_thousands] if as_thousands is not None else []
    as_decimal = float(num.replace(",", "."))
    if as_thousands is None:
        return [as_decimal]
    return [as_thousands, as_decimal] if seps[0] == "," else [as_decimal, as_thousands]


def _is_plain_word(token: str) -> bool:
    if not token.isalpha():
        return False
    try:
        ureg().parse_units(normalise_unit(token))
        return False
    except (pint.UndefinedUnitError, ValueError, AttributeError, TypeError, SyntaxError, KeyError):
        return True


def _value(spec: FieldSpec, num: str, unit: str | None) -> float | None:
    """A threshold in the field's canonical unit, or None when it cannot be read safely."""
    unit = (unit or "").strip().rstrip(".:")
    if unit and _is_plain_word(unit):
        unit = ""
    plausible = []
    for reading in _readings(num):
        try:
            v = convert(spec, reading, unit) if unit else reading
        except CandidateError:
            return None
        if spec.low - 1e-9 <= v <= spec.high * 1.5:
            plausible.append(v)
    if len(plausible) > 1:
        # "100.000/µl": 0.1 and 100 ×10⁹/L both fit the range; take the reading nearer (on a log scale)
        # to the middle of the field's plausible range.
        mid = math.sqrt(max(spec.low, spec.step) * spec.high)
        plausible.sort(key=lambda v: abs(math.log(max(v, 1e-9) / mid)))
    return plausible[0] if plausible else None


def _direction(cmp: str) -> tuple[str, bool]:
    c = cmp.lower().strip()
    for pat, out in ((_MIN_INC, ("minimum", True)), (_MAX_INC, ("maximum", True)),
                     (_MIN_EXC, ("minimum", False)), (_MAX_EXC, ("maximum", False))):
        if re.fullmatch(pat, c, re.I):
            return out
    raise ValueError(cmp)


def _range(spec: FieldSpec, **bounds) -> RangeRule | None:
    try:
        return RangeRule(field=spec.name, reviewed=False, note=DRAFT_NOTE, **bounds)
    except ValueError:
        return None


def _match_threshold(spec: FieldSpec, window: str) -> tuple[RangeRule, int, int] | None:
    """The first threshold in ``window`` (text right after the field's name)."""
    best = None
    for kind, pat in _PATTERNS:
        m = pat.search(window)
        if not m or not _GAP.match(window[: m.start()]):
            continue
        if best is not None and m.start() >= best[1]:
            continue
        after = window[m.end():]
        if _ULN.match(after) or (m.groupdict().get("unit") or "").lower().startswith(("x", "×")) and \
                _ULN.match(window[m.start("unit"):]):
            return None
        rule = None
        if kind == "pair":
            d1, d2 = _direction(m["cmp"]), _direction(m["cmp2"])
            a, b = _value(spec, m["a"], m["unit_a"] or m["unit"]), _value(spec, m["b"], m["unit"])
            if a is None or b is None or d1[0] == d2[0]:
                continue
            lo, hi = ((a, d1[1]), (b, d2[1])) if d1[0] == "minimum" else ((b, d2[1]), (a, d1[1]))
            rule = _range(spec, minimum=lo[0], minimum_inclusive=lo[1], maximum=hi[0], maximum_inclusive=hi[1])
        elif kind == "range":
            a, b = _value(spec, m["a"], m["unit"]), _value(spec, m["b"], m["unit"])
            if a is None or b is None or a > b:
                continue
            rule = _range(spec, minimum=a, maximum=b)
        elif kind == "list":
            nums = sorted(int(x) for x in re.findall(r"\d", m["list"]))
            if not spec.integer or nums != list(range(nums[0], nums[-1] + 1)):
                continue
            rule = _range(spec, minimum=float(nums[0]), maximum=float(nums[-1]))
        elif kind == "cmp":
            a = _value(spec, m["a"], m["unit"])
            if a is None:
                continue
            side, inc = _direction(m["cmp"])
            rule = _range(spec, **{side: a, f"{side}_inclusive": inc})
        else:  # post: "18 years or older"
            a = _value(spec, m["a"], m["unit"])
            if a is None:
                continue
            up = m["post"].lower() in {"older", "over", "above", "more", "greater", "higher"}
            rule = _range(spec, **({"minimum": a} if up else {"maximum": a}))
        if rule is not None:
            best = (rule, m.start(), m.end())
    return best


def draft_rules(criterion: EligibilityCriterion) -> list[Rule]:
    """Rules for one criterion, drafted from its text (never empty: at least a judgment rule)."""
    text = criterion.text
    rules: list[tuple[int, Rule]] = []
    used: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in used)

    for spec in FIELDS.values():
        if spec.kind != "number" or not spec.aliases:
            continue
        for alias in spec.aliases:
            for am in re.finditer(alias, text, re.I):
                if not free(am.start(), am.end()):
                    continue
                end = len(text)
                stop = re.search(r";|\.\s|\.$|\n", text[am.end():])
                if stop:
                    end = am.end() + stop.start()
                window = text[am.end(): min(end, am.end() + 90)]
                found = _match_threshold(spec, window)
                if found is None:
                    continue
                rule, s, e = found
                span = (am.start(), am.end() + e)
                if not free(*span):
                    continue
                used.append(span)
                rules.append((span[0], rule.model_copy(update={"span": span, "source_text": text[span[0]:span[1]]})))
    if not any(getattr(r, "field", None) == "age" for _, r in rules):
        for m in _AGE_NO_ALIAS.finditer(text):
            if not free(m.start(), m.end()):
                continue
            spec = FIELDS["age"]
            a = _value(spec, m["a"], "years")
            b = _value(spec, m["b"], "years") if m["b"] else None
            if a is None:
                continue
            if b is not None:
                rule = _range(spec, minimum=a, maximum=b)
            elif m["cmp"]:
                side, inc = _direction(m["cmp"])
                rule = _range(spec, **{side: a, f"{side}_inclusive": inc})
            elif m["post"]:
                up = m["post"].lower() != "younger"
                rule = _range(spec, **({"minimum": a} if up else {"maximum": a}))
            else:
                continue
            if rule is None:
                continue
            used.append((m.start(), m.end()))
            rules.append((m.start(), rule.model_copy(update={"span": (m.start(), m.end()),
                                                             "source_text": text[m.start():m.end()]})))
    if criterion.kind == "exclusion":
        for m in _TRIAL_WINDOW.finditer(text):
            n = m["n"].lower()
            within = float(_WORD_NUMBERS.get(n, n) if not n.isdigit() else n)
            unit = m["u"].lower().rstrip("s") + "s"
            used.append((m.start(), m.end()))
            rules.append((m.start(), WindowRule(field="months_since_other_trial", within=within, unit=unit,
                                                reviewed=False, note=DRAFT_NOTE, span=(m.start(), m.end()),
                                                source_text=text[m.start():m.end()])))
    rules.sort(key=lambda x: x[0])
    out = [r for _, r in rules]
    rest = text
    for s, e in sorted(used, reverse=True):
        rest = rest[:s] + " " + rest[e:]
    words = [w for w in re.findall(r"[A-Za-z]{3,}", rest) if w.lower() not in _STOP]
    if not out or len(words) > 2 or re.search(r"\d", rest):
        question = ("Does this criterion hold for the candidate?" if criterion.kind == "inclusion"
                    else "Does this exclusion apply to the candidate?")
        if out:
            question = "The rest of this criterion (beyond the drafted thresholds): " + question.lower()
        out.append(JudgmentRule(question=question, source_text=text, span=(0, len(text)), reviewed=False,
                                note=DRAFT_NOTE))
    return out


def draft_summary(trial: Trial) -> dict:
    """How many of the trial's criteria got executable drafted rules (for reports and the import page)."""
    drafted = [(c.id, draft_rules(c)) for c in trial.criteria]
    executable = [cid for cid, rules in drafted if any(r.kind != "judgment" for r in rules)]
    return {"nct_id": trial.nct_id, "criteria": len(drafted), "executable": len(executable),
            "executable_ids": executable}
