"""Field kind ``number``: a quantity in the field's canonical unit (``FieldSpec.unit``), e.g. FSH in IU/L.

Written forms: a bare number (``10.4``; a decimal comma ``10,4`` too in a CSV cell) is in the canonical unit;
a number with a unit (``9.8 g/dL``, ``7 mIU/mL``) is converted by :mod:`trialkit.criteria.units` (pint).
Negative values, and fractions of a count (``integer`` fields), are refused. Canonical written form: the
number in the canonical unit without the unit (``10.4``, ``39``); display with the unit ("10.4 IU/L").
Time since an event (``allow_never``) adds ``never``: :mod:`trialkit.values.since`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from trialkit.criteria.fields import (DETAILED_PROBLEMS, cell_problems, field_message, format_number, reason_of,
                                      row_problem)
from trialkit.criteria.units import convert, not_a_number, not_whole, to_canonical
from trialkit.errors import CandidateError
from trialkit.message import Message
from trialkit.values.words import is_unknown

_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+))\s*(.*?)\s*$")


def parse(spec, value) -> float | None:
    if is_unknown(value):
        return None
    if isinstance(value, bool):
        raise CandidateError(field_message(spec.name, not_a_number(value)))
    return to_canonical(spec, value)


def _not_finite(value, allow_never: bool) -> Message:
    if allow_never:
        return Message("{value!r} is not a finite number (write 'never')", value=value)
    return Message("{value!r} is not a finite number", value=value)


def write(spec, value: float) -> str:
    return format_number(value)


def show(spec, value: float) -> str:
    return spec.format(value)


def column(name, spec, s: pd.Series, low: pd.Series, missing: np.ndarray, row,
           never: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """A CSV column -> float64 in the canonical unit (NaN unknown, +inf where ``never`` is set); conversion
    factors are worked out once per distinct unit in the column."""
    problems: list[str] = []
    out = np.full(len(s), np.nan)
    fast = pd.to_numeric(s.where(~missing), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(fast) & ~missing  # "inf", "1e400": not values anyone measured (issue 12)
    out[ok] = fast[ok]
    rest = ~ok & ~missing
    if never is not None:
        out[never & rest] = np.inf
        rest &= ~never
    if rest.any():
        parts = s[rest].str.extract(_NUMBER.pattern)
        idx = np.flatnonzero(rest)
        nums = pd.to_numeric(parts[0].str.replace(",", ".", regex=False), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan)
        units = parts[1].fillna("").to_numpy(dtype=object)
        factors: dict[str, object] = {}  # a factor, or why the unit is refused
        for u in pd.unique(units):
            if u == "":
                factors[u] = 1.0
                continue
            try:
                factors[u] = convert(spec, 1.0, u)
            except CandidateError as exc:
                factors[u] = reason_of(exc)
        written = 0  # problems of this check written out (rows ascending); the rest are counted as None

        def add(make) -> None:
            nonlocal written
            problems.append(make() if written < DETAILED_PROBLEMS else None)
            written += 1

        for pos, i in enumerate(idx):
            if np.isinf(fast[i]):
                add(lambda i=i: row_problem(row(int(i)), name, _not_finite(s.iloc[i], spec.allow_never)))
                continue
            if np.isnan(nums[pos]):
                add(lambda i=i: row_problem(row(int(i)), name, not_a_number(s.iloc[i], spec.allow_never)))
                continue
            f = factors[units[pos]]
            if not isinstance(f, float):
                add(lambda i=i, f=f: row_problem(row(int(i)), name, f))
                continue
            out[i] = float(f"{nums[pos] * f:.12g}")
    problems += cell_problems(np.flatnonzero(out < 0), lambda i: row_problem(
        row(i), name, Message("{value!r} is negative", value=s.iloc[i])))
    if spec.integer:
        with np.errstate(invalid="ignore"):
            frac = np.isfinite(out) & (out != np.floor(out))
        problems += cell_problems(np.flatnonzero(frac), lambda i: row_problem(row(i), name, not_whole(s.iloc[i], spec)))
    return out, problems
