"""Draft rules from an imported trial's criteria text (marked unreviewed; everything else is judgment).

How it reads a criterion (after the splitter has undone Markdown escapes, so ``\\>=`` is already ``>=``):

1. **Field names.** Every alias of every numeric field (fields.py) is found in one pass over the text; where
   aliases overlap the longest, leftmost wins ("hemoglobin A1c" is HbA1c, not haemoglobin). Aliases joined by
   "/", "and", "or", "," share the threshold after the last one ("AST/ALT ≤ 2.5 × ULN" gives two rules).
2. **Thresholds.** Right after a field's name (only words between, no digits or sentence end), every
   threshold up to the next field's name is read: comparators as protocols write them (``≥ >= => >_ =/>
   ≥ or = > or = ³``, "at least", "no more than", "not to exceed", "X or more", …), ranges (``18-65``, "between
   X and Y", "from X to Y"), two-sided pairs (``≥10 and ≤40``, ``<18.5 or >35``), lists of scores ("0 or 1",
   "0, 1, or 2"), and blood pressure as ``140/90 mmHg`` (systolic and diastolic).
3. **Units** through :mod:`trialkit.criteria.units` after cleaning the spellings (``x10(9)/L``, ``/mm³``,
   ``cells/µL``, ``mm Hg``, ``msec``, ``mEq/L``, ``mL/min/1.73 m²``); decimal commas and thousands separators:
   of the readings of a number, the one that is a plausible *threshold* for the field wins (a count per mL
   whose literal reading is implausible, "platelets < 75,000/ml", is read per µL and says so in its note).
4. **Limits relative to normal.** "≤ 2.5 × ULN", "greater than 2 times the upper limit of normal": a range
   rule on the ratio field ``<analyte>_x_uln`` (:mod:`trialkit.criteria.uln`), never an absolute number.
   A multiple of the *lower* limit of normal, and ULN limits on analytes without a ratio field, are refused.

What it refuses, and why (the criterion keeps a judgment rule for what is not drafted):

* a threshold inside a conditional clause ("… unless …", "(≤ 5 × ULN for patients with liver metastases)",
  "if …", "except …", "> 450 ms for men"): drafting it would apply an exception to everyone; and when the
  criterion gives such an exception for a field, its general bound is reported (``has_exception``) but not
  executed either (it would fail the patients the exception lets in);
* in an inclusion, thresholds on *different* fields joined by "or" ("creatinine ≤ 1.5 mg/dL or creatinine
  clearance ≥ 60 mL/min"), and in an exclusion, joined by "and": a rule list is AND (inclusion) / OR
  (exclusion), so such alternatives cannot be executed; they are reported as an ``or_group`` by
  :func:`draft_thresholds` (the command line) but not used for a verdict;
* an inclusion worded as what excludes ("patients with Hb < 9 g/dL will be excluded") is drafted with that
  meaning: a one-sided bound is complemented (Hb ≥ 9 passes); a two-sided one is not drafted. An exclusion
  worded as what is allowed ("… are eligible", "permitted") is not drafted;
* units that do not fit the field, HbA1c in mmol/mol (IFCC is another scale, not a unit), and thresholds
  outside the field's plausible range.

It never raises: any failure on a criterion leaves it to a clinician's judgment (the note says so). Long
texts are read up to :data:`MAX_CHARS` characters, in time linear in the length (every search is bounded).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field as dc_field

from trialkit.criteria import uln
from trialkit.criteria.fields import FIELDS, FieldSpec
from trialkit.criteria.rules import JudgmentRule, RangeRule, Rule, WindowRule
from trialkit.criteria.units import convert
from trialkit.models import EligibilityCriterion, Trial

DRAFT_NOTE = "drafted automatically from the criterion text; not reviewed"
FAILED_NOTE = "the drafting could not read this criterion; it needs a clinician's judgment"
#: Characters of one criterion the drafting reads (the rest is left to judgment); keeps a pasted protocol
#: from making the page slow.
MAX_CHARS = 6000
#: How far after a field's name a threshold may start, and how long one field's stretch may be.
_LEAD = 60
_WINDOW = 160

_NUM = r"(?:\d+(?:[.,]\d+)*|\.\d+)"
_MIN_INC = (r"≥\s*or\s*=|>\s*or\s*=|>\s*/\s*=|=\s*/\s*>|≥\s*/\s*=|>\s*_|>=|=>|≥|≧|³|"
            r"at\s+least|no\s+less\s+than|not\s+less\s+than|no\s+lower\s+than|not\s+lower\s+than|"
            r"minimum(?:\s+of)?|min\.?|greater\s+than\s+or\s+equal\s+to|more\s+than\s+or\s+equal\s+to|"
            r"higher\s+than\s+or\s+equal\s+to|equal\s+to\s+or\s+(?:greater|more|higher)\s+than|"
            r"(?:of\s+)?(?:or\s+)?greater\s+than\s+or\s+equal|above\s+or\s+equal\s+to")
_MAX_INC = (r"≤\s*or\s*=|<\s*or\s*=|<\s*/\s*=|=\s*/\s*<|≤\s*/\s*=|<\s*_|<=|=<|≤|≦|"
            r"at\s+most|no\s+more\s+than|not\s+more\s+than|no\s+greater\s+than|not\s+greater\s+than|"
            r"no\s+higher\s+than|not\s+higher\s+than|not\s+(?:to\s+)?exceed(?:ing)?|(?:does|must|should)\s+not\s+exceed|"
            r"up\s+to|maximum(?:\s+of)?|max\.?|less\s+than\s+or\s+equal\s+to|lower\s+than\s+or\s+equal\s+to|"
            r"equal\s+to\s+or\s+(?:less|lower|below)\s+than|below\s+or\s+equal\s+to")
_MIN_EXC = r">|more\s+than|greater\s+than|higher\s+than|over|above|older\s+than|exceed(?:s|ing)?|in\s+excess\s+of"
_MAX_EXC = r"<|less\s+than|lower\s+than|fewer\s+than|under|below|younger\s+than"
_CMP_ANY = rf"(?:{_MIN_INC}|{_MAX_INC}|{_MIN_EXC}|{_MAX_EXC})"
_DIRS = [(re.compile(rf"(?:{_MIN_INC})", re.I), ("minimum", True)),
         (re.compile(rf"(?:{_MAX_INC})", re.I), ("maximum", True)),
         (re.compile(rf"(?:{_MIN_EXC})", re.I), ("minimum", False)),
         (re.compile(rf"(?:{_MAX_EXC})", re.I), ("maximum", False))]
#: A unit as written right after a number.
_UNIT = (r"(?:[x×X*]\s*10\s*(?:\^|\*\*|\*|[eE])?\s*\(?\s*[0-9⁰-⁹]{1,2}\s*\)?\s*(?:/\s*[A-Za-zµμ]+(?:\^?[0-9³²])?|cells?/\s*[A-Za-zµμ]+(?:\^?[0-9³²])?)?"
         r"|10\s*(?:\^|\*\*|[eE])\s*\(?[0-9]{1,2}\)?\s*/\s*[A-Za-zµμ]+"
         r"|(?:cells?\s*|[KG]\s*)?/\s*(?:cu\.?\s*)?[A-Za-zµμ]+(?:\^?[0-9³²])?"
         r"|%|mm\s?Hg"
         r"|[A-Za-zµμ][A-Za-zµμ]*(?:\s*/\s*(?:1\.73\s*m(?:2|²|\^2)?|[A-Za-zµμ]+(?:\^?[0-9³²])?))*(?:\s*/\s*1\.73\s*m(?:2|²|\^2)?)?)")
_ULN_AFTER = re.compile(
    r"\s*(?:[x×X*]|times|fold|-fold)?\s*(?:the\s+)?(?:(?:institutional|laboratory|lab|site|local|normal)(?:'s)?\s+)?"
    r"(?:I?ULN\b|UNL\b|ULRR\b|upper\s+normal\s+(?:value|range|level)|upper\s+(?:normal\s+)?limits?(?:\s+of)?(?:\s+(?:the\s+)?(?:normal|reference)(?:\s+range)?)?"
    r"|(?:upper\s+)?normal\s+(?:upper\s+)?limit)", re.I)
_LLN_AFTER = re.compile(r"\s*(?:[x×X*]|times|fold)?\s*(?:the\s+)?(?:institutional\s+)?(?:LLN\b|lower\s+limit)", re.I)
_ONE = re.compile(rf"(?P<cmp>{_CMP_ANY})\s*(?:of\s+|than\s+|to\s+)?(?P<a>{_NUM})(?:\s*(?P<unit>{_UNIT}))?", re.I)
_RANGE = re.compile(
    rf"(?:between\s+|from\s+|of\s+|range\s+|ranging\s+from\s+|within\s+)?(?P<a>{_NUM})(?:\s*(?P<unit_a>{_UNIT}))?\s*"
    rf"(?:-|–|—|~|to|and|through)\s*(?P<b>{_NUM})(?:\s*(?P<unit>{_UNIT}))?", re.I)
_LIST = re.compile(r"(?P<list>\d{1,3}(?:\s*,\s*\d{1,3})*,?\s*(?:or|and|/)\s*\d{1,3})\b(?!\s*(?:-|to|%|\.\d))", re.I)
_POST = re.compile(
    rf"(?P<a>{_NUM})(?:\s*(?P<unit>{_UNIT}))?\s*(?:or|and)\s*(?P<post>older|over|above|more|greater|higher|"
    rf"younger|less|below|under|lower|fewer)\b", re.I)
_BP = re.compile(rf"(?P<cmp>{_CMP_ANY})\s*(?P<a>\d{{2,3}})\s*/\s*(?P<b>\d{{2,3}})\s*(?:mm\s?Hg)?", re.I)
_ROMAN = re.compile(rf"(?:(?P<cmp>{_CMP_ANY})\s*)?(?:[Cc]lass\s+)?\b(?P<list>(?:IV|I{{1,3}})\b(?:\s*(?:,|or|and|-|–|to|/)\s*(?:IV|I{{1,3}})\b)*)")
_ROMAN_VALUES = {"I": 1, "II": 2, "III": 3, "IV": 4}
_OUTSIDE = re.compile(r"outside(?:\s+(?:of\s+)?the)?(?:\s+(?:normal\s+|reference\s+)?range)?(?:\s+of)?\s*$", re.I)
_OTHER_PERSON = re.compile(r"\b(?:donors?|partners?|husbands?|wives|wife|spouses?|mothers?|fathers?|siblings?|parents?)\b",
                           re.I)
_BP_ALIAS = re.compile(r"blood\s+pressure(?:\s*\(BP\))?|\bBP\b", re.I)
_AGE_NO_ALIAS = re.compile(
    rf"(?:(?P<cmp>{_CMP_ANY})\s*)?(?:between\s+)?(?P<a>\d{{1,3}})\s*(?P<ua>months?)?\s*(?:(?:-|–|to|and)\s*(?P<b>\d{{1,3}})\s*)?"
    rf"(?:years?|yrs?)(?P<ofage>\s*(?:of\s+age|old))?"
    rf"(?:\s*(?:or|and)\s*(?P<post>older|over|above|younger|more))?", re.I)
_TRIAL_WINDOW = re.compile(
    r"(?:participat\w*|enrol\w*|taken part)\b[^.;]{0,80}?\b(?:clinical|investigational|drug|device|interventional)?"
    r"\s*(?:trial|study|studies)\b[^.;]{0,80}?\bwithin\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+)?"
    r"(?P<n>\d+|one|two|three|four|six|twelve)\s*(?P<u>days?|weeks?|months?|years?)", re.I)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "twelve": 12}
_STOP_RE = re.compile(r";|\.\s|\.$|\n")
_CONDITION = re.compile(
    r"\b(?:unless|except|excepting|with\s+the\s+exception|if\b|in\s+case\s+of|in\s+the\s+presence\s+of|"
    r"for\s+(?:patients|participants|subjects|those|people|women|men|children)\b|in\s+(?:patients|participants|"
    r"subjects|those|women|men|children)\s+with|when\b|where\b|provided\b|in\s+the\s+setting\s+of|due\s+to\b|"
    r"(?:with|without)\s+(?:liver|hepatic|bone)\s+(?:metastas|involvement)|gilbert)", re.I)
_EXCLUDING_WORDS = re.compile(
    r"\b(?:will\s+be\s+excluded|(?:are|is|be)\s+excluded|disqualif\w*|ineligible|not\s+(?:be\s+)?eligible|"
    r"not\s+be\s+(?:enrolled|included|allowed|permitted)|exclusion\s+criteri)", re.I)
_ALLOWING_WORDS = re.compile(
    r"\b(?:(?:are|is|will\s+be|be)\s+(?:eligible|allowed|permitted|acceptable|included)|"
    r"may\s+(?:be\s+)?(?:enrolled|included|participate)|allowed|permitted)\b", re.I)
_JOIN = re.compile(r"^[\s/,&()]*(?:and\s*/\s*or|and|or|&|/)?[\s/,()]*(?:serum|plasma|total|the)?\s*$", re.I)
#: Between two thresholds on one field: only a connector ("<18.5 or >35", "≥ 18 years and ≤ 75 years").
_NEXT_GAP = re.compile(r"\s*(?:,|\(|/)?\s*(?:and\s*/\s*or|and|or|but)?\s*(?:,|\()?\s*", re.I)
_GAP = re.compile(r"^[^\d;.]{0,%d}$" % _LEAD)
_STOP = set("""a an and or of the to in on at by for with within from as is are be been must have has had
who which that this these those any all no not than per its their his her patient patients participant
participants subject subjects years year old aged age time signing screening enrollment study visit
count level levels value values serum total mm defined following prior least more less equal greater""".split())
#: Thresholds plausible for a *limit* on these count fields (a narrower range than the values themselves,
#: so that "75,000/ml" is not read as 0.075 ×10⁹/L).
_THRESHOLD_RANGE = {"platelets": (5, 1500), "anc": (0.1, 30), "wbc": (0.5, 100), "lymphocytes": (0.05, 30),
                    "cd4": (10, 3000)}


@dataclass
class Threshold:
    """One threshold read from a criterion (what the command line reports, contracts §9)."""

    rule: RangeRule
    start: int
    end: int
    #: >0: an alternative that cannot be executed alone (thresholds of one group are joined by "or" in an
    #: inclusion, "and" in an exclusion); 0 otherwise.
    or_group: int = 0
    notes: list[str] = dc_field(default_factory=list)
    #: The criterion gives another bound on this field under a condition: not executed for everyone.
    has_exception: bool = False


# -- numbers and units ---------------------------------------------------------------------------------
def _readings(num: str) -> list[float]:
    """Readings of a number as written, most likely first: "2,5" -> [2.5]; "100,000" -> [100000, 100.0];
    "100.000" -> [100.0, 100000]; "1.5" -> [1.5]."""
    if num.startswith("."):
        return [float("0" + num)]
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


_PLAIN_WORDS = re.compile(
    r"^(?:and|or|to|of|in|on|at|by|for|with|the|a|an|is|are|be|as|if|per|than|times|x|fold|or|nor|within|"
    r"units?|level|levels|value|values|count|score|points?|grade|class|status|ps|by|on|at|using|measured|"
    r"[A-Za-z]*ing|[A-Za-z]*ed|[A-Za-z]{7,})$", re.I)
_KNOWN_WORD_UNITS = re.compile(
    r"^(?:years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?|kg|g|mg|cm|mm|ms|msec|milliseconds?|"
    r"bpm|beats|mmhg|mm\s?hg|iu|miu|u|ng|pg|kilograms?|kgs?|lbs?|pounds?|percent|sec|seconds?|min|minutes?)$",
    re.I)


def _clean_unit(spec: FieldSpec, unit: str) -> str | None:
    """A unit as written -> a spelling units.py converts; "" for none; None: cannot be used for the field."""
    u = (unit or "").strip().rstrip(".:,")
    if not u:
        return ""
    if "/" not in u and not re.search(r"\d|%|µ|μ", u) and not _KNOWN_WORD_UNITS.match(u):
        return ""  # a plain word after the number ("18 and older", "70 points"): no unit
    u = re.sub(r"\(\s*(\d{1,2})\s*\)", r"^\1", u)  # x10(9)/L -> x10^9/L
    u = re.sub(r"^([x×X*]\s*)10\s*(9|12)(?=\s*/)", r"\g<1>10^\2", u)  # "x 109/L": a superscript lost in copying
    u = re.sub(r"\s*/\s*1\.73\s*m(?:2|²|\^2)?", "", u)  # eGFR per 1.73 m²: the field's own normalisation
    u = re.sub(r"(?i)\bcells?\s*/", "/", u)
    u = re.sub(r"(?i)/\s*cu\.?\s*mm\b", "/mm^3", u)
    u = re.sub(r"(?i)\bmm\s?hg\b", "mmHg", u)
    u = re.sub(r"(?i)\bmsec\b|\bmilliseconds?\b", "ms", u)
    u = re.sub(r"(?i)\bbpm\b|\bbeats(?:/|\s+per\s+)min(?:ute)?\b", "1/min", u)
    u = re.sub(r"(?i)\bmeq\b", "mmol", u) if spec.name in {"potassium", "sodium"} else u
    u = re.sub(r"(?<![A-Za-zµμ])U/", "IU/", u)
    u = re.sub(r"(?i)^(kgs?|kilograms?)$", "kg", u)
    u = re.sub(r"(?i)^(lbs?|pounds?)$", "lb", u)
    u = re.sub(r"(?i)^percent$", "%", u)
    u = u.replace(" ", "")
    if spec.name == "hba1c":
        return "" if u in {"%", ""} else None  # mmol/mol (IFCC) is another scale, not a unit of the % (NGSP) value
    if spec.pint_unit is None:
        return "" if u in {"%", "points", "point"} and spec.name == "karnofsky" else None
    return u


def _value(spec: FieldSpec, num: str, unit: str | None, notes: list[str] | None = None) -> float | None:
    """A threshold in the field's canonical unit, or None when it cannot be read safely."""
    cleaned = _clean_unit(spec, unit or "")
    if cleaned is None:
        return None
    lo, hi = _THRESHOLD_RANGE.get(spec.name, (spec.low, spec.high * 1.5))
    plausible = []
    for reading in _readings(num):
        try:
            v = convert(spec, reading, cleaned) if cleaned else reading
        except Exception:  # noqa: BLE001 - an unreadable unit means "not drafted", never a crash
            return None
        if not math.isfinite(v):
            continue
        if lo - 1e-9 <= v <= hi:
            plausible.append(v)
        elif cleaned and re.search(r"(?i)/m[lL]$", cleaned) and spec.name in _THRESHOLD_RANGE:
            # "platelets < 75,000/ml": a count per mL would be absurd; protocols mean per µL (per mm³)
            try:
                v2 = convert(spec, reading, cleaned[:-2] + "uL")
            except Exception:  # noqa: BLE001
                continue
            if lo <= v2 <= hi:
                plausible.append(v2)
                if notes is not None:
                    notes.append(f"read {num}{unit} as per µL (a count per mL would be implausible)")
    if len(plausible) > 1:
        # "100.000/µl": 0.1 and 100 ×10⁹/L both fit the range; take the reading nearer (on a log scale)
        # to the middle of the field's plausible range.
        mid = math.sqrt(max(lo, spec.step, 1e-6) * hi)
        plausible.sort(key=lambda v: abs(math.log(max(v, 1e-9) / mid)))
    return plausible[0] if plausible else None


