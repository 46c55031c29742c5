"""Values with units -> a field's canonical unit, with pint (no hand-written factors).

``to_canonical("hemoglobin", "9.8 g/dL") == 98.0`` (g/L); ``to_canonical("fsh", "7 mIU/mL") == 7.0`` (IU/L);
``to_canonical("platelets", "150 10^3/uL") == 150.0`` (×10⁹/L, which is per nanolitre). A bare number is
already canonical. A unit that does not fit the field (``fsh = 3 g/dL``), an unknown unit, or a unit on a
count raises :class:`CandidateError` naming the field and the unit: never a guess.

Spelling the registry accepts: decimal commas (``9,8 g/dL``), ``10^9/L``, ``10⁹/L``, ``×10^9/L``, ``x10E9/L``,
``10*9/L``, ``K/uL``, ``µL``/``μL``/``uL``, ``gm/dl``, ``kg/m²``/``kg/m2``, ``mIU/mL``, ``y``/``yrs``/``mo``/``wk``.
Molar units (``mmol/L``) convert for an analyte only when the field states a molar mass (haemoglobin as
monomer, 16 114.5 g/mol, background.md).
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import pint

from trialkit.criteria.fields import FieldSpec, field_message, get_field
from trialkit.errors import CandidateError
from trialkit.message import Message


@lru_cache(maxsize=1)
def ureg() -> pint.UnitRegistry:
    reg = pint.UnitRegistry()
    reg.define("international_unit = [international_unit] = IU = iu")
    return reg


_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+))\s*(.*?)\s*$")
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_WORD_UNITS = [
    (r"\b(?:years?|yrs?|y)\b", "year"), (r"\b(?:months?|mos?)\b", "month"), (r"\b(?:weeks?|wks?)\b", "week"),
    (r"\b(?:days?|d)\b", "day"), (r"\bgm\b", "g"), (r"\bmcg\b", "ug"), (r"\bcells?\b", ""),
    (r"\bK\b", "1e3"), (r"\bG(?=/L\b)", "1e9"),
    # enzyme activity: 1 U (µmol/min) is the international unit, "U/L" = "IU/L", "mU/mL" = "mIU/mL"
    (r"(?<![A-Za-z])([kmu]?)U(?![A-Za-z])", r"\1IU"),
]


def parse_number(text: str) -> float:
    """"9,8" -> 9.8 (decimal comma), "10.4" -> 10.4; a thousands separator is not a decimal comma here:
    "100,000" is refused by :func:`split_value` callers unless they handle it (extract.py does)."""
    return float(text.replace(",", "."))


def split_value(text: str) -> tuple[float, str]:
    """"9,8 g/dL" -> (9.8, "g/dL"); raises ValueError when the text does not start with a number."""
    m = _NUMBER.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a number")
    return parse_number(m.group(1)), m.group(2)


def normalise_unit(unit: str) -> str:
    """Rewrite the spellings of lab reports into a pint expression ("150 10^3/uL" style -> "1e3/uL")."""
    u = re.sub(r"([0-9A-Za-z)])([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)", lambda m: m.group(1) + "^" + m.group(2).translate(_SUPERSCRIPT),
               unit.strip())
    u = u.replace("µ", "u").replace("μ", "u")
    # 10^9, 10E9, 10*9, 10**9 (optionally after × or x) -> 1e9
    u = re.sub(r"(?:[×xX]\s*)?10\s*(?:\^|\*\*|\*|[eE])\s*(-?\d+)", r"1e\1", u)
    for pattern, repl in _WORD_UNITS:
        u = re.sub(pattern, repl, u)
    u = re.sub(r"(?<![0-9.])([A-Za-z])(\d)\b", r"\1**\2", u)  # m2 -> m**2, mm3 -> mm**3
    u = u.replace("^", "**").strip()
    if u.startswith("/"):
        u = "1" + u
    return u


def _fail(spec: FieldSpec, unit: str, why: str) -> CandidateError:
    return CandidateError(field_message(spec.name, Message("unit {unit!r} {why}", unit=unit, why=why)))


def _pint_convert(spec: FieldSpec, value: float, expr: str) -> float:
    reg = ureg()
    q = value * reg.parse_expression(expr)
    if not isinstance(q, pint.Quantity):
        q = reg.Quantity(q)
    if spec.molar_mass and q.check("[substance] / [length] ** 3"):
        q = q * reg.parse_expression(spec.molar_mass)
    return float(q.to(spec.pint_unit).magnitude)


def convert(spec: FieldSpec, value: float, unit: str) -> float:
    """``value`` in ``unit`` -> ``spec``'s canonical unit (refusing what does not fit)."""
    unit = unit.strip()
    if not unit:
        return float(value)
    if spec.kind != "number":
        raise _fail(spec, unit, Message("makes no sense for {label} (not a number)", label=spec.label_word))
    expr = normalise_unit(unit)
    if spec.pint_unit is None:
        raise _fail(spec, unit, Message("does not fit {field} (a count or score takes a bare number)",
                                        field=spec.display_word))
    if spec.pint_unit == "percent" and expr.replace(" ", "") not in {"%", "percent", "pct"}:
        # dimensionless ratios would convert (53 mmol/mol -> 5.3 %), but HbA1c's IFCC mmol/mol and NGSP % are
        # two scales, and an ejection fraction is only ever a percentage: a percent field takes only %
        raise _fail(spec, unit, Message("does not fit {field} (a percentage takes %; IFCC mmol/mol is another "
                                        "scale, not a unit of it)", field=spec.display_word))
    try:
        out = _pint_convert(spec, value, expr)
    except pint.DimensionalityError:
        raise _fail(spec, unit, Message("does not fit {field}", field=spec.display_word)) from None
    except Exception:  # noqa: BLE001 - pint's tokenizer/parser raise TokenError, AssertionError, IndexError...
        # Every other failure of pint on user text is the ordinary refused unit, never a crash.
        raise _fail(spec, unit, Message("is not a unit trialkit knows (for {field})",
                                        field=spec.display_word)) from None
    if not math.isfinite(out):
        raise _fail(spec, unit, Message("gives no finite value for {field}", field=spec.display_word))
    return float(f"{out:.12g}")  # drop float noise (100000/mm^3 -> 100, not 100.00000000000003)


def not_a_number(value, allow_never: bool = False) -> Message:
    """"'x' is not a number" (a time since an event adds "(or 'never')")."""
    if allow_never:
        return Message("{value!r} is not a number (or 'never')", value=value)
    return Message("{value!r} is not a number", value=value)


def not_whole(value, spec: FieldSpec) -> Message:
    """"'2.5' is not a whole number (AFC is a count)"."""
    return Message("{value!r} is not a whole number ({label} is a count)", value=value, label=spec.label_word)


def to_canonical(field: str | FieldSpec, text) -> float:
    """A number, or a text such as "9.8 g/dL", in the field's canonical unit."""
    spec = get_field(field) if isinstance(field, str) else field
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        s = str(text).strip()
        if spec.allow_never and s.lower() in {"never", "inf", "none"}:
            return math.inf
        try:
            value, unit = split_value(s)
        except ValueError:
            raise CandidateError(field_message(spec.name, not_a_number(s, spec.allow_never))) from None
        value = convert(spec, value, unit)
    if math.isnan(value) or math.isinf(value):
        raise CandidateError(field_message(spec.name, Message("{value!r} is not a finite number", value=text)))
    if value < 0:
        raise CandidateError(field_message(spec.name, Message("{value!r} is negative", value=text)))
    if spec.integer and value != int(value):
        raise CandidateError(field_message(spec.name, not_whole(text, spec)))
    return value
