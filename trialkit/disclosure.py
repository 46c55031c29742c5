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


# -- the audit trail ----------------------------------------------------------------------------------------
#: what the audit trail shows outside demo mode (who did what, to which record, when)
AUDIT_DETAIL_COLUMNS = ("at", "user", "action", "subject_id", "summary")
#: what it shows in demo mode: how many events of each kind on each day, nothing about any one participant
AUDIT_COUNT_COLUMNS = ("day", "action", "events")


def audit_view(trail, *, demo: bool, export: bool = False):
    """The audit trail as it may be shown, on screen and in its CSV (one policy for both).

    Outside demo mode: one row per event (``AUDIT_DETAIL_COLUMNS``, ``at`` as UTC text; with ``export``
    every stored column, as the CSV has always carried). In demo mode, screen and CSV alike: counts
    only, one row per day and kind of event (``AUDIT_COUNT_COLUMNS``), counts from 1 to 4 shown as "<5";
    no subject id, user or summary leaves the server."""
    import pandas as pd

    at = pd.to_datetime(trail["at"], utc=True)
    if not demo:
        out = trail.copy() if export else trail[list(AUDIT_DETAIL_COLUMNS)].copy()
        out["at"] = at.dt.strftime("%Y-%m-%d %H:%M:%S UTC")
        return out.reset_index(drop=True)
    counts = (pd.DataFrame({"day": at.dt.strftime("%Y-%m-%d"), "action": trail["action"].astype(str)})
              .groupby(["day", "action"], sort=True).size().reset_index(name="events"))
    counts["events"] = [format_count(int(n), suppress=True) for n in counts["events"]]
    return counts[list(AUDIT_COUNT_COLUMNS)]