def _direction(cmp: str) -> tuple[str, bool]:
    c = re.sub(r"\s+", " ", cmp.strip())
    for pat, out in _DIRS:
        if pat.fullmatch(c):
            return out
    raise ValueError(cmp)


def _range(field_name: str, note: str = DRAFT_NOTE, **bounds) -> RangeRule | None:
    try:
        return RangeRule(field=field_name, reviewed=False, note=note, **bounds)
    except ValueError:
        return None


# -- one field's stretch of text -----------------------------------------------------------------------
def _uln_field(spec: FieldSpec, text: str, pos: int) -> tuple[str | None, int] | None:
    """If the number ending at ``pos`` is a multiple of the ULN: (ratio field or None, end of the ULN words).
    A multiple of the lower limit of normal gives (None, end)."""
    m = _ULN_AFTER.match(text, pos, min(len(text), pos + 80))
    if m:
        return uln.ratio_field(spec.name), m.end()
    m = _LLN_AFTER.match(text, pos, min(len(text), pos + 60))
    if m:
        return None, m.end()
    return None


def _thresholds_in(spec: FieldSpec, text: str, start: int, end: int) -> list[Threshold]:
    """Every threshold on ``spec`` in ``text[start:end]`` (the stretch after the field's name)."""
    out: list[Threshold] = []
    pos = start
    first = True
    while pos < end:
        found = []
        for kind, pat in (("bp", _BP), ("roman", _ROMAN), ("range", _RANGE), ("list", _LIST), ("one", _ONE),
                          ("post", _POST)):
            if kind == "bp" and spec.name not in {"sbp", "dbp"}:
                continue
            if kind == "roman" and spec.name != "nyha_class":
                continue
            m = pat.search(text, pos, end)
            if not m:
                continue
            gap = text[pos:m.start()]
            if first and not _GAP.match(gap):
                continue
            if not first and not _NEXT_GAP.fullmatch(gap):
                continue
            found.append((m.start(), -(m.end() - m.start()), kind, m))
        if not found:
            break
        found.sort(key=lambda x: (x[0], x[1]))
        got = None
        for _, _, kind, m in found:
            got = _read(kind, m, spec, text, end)
            if got is not None:
                break
        if got is None:
            pos = max(found[0][3].end(), pos + 1)
        else:
            out.extend(got[0])
            pos = max(got[1], pos + 1)
        first = False
    return out


