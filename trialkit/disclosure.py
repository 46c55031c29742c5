"""Small-count suppression for demos and reports shown outside the study team.

In demo mode every count from 1 to 4 is shown as "<5" (a count of 0 stays 0: it identifies nobody);
the threshold follows common statistical-disclosure practice for small cells.
"""
from __future__ import annotations

SMALL_COUNT_THRESHOLD = 5


def is_small(n: int | float | None) -> bool:
    return n is not None and 0 < n < SMALL_COUNT_THRESHOLD


def format_count(n: int | float | None, *, suppress: bool = False) -> str:
    """``format_count(3, suppress=True)`` -> ``"<5"``; ``format_count(12)`` -> ``"12"``."""
    if n is None:
        return "not stated"
    if suppress and is_small(n):
        return f"<{SMALL_COUNT_THRESHOLD}"
    return f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"
