"""Field kind "time since an event" (a ``number`` field with ``allow_never``): months since it last
happened, or ``never`` (stored as +inf: infinitely long ago).

Written forms: everything :mod:`trialkit.values.number` takes, plus ``never``/``none``/``inf`` for "it never
happened" (``none`` here is an answer, not unknown; unknown is written as in :mod:`trialkit.values.words`).
Canonical written form: the number of months, or ``never``; displayed "6 months" / "never".
"""
from __future__ import annotations

import math

import numpy as np

from trialkit.values import number
from trialkit.values.words import is_unknown

NEVER_WORDS = frozenset({"never", "none", "inf"})


def parse(spec, value) -> float | None:
    if is_unknown(value):
        return None
    if isinstance(value, str) and value.strip().lower() in NEVER_WORDS:
        return math.inf
    if isinstance(value, float) and value == math.inf:
        return math.inf
    return number.parse(spec, value)


def write(spec, value: float) -> str:
    return "never" if value == math.inf else number.write(spec, value)


def show(spec, value: float) -> str:
    return spec.format(value)


def column(name, spec, s, low, missing, row):
    never = low.isin(NEVER_WORDS).to_numpy() & ~missing
    return number.column(name, spec, s, low, missing, row, never=never)