def _read(kind: str, m: re.Match, spec: FieldSpec, text: str, limit: int) -> tuple[list[Threshold], int] | None:
    notes: list[str] = []
    field_name = spec.name
    end = m.end()
    if kind in ("one", "range", "post"):
        u = _uln_field(spec, text, m.end("b") if kind == "range" else m.end("a"))
        if u is None and m.groupdict().get("unit") and (m["unit"] or "").strip()[:1] in "xX×*":
            u = _uln_field(spec, text, m.start("unit"))
        if u is not None:
            ratio, end = u
            if ratio is None:
                return None
            field_name = ratio
            spec = FIELDS[ratio]
            m_unit = None
        else:
            m_unit = m.groupdict().get("unit")
    if kind == "roman":
        parts = re.split(r"\s*(?:,|or|and|-|–|to|/)\s*", m["list"].strip())
        nums = sorted({_ROMAN_VALUES[p] for p in parts if p in _ROMAN_VALUES})
        if not nums:
            return None
        if m["cmp"]:
            if len(nums) != 1:
                return None
            side, inc = _direction(m["cmp"])
            rule = _range(field_name, **{side: float(nums[0]), f"{side}_inclusive": inc})
        elif nums == list(range(nums[0], nums[-1] + 1)):
            rule = _range(field_name, minimum=float(nums[0]), maximum=float(nums[-1]))
        else:
            return None
        return ([Threshold(rule, m.start(), m.end())] if rule else None), m.end()
    if kind == "bp":
        side, inc = _direction(m["cmp"])
        a = _value(FIELDS["sbp"], m["a"], "mmHg") if spec.name == "sbp" else _value(FIELDS["dbp"], m["b"], "mmHg")
        if a is None:
            return None
        rule = _range(spec.name, **{side: a, f"{side}_inclusive": inc})
    elif kind == "one":
        a = _value(spec, m["a"], m_unit, notes)
        if a is None:
            return None
        side, inc = _direction(m["cmp"])
        rule = _range(field_name, **{side: a, f"{side}_inclusive": inc})
    elif kind == "range":
        unit_b = m_unit
        a = _value(spec, m["a"], m["unit_a"] or unit_b, notes)
        b = _value(spec, m["b"], unit_b, notes)
        if a is None or b is None or a > b:
            return None
        if _OUTSIDE.search(text, max(0, m.start() - 45), m.start("a")):
            # "outside the range of 100-160 mmHg": below the one or above the other (alternatives)
            lo = _range(field_name, maximum=a, maximum_inclusive=False)
            hi = _range(field_name, minimum=b, minimum_inclusive=False)
            if lo is None or hi is None:
                return None
            return [Threshold(lo, m.start(), end, or_group=-1), Threshold(hi, m.start(), end, or_group=-1)], end
        rule = _range(field_name, minimum=a, maximum=b)
    elif kind == "list":
        nums = sorted({int(x) for x in re.findall(r"\d+", m["list"])})
        step = int(spec.step) if spec.step >= 1 else 1
        if not spec.integer or nums != list(range(nums[0], nums[-1] + 1, step)) or nums[-1] > spec.high:
            return None
        rule = _range(field_name, minimum=float(nums[0]), maximum=float(nums[-1]))
    else:  # post: "18 years or older"
        a = _value(spec, m["a"], m_unit, notes)
        if a is None:
            return None
        up = m["post"].lower() in {"older", "over", "above", "more", "greater", "higher"}
        rule = _range(field_name, **({"minimum": a} if up else {"maximum": a}))
    if rule is None:
        return None
    if notes:
        rule = rule.model_copy(update={"note": DRAFT_NOTE + "; " + "; ".join(notes)})
    return [Threshold(rule, m.start(), end, notes=notes)], end


