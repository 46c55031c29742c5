"""Field kind ``sex``: ``female`` or ``male`` (CT.gov's eligibility sex; contracts §2).

Written forms: ``female``/``f``/``woman``/``women`` and ``male``/``m``/``man``/``men`` (any case);
canonical written form and display ``female``/``male``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.criteria.fields import cell_problems, field_message, row_problem
from trialkit.errors import CandidateError
from trialkit.message import Message
from trialkit.values.words import is_unknown

WORDS = {"female": "female", "f": "female", "woman": "female", "women": "female",
         "male": "male", "m": "male", "man": "male", "men": "male"}
CATEGORIES = ["female", "male"]


def parse(spec, value) -> str | None:
    if is_unknown(value):
        return None
    s = str(value).strip().lower()
    if s not in WORDS:
        raise CandidateError(field_message(spec.name, _not_a_sex(value)))
    return WORDS[s]


def _not_a_sex(value) -> Message:
    return Message("{value!r} is not female or male", value=value)


def write(spec, value: str) -> str:
    return str(value)


def show(spec, value: str) -> str:
    return str(value)


def column(name, low, missing, raw, row):
    mapped = low.map(WORDS)
    ok = mapped.notna().to_numpy()
    problems = cell_problems(np.flatnonzero(~(ok | missing)),
                             lambda i: row_problem(row(i), name, _not_a_sex(raw.iloc[i])))
    female, male = (mapped == "female").to_numpy(), (mapped == "male").to_numpy()
    codes = np.where(female, 0, np.where(male, 1, -1)).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=CATEGORIES), problems
