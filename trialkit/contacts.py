"""Who to contact about a study: its central contacts and, per site, the site's status and contact.

Values are as the registry gives them; a site without a contact says so rather than borrowing one.
"""
from __future__ import annotations

from collections import Counter

from trialkit.models import Contact, Trial
from trialkit.plain_language import NOT_STATED, humanize


def contact_row(c: Contact) -> dict[str, str]:
    return {"Name": c.name or NOT_STATED, "Role": humanize(c.role), "Phone": c.phone or NOT_STATED,
            "Email": c.email or NOT_STATED}


def _join(values: list[str | None]) -> str:
    vals = list(dict.fromkeys(v for v in values if v))
    return "; ".join(vals) if vals else NOT_STATED


def site_rows(trial: Trial) -> list[dict[str, str]]:
    """One row per site: facility, place, recruitment status and the site's own contact(s)."""
    return [{
        "Facility": l.facility or NOT_STATED, "City": l.city or NOT_STATED, "State": l.state or NOT_STATED,
        "Country": l.country or NOT_STATED, "Status": humanize(l.status),
        "Contact": _join([c.name for c in l.contacts]), "Phone": _join([c.phone for c in l.contacts]),
        "Email": _join([c.email for c in l.contacts]),
    } for l in trial.locations]


def site_status_counts(trial: Trial) -> dict[str, int]:
    """Sites per recruitment status ("Recruiting": 12, …), most common first."""
    return dict(Counter(humanize(l.status) for l in trial.locations).most_common())


def filter_sites(rows: list[dict[str, str]], query: str = "", statuses: list[str] | None = None) -> list[dict]:
    """Rows whose text contains every word of ``query`` (case-insensitive) and whose status is chosen."""
    words = query.lower().split()
    out = []
    for r in rows:
        if statuses and r["Status"] not in statuses:
            continue
        hay = " ".join(r.values()).lower()
        if all(w in hay for w in words):
            out.append(r)
    return out