# -- the whole criterion --------------------------------------------------------------------------------
#: Names protocols use for fields whose entries in fields.py do not list them (kept here so that the field
#: table's existing entries stay as they are).
_EXTRA_ALIASES = {
    "creatinine_clearance": (r"\bCrCl\b", r"\bCLcr\b", r"\bCCr\b"),
    "cycle_length": (r"menstrual cycles?(?: length)?",),
    "ovarian_cyst_size": (r"ovarian cysts?",),
    "fibroid_size": (r"(?:uterine |submucosal |intramural |submucosal/intramural )*(?:uterine )?fibroids?",),
}


def _alias_patterns() -> list[tuple[str, re.Pattern]]:
    out = [(name, re.compile(alias, re.I)) for name, aliases in _EXTRA_ALIASES.items() for alias in aliases]
    for spec in FIELDS.values():
        if spec.kind != "number" or not spec.aliases:
            continue
        for alias in spec.aliases:
            out.append((spec.name, re.compile(alias, re.I)))
    out.append(("sbp+dbp", _BP_ALIAS))
    out.append(("alt+ast", re.compile(r"\b(?:serum\s+)?(?:liver\s+)?(?:transaminases?|aminotransferases?)\b"
                                      r"(?:\s*\((?:AST|ALT)\s*(?:/|and|,)\s*(?:AST|ALT)\)|\s*\(ALT\s*/\s*AST\))?", re.I)))
    return out


