"""Field kind ``sex``: ``female`` or ``male`` (CT.gov's eligibility sex; contracts §2).

Written forms: ``female``/``f``/``woman``/``women`` and ``male``/``m``/``man``/``men`` (any case);
canonical written form and display ``female``/``male``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.errors import CandidateError
from trialkit.values.words import is_unknown

WORDS = {"female": "female", "f": "female", "woman": "female", "women": "female",
         "male": "male", "m": "male", "man": "male", "men": "male"}
CATEGORIES = ["female", "male"]


def parse(spec, value) -> str | None:
    if is_unknown(value):
        return None
    s = str(value).strip().lower()
    if s not in WORDS:
        raise CandidateError(f"{spec.name}: {value!r} is not female or male")
    return WORDS[s]


def write(spec, value: str) -> str:
    return str(value)


def show(spec, value: str) -> str:
    return str(value)


def column(name, low, missing, raw, row):
    mapped = low.map(WORDS)
    ok = mapped.notna().to_numpy()
    problems = [f"row {row(int(i))}: {name}: {raw.iloc[i]!r} is not female or male"
                for i in np.flatnonzero(~(ok | missing))]
    female, male = (mapped == "female").to_numpy(), (mapped == "male").to_numpy()
    codes = np.where(female, 0, np.where(male, 1, -1)).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=CATEGORIES), problems
