"""The written words every field kind shares: what "unknown" is written as.

One meaning per written value, wherever it is written (``--set`` on the command line, a link's query
parameter, a CSV cell, a share link): ``""``, ``unknown``, ``?``, ``na``, ``n/a``, ``nan``, ``not known`` and
a lone ``-`` mean *unknown*. A dash is how a table says "no data", so it is unknown for every kind, also
for a code set (write ``none`` or ``negative`` for "tested, nothing detected").
"""
from __future__ import annotations

import math

UNKNOWN_WORDS = frozenset({"", "unknown", "?", "na", "n/a", "nan", "not known", "-"})


def is_unknown(value) -> bool:
    """None, NaN, pandas' NA, or one of :data:`UNKNOWN_WORDS` (any case, surrounding spaces ignored)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if type(value).__name__ in {"NAType", "NaTType"}:
        return True
    return isinstance(value, str) and value.strip().lower() in UNKNOWN_WORDS