_ALIASES: list[tuple[str, re.Pattern]] | None = None


def _names_in(text: str) -> list[tuple[int, int, list[str]]]:
    """Field names in ``text``: (start, end, fields), leftmost-longest, not overlapping."""
    global _ALIASES
    if _ALIASES is None:
        _ALIASES = _alias_patterns()
    found = []
    for name, pat in _ALIASES:
        for m in pat.finditer(text):
            if m.end() > m.start():
                found.append((m.start(), -(m.end() - m.start()), name))
    found.sort()
    out: list[tuple[int, int, list[str]]] = []
    last_end = -1
    for s, neg, name in found:
        e = s - neg
        if s < last_end:
            continue
        out.append((s, e, name.split("+")))
        last_end = e
    return out


def _conditional_spans(text: str) -> list[tuple[int, int]]:
    """Stretches of ``text`` under a condition: from a conditional word to the end of its clause
    (closing parenthesis, semicolon, sentence end)."""
    spans = []
    for m in _CONDITION.finditer(text):
        # a condition inside parentheses covers the parenthesis; otherwise the rest of the clause
        open_at = text.rfind("(", max(0, m.start() - 80), m.start())
        close_before = text.rfind(")", max(0, m.start() - 80), m.start())
        if open_at > close_before:
            start = open_at
            close = text.find(")", m.end())
            end = close + 1 if close >= 0 else len(text)
        else:
            start = m.start()
            stop = _STOP_RE.search(text, m.end())
            end = stop.start() if stop else len(text)
            # "X unless Y": the condition also qualifies what came before it in the same clause
            if m.group(0).lower().startswith(("unless", "except", "with the exception")):
                prev = max(text.rfind(";", 0, m.start()), text.rfind(". ", 0, m.start()), text.rfind("\n", 0, m.start()))
                start = prev + 1
        spans.append((start, end))
    return spans


