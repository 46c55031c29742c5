"""Small-count suppression for demos and reports shown outside the study team.

In demo mode every count from 1 to 4 is shown as "<5" (a count of 0 stays 0: it identifies nobody);
the threshold follows common statistical-disclosure practice for small cells.
"""
from __future__ import annotations

from trialkit.message import Message

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
class HiddenCountError(ValueError):
    """A hidden small count was about to be divided into a share (which would give it away)."""


class Count:
    """A count that carries its disclosure policy: in demo mode (``suppress``) a count from 1 to 4 is hidden.

    ``str(Count(3, suppress=True))`` is ``"<5"``; ``Count(3, suppress=True).share(60)`` is None (no
    percentage of a hidden count, and none *of* a hidden count either); dividing a hidden count raises
    :class:`HiddenCountError`, so no page can print "<5 enrolled (67%)" by accident. Unhidden, it divides
    and formats like its number (``f"{Count(12):,}"``).
    """

    __slots__ = ("n", "suppress")

    def __init__(self, n: int | float | None, *, suppress: bool = False):
        self.n = n.n if isinstance(n, Count) else n
        self.suppress = suppress or (isinstance(n, Count) and n.suppress)

    @property
    def hidden(self) -> bool:
        return self.suppress and is_small(self.n)

    def __str__(self) -> str:
        return format_count(self.n, suppress=self.suppress)

    def __repr__(self) -> str:
        return f"Count({self.n!r}, suppress={self.suppress})"

    def __format__(self, spec: str) -> str:
        if not spec or self.hidden or self.n is None:
            return str(self)
        return format(self.n, spec)

    def __eq__(self, other) -> bool:
        return (self.n, self.suppress) == (other.n, other.suppress) if isinstance(other, Count) else NotImplemented

    __hash__ = None

    def _number(self) -> float:
        if self.hidden:
            raise HiddenCountError(Message("a hidden count ({count}) cannot be divided into a share", count=str(self)))
        if self.n is None:
            raise HiddenCountError(Message("a count that is not stated cannot be divided into a share"))
        return float(self.n)

    def __truediv__(self, other) -> float:
        return self._number() / (other._number() if isinstance(other, Count) else float(other))

    def __rtruediv__(self, other) -> float:
        return float(other) / self._number()

    def share(self, of, *, digits: int = 0) -> str | None:
        """``"40%"`` of ``of`` (a number or a Count); None when either is hidden, not stated or ``of`` is 0."""
        whole = of if isinstance(of, Count) else Count(of, suppress=self.suppress)
        if self.hidden or whole.hidden or self.n is None or whole.n in (None, 0):
            return None
        return f"{100 * float(self.n) / float(whole.n):.{digits}f}%"

    def rate(self, rate: float | None, *, digits: int = 0) -> str | None:
        """A rate computed elsewhere whose numerator is this count, as a percentage; None when hidden."""
        return format_share(rate, numerator=self.n, suppress=self.suppress, digits=digits)
