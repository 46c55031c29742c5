"""Field kind ``set``: a set of codes, e.g. ``hpv_types`` (HPV type numbers detected).

Written forms: codes separated by ``,`` ``;`` ``/`` or spaces, each optionally prefixed ``HPV`` (``16,52``,
``HPV16/HPV52``, ``016`` = ``16``); ``none``, ``negative`` or ``neg`` = tested, nothing detected (the empty
set). A lone ``-`` is *unknown* like every other kind (:mod:`trialkit.values.words`). Canonical written form:
codes in numeric order joined by ``,`` (``16,52``) or ``none``; the engine's frame joins them by ``;``.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from trialkit.criteria.fields import cell_problems, field_message, reason_of, row_problem
from trialkit.errors import CandidateError
from trialkit.message import Message
from trialkit.values.words import UNKNOWN_WORDS, is_unknown

NONE_WORDS = frozenset({"none", "negative", "neg"})
_SPLIT = re.compile(r"[,;/\s]+")


def code_key(code: str):
    return (0, int(code)) if code.isdigit() else (1, code)


def _codes(spec, items) -> frozenset[str]:
    out = set()
    for it in items:
        code = str(it).strip().upper().removeprefix("HPV").strip("-_ ")
        if not re.fullmatch(spec.code_pattern, code):
            raise CandidateError(field_message(spec.name, Message(
                "{value!r} is not a type code (write e.g. 16,52)", value=str(it).strip())))
        out.add(str(int(code)) if code.isdigit() else code)
    return frozenset(out)


def parse(spec, value) -> frozenset[str] | None:
    if isinstance(value, (list, tuple, set, frozenset)):
        return _codes(spec, value)
    if is_unknown(value):
        return None
    s = str(value).strip()
    if s.lower() in NONE_WORDS:
        return frozenset()
    return _codes(spec, [p for p in _SPLIT.split(s) if p])


def write(spec, value) -> str:
    return ",".join(sorted(value, key=code_key)) if value else "none"


def show(spec, value) -> str:
    return ", ".join(sorted(value, key=code_key)) if value else "none"


def frame_text(value) -> str:
    """The engine frame's form: codes joined by ``;`` in numeric order ("" for none)."""
    return ";".join(sorted(value, key=code_key))


def column(name, spec, low: pd.Series, missing, row):
    """A CSV column -> a categorical of :func:`frame_text` values; each distinct cell is parsed once."""
    uniq, inv = np.unique(low.to_numpy(dtype=str), return_inverse=True)
    mapped: list[object] = []
    bad: dict[int, object] = {}
    for j, u in enumerate(uniq):
        if u.strip() in UNKNOWN_WORDS:
            mapped.append(None)
            continue
        try:
            mapped.append(frame_text(parse(spec, u)))
        except CandidateError as exc:
            bad[j] = reason_of(exc)
            mapped.append(None)
    problems = cell_problems(np.flatnonzero(np.isin(inv, list(bad))), lambda i: row_problem(row(i), name, bad[int(inv[i])]))
    cats = sorted({m for m in mapped if m is not None})
    pos = {c: k for k, c in enumerate(cats)}
    code_of = np.array([pos[m] if m is not None else -1 for m in mapped], dtype=np.int64)
    return pd.Categorical.from_codes(code_of[inv], categories=cats), problems