def draft_thresholds(text: str, kind: str) -> list[Threshold]:
    """Every threshold the drafting reads in a criterion's text (see the module docstring). Never raises."""
    try:
        return _draft_thresholds(text[:MAX_CHARS], kind)
    except Exception:  # noqa: BLE001 - drafting must never hide a trial
        return []


def _draft_thresholds(text: str, kind: str) -> list[Threshold]:
    names = _names_in(text)
    out: list[Threshold] = []
    i = 0
    while i < len(names):
        # a group of names sharing one threshold: "AST/ALT", "AST and ALT", "ALT or AST"
        j = i
        while j + 1 < len(names) and names[j + 1][0] - names[j][1] <= 12 and \
                _JOIN.match(text[names[j][1]:names[j + 1][0]]):
            j += 1
        group_fields = [f for n in names[i:j + 1] for f in n[2]]
        start = names[j][1]
        stop = _STOP_RE.search(text, start, min(len(text), start + _WINDOW))
        end = min(stop.start() if stop else len(text), start + _WINDOW)
        if j + 1 < len(names):
            end = min(end, names[j + 1][0])
        for f in dict.fromkeys(group_fields):
            spec = FIELDS[f]
            for k, th in enumerate(_thresholds_in(spec, text, start, end)):
                if k == 0:
                    th.start = names[i][0]  # the first threshold's words include the field's name
                out.append(th)
        i = j + 1
    if not any(t.rule.field == "age" for t in out):
        for m in _AGE_NO_ALIAS.finditer(text):
            if any(not (m.end() <= t.start or m.start() >= t.end) for t in out):
                continue
            if not m["ofage"] and not m["post"]:
                continue  # "for 5 years", "within 2 years": a time, not an age
            spec = FIELDS["age"]
            a = _value(spec, m["a"], "months" if m["ua"] else "years")
            b = _value(spec, m["b"], "years") if m["b"] else None
            if a is None:
                continue
            if b is not None:
                rule = _range("age", minimum=a, maximum=b)
            elif m["cmp"]:
                side, inc = _direction(m["cmp"])
                rule = _range("age", **{side: a, f"{side}_inclusive": inc})
            elif m["post"]:
                up = m["post"].lower() != "younger"
                rule = _range("age", **({"minimum": a} if up else {"maximum": a}))
            else:
                continue
            if rule is not None:
                out.append(Threshold(rule, m.start(), m.end()))
    out.sort(key=lambda t: (t.start, t.end))
    # drop the same bound written twice ("Hb ≥ 9 g/dL (5.6 mmol/L)", "≥ 1.5 × 10⁹/L (1500/mm³)")
    kept: list[Threshold] = []
    for t in out:
        if any(_same(t.rule, k.rule) for k in kept):
            continue
        kept.append(t)
    # conditional clauses: an exception is not a rule for everyone
    cond = _conditional_spans(text)
    # ("QTc > 450 ms for men or 470 ms for women": a condition right after a threshold qualifies it too)
    def conditional(t: Threshold) -> bool:
        return any(s <= t.start < e or s < t.end <= e or (0 <= s - t.end <= 2 and text[s] != "(")
                   for s, e in cond)

    excepted = {_base(t.rule.field) for t in kept if conditional(t)}
    kept = [t for t in kept if not conditional(t)]
    for t in kept:
        # "ALT ≤ 2.5 × ULN (≤ 5 × ULN with liver metastases)": the bound is not everyone's; reported, not executed
        if _base(t.rule.field) in excepted:
            t.has_exception = True
    # an age that is someone else's ("from a donor > 70 years of age") is not the candidate's
    kept = [t for t in kept if not (t.rule.field == "age" and _OTHER_PERSON.search(text, max(0, t.start - 50), t.end))]
    # alternatives that a rule list cannot execute
    joiner = "or" if kind == "inclusion" else "and"
    group = 0
    pending = [t for t in kept if t.or_group == -1]  # "outside the range": alternatives by their wording
    for t in pending:
        t.or_group = 0
    if kind == "inclusion" and pending:
        for k in range(0, len(pending), 2):
            group += 1
            for t in pending[k:k + 2]:
                t.or_group = group
    merged: list[Threshold] = []
    for t in kept:
        a = merged[-1] if merged else None
        between = text[a.end:t.start].lower() if a is not None else ""
        joined = a is not None and re.search(rf"\b{joiner}\b", between) and not re.search(r"[;.]", between)
        if joined and a.rule.field == t.rule.field and kind == "exclusion":
            # "age ≥ 18 and ≤ 65" excludes inside the range: one two-sided rule
            both = _merge(a.rule, t.rule)
            if both is not None:
                a.rule, a.end = both, t.end
                continue
        if joined:
            if not a.or_group:
                group += 1
                a.or_group = group
            t.or_group = a.or_group
        merged.append(t)
    kept = merged
    # a criterion worded against its kind
    if kind == "inclusion" and _EXCLUDING_WORDS.search(text):
        flipped = []
        for t in kept:
            r = _complement(t.rule)
            if r is not None:
                t.rule = r
                t.notes.append("the criterion says what excludes; the rule is its complement")
                flipped.append(t)
        kept = flipped
    elif kind == "exclusion" and _ALLOWING_WORDS.search(text):
        kept = []
    for t in kept:
        t.rule = t.rule.model_copy(update={"span": (t.start, t.end), "source_text": text[t.start:t.end]})
    return kept


