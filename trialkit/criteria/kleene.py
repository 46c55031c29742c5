"""Three-valued (Kleene) logic on the project's codes: the one place that says how rule outcomes combine.

Codes (contracts §3): ``1`` true / pass, ``0`` unknown, ``-1`` false / fail; always non-NULL integers, so the
same arithmetic works on numpy arrays and on database expressions (ibis columns), where NULL handling of
LEAST/GREATEST differs between engines.

* AND is the minimum, OR the maximum, NOT the negation (strong Kleene logic).
* An inclusion criterion passes when all its rules hold: AND of its rule codes.
* An exclusion criterion fails when any of its conditions holds: its code is NOT (OR of its rule codes).
* A criterion without rules cannot be decided automatically: unknown.
* A patient's status is the AND (minimum) over criteria: 1 eligible, 0 needs review, -1 ineligible.

Used by the in-memory engine (:mod:`trialkit.criteria.evaluate`), the cohort what-if
(:mod:`trialkit.cohort.analysis`) and the database compiler (:mod:`trialkit.omop.compile`). The operations
are given the backend's ``minimum``/``maximum`` so one definition serves numpy and SQL.
"""
from __future__ import annotations

from functools import reduce
from typing import Callable, Sequence

import numpy as np

TRUE, UNKNOWN, FALSE = 1, 0, -1
PASS, FAIL = TRUE, FALSE


def _np_min(a, b):
    return np.minimum(a, b)


def _np_max(a, b):
    return np.maximum(a, b)


def and_(codes: Sequence, minimum: Callable = _np_min):
    """Kleene AND of codes (the minimum)."""
    return reduce(minimum, codes)


def or_(codes: Sequence, maximum: Callable = _np_max):
    """Kleene OR of codes (the maximum)."""
    return reduce(maximum, codes)


def not_(code):
    """Kleene NOT (the negation: true <-> false, unknown stays unknown)."""
    return -code


def criterion(kind: str, rule_codes: Sequence, *, minimum: Callable = _np_min, maximum: Callable = _np_max,
              unknown=None):
    """A criterion's code from its rules' codes: AND for an inclusion, NOT OR for an exclusion; ``unknown``
    (what to return when there is no rule) defaults to the scalar 0."""
    if not rule_codes:
        return UNKNOWN if unknown is None else unknown
    if kind == "inclusion":
        return and_(rule_codes, minimum)
    return not_(or_(rule_codes, maximum))


def criterion_array(kind: str, rule_codes: Sequence[np.ndarray], n: int) -> np.ndarray:
    """:func:`criterion` on numpy int8 arrays of length ``n`` (int8 result)."""
    if not rule_codes:
        return np.zeros(n, dtype=np.int8)
    if len(rule_codes) == 1:
        rc = np.asarray(rule_codes[0], dtype=np.int8)
        return rc.copy() if kind == "inclusion" else np.negative(rc)
    if kind == "inclusion":
        return np.minimum.reduce(rule_codes).astype(np.int8, copy=False)
    return np.negative(np.maximum.reduce(rule_codes)).astype(np.int8, copy=False)


def status_array(codes: np.ndarray) -> np.ndarray:
    """Per row of an (n, k) code matrix, the patient's status (AND over criteria; eligible when k = 0)."""
    if codes.shape[1] == 0:
        return np.ones(codes.shape[0], dtype=np.int8)
    return codes.min(axis=1).astype(np.int8)


def from_condition(cond: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Codes from a boolean condition and an unknown mask (true 1, false -1, unknown 0), int8, no copies
    beyond the result."""
    out = np.ascontiguousarray(cond, dtype=bool).view(np.int8) * np.int8(2)  # true 2, false 0
    out -= 1  # true 1, false -1
    out *= (~np.asarray(unknown, dtype=bool)).view(np.int8)  # unknown 0
    return out
