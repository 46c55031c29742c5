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


def format_share(rate: float | None, *, numerator: int | float | None, suppress: bool = False,
                 digits: int = 0) -> str | None:
    """A rate as a percentage, ``format_share(0.4, numerator=2)`` -> ``"40%"``; None when there is no rate,
    or when ``suppress`` is on and the rate's numerator is a small count (the share would give it away)."""
    if rate is None or (isinstance(rate, float) and rate != rate):  # None or NaN
        return None
    if suppress and is_small(numerator):
        return None
    return f"{100 * rate:.{digits}f}%"