def _base(field_name: str) -> str:
    return uln.analyte_of(field_name) or field_name


def _same(a: RangeRule, b: RangeRule) -> bool:
    if a.field != b.field:
        return False
    for x, y in ((a.minimum, b.minimum), (a.maximum, b.maximum)):
        if (x is None) != (y is None):
            return False
        if x is not None and abs(x - y) > 0.06 * max(abs(x), abs(y), 1e-9):
            return False
    return True


def _merge(a: RangeRule, b: RangeRule) -> RangeRule | None:
    lo = a if a.minimum is not None and a.maximum is None else b
    hi = b if lo is a else a
    if lo.minimum is None or lo.maximum is not None or hi.maximum is None or hi.minimum is not None:
        return None
    return _range(a.field, note=a.note or DRAFT_NOTE, minimum=lo.minimum, minimum_inclusive=lo.minimum_inclusive,
                  maximum=hi.maximum, maximum_inclusive=hi.maximum_inclusive)


def _complement(r: RangeRule) -> RangeRule | None:
    if r.minimum is not None and r.maximum is not None:
        return None
    if r.minimum is not None:
        return _range(r.field, note=r.note or DRAFT_NOTE, maximum=r.minimum, maximum_inclusive=not r.minimum_inclusive)
    return _range(r.field, note=r.note or DRAFT_NOTE, minimum=r.maximum, minimum_inclusive=not r.maximum_inclusive)


