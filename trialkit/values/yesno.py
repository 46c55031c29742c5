"""Field kind ``yesno``: a fact that holds or not (``pregnant``, ``informed_consent``).

Written forms: ``yes``/``y``/``true``/``t``/``1`` and ``no``/``n``/``false``/``f``/``0`` (any case), or a
bool; canonical written form ``yes``/``no``; shown as "yes"/"no". A clinician's answer to a judgment
question (:mod:`trialkit.values.answer`) uses the same words.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.criteria.fields import cell_problems, field_message, row_problem
from trialkit.errors import CandidateError
from trialkit.message import Message
from trialkit.values.words import is_unknown

YES_WORDS = frozenset({"yes", "y", "true", "t", "1"})
NO_WORDS = frozenset({"no", "n", "false", "f", "0"})


def parse_bool(name: str, value, what: object = None) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if is_unknown(value):
        return None
    s = str(value).strip().lower()
    if s in YES_WORDS:
        return True
    if s in NO_WORDS:
        return False
    raise CandidateError(field_message(name, Message("{value!r} is not {what}", value=value,
                                                     what=Message("yes or no") if what is None else what)))


def parse(spec, value) -> bool | None:
    return parse_bool(spec.name, value)


def write(spec, value: bool) -> str:
    return "yes" if value else "no"


def show(spec, value: bool) -> str:
    return "yes" if value else "no"


def column(name: str, low: pd.Series, missing: np.ndarray, raw: pd.Series, row) -> tuple[object, list[str]]:
    """A CSV column (lower-cased cells) -> a nullable boolean array; problems as ``row N: name: …``."""
    yes, no = low.isin(YES_WORDS).to_numpy(), low.isin(NO_WORDS).to_numpy()
    problems = cell_problems(np.flatnonzero(~(yes | no | missing)), lambda i: row_problem(
        row(i), name, Message("{value!r} is not {what}", value=raw.iloc[i], what=Message("yes or no"))))
    return pd.arrays.BooleanArray(yes, ~(yes | no)), problems