def draft_rules(criterion: EligibilityCriterion) -> list[Rule]:
    """Rules for one criterion, drafted from its text (never empty: at least a judgment rule; never raises)."""
    try:
        return _draft_rules(criterion)
    except Exception:  # noqa: BLE001 - a criterion the drafting cannot read needs a clinician, not a crash
        return [_judgment(criterion, False, FAILED_NOTE)]


def judgment_only(criterion: EligibilityCriterion) -> JudgmentRule:
    """The one rule of a criterion nothing can be drafted from: a clinician's judgment."""
    return _judgment(criterion, False)


def _judgment(criterion: EligibilityCriterion, partial: bool, note: str = DRAFT_NOTE) -> JudgmentRule:
    question = ("Does this criterion hold for the candidate?" if criterion.kind == "inclusion"
                else "Does this exclusion apply to the candidate?")
    if partial:
        question = "The rest of this criterion (beyond the drafted thresholds): " + question.lower()
    return JudgmentRule(question=question, source_text=criterion.text, span=(0, len(criterion.text)),
                        reviewed=False, note=note)


def _draft_rules(criterion: EligibilityCriterion) -> list[Rule]:
    text = criterion.text or ""
    read = text[:MAX_CHARS]
    thresholds = draft_thresholds(read, criterion.kind)
    rules: list[tuple[int, Rule]] = [(t.start, t.rule) for t in thresholds if not t.or_group and not t.has_exception]
    used = [(t.start, t.end) for t in thresholds]
    if criterion.kind == "exclusion":
        for m in _TRIAL_WINDOW.finditer(read):
            n = m["n"].lower()
            within = float(_WORD_NUMBERS.get(n, n) if not n.isdigit() else n)
            unit = m["u"].lower().rstrip("s") + "s"
            used.append((m.start(), m.end()))
            rules.append((m.start(), WindowRule(field="months_since_other_trial", within=within, unit=unit,
                                                reviewed=False, note=DRAFT_NOTE, span=(m.start(), m.end()),
                                                source_text=read[m.start():m.end()])))
    rules.sort(key=lambda x: x[0])
    out = [r for _, r in rules]
    # what the drafted rules do not cover: pieces of the text outside every used span
    pieces, cursor = [], 0
    for s, e in sorted(used):
        if s > cursor:
            pieces.append(read[cursor:s])
        cursor = max(cursor, e)
    pieces.append(read[cursor:])
    rest = " ".join(pieces)
    words = [w for w in re.findall(r"[A-Za-z]{3,}", rest) if w.lower() not in _STOP]
    if not out or len(words) > 2 or re.search(r"\d", rest) or len(text) > MAX_CHARS \
            or any(t.or_group or t.has_exception for t in thresholds):
        out.append(_judgment(criterion, bool(out)))
    return out


def draft_summary(trial: Trial) -> dict:
    """How many of the trial's criteria got executable drafted rules (for reports and the import page)."""
    drafted = [(c.id, draft_rules(c)) for c in trial.criteria]
    executable = [cid for cid, rules in drafted if any(r.kind != "judgment" for r in rules)]
    return {"nct_id": trial.nct_id, "criteria": len(drafted), "executable": len(executable),
            "executable_ids": executable}
