"""The append-only audit trail of every write to the enrollment log: who, when, what.

Nothing in trialkit updates or deletes an audit row; on SQLite and PostgreSQL a trigger refuses it too.
A correction to a participant is a new event carrying the values before and after, never a silent
overwrite.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import (DDL, Column, DateTime, Integer, String, Table, Text, event, insert, select)

from trialkit.db import metadata
from trialkit.i18n import N_
from trialkit.message import Message, word

audit_events = Table(
    "enrollment_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(200), nullable=False),
    Column("nct_id", String(16), nullable=False, index=True),
    Column("action", String(40), nullable=False),  # import, record_screening, correct_screening, load_demo, ...
    Column("subject_id", String(100), nullable=True),
    Column("summary", Text, nullable=False),  # one human-readable line
    Column("detail", Text, nullable=False),  # JSON
)

event.listen(audit_events, "after_create", DDL(
    "CREATE TRIGGER enrollment_audit_no_update BEFORE UPDATE ON enrollment_audit "
    "BEGIN SELECT RAISE(ABORT, 'enrollment_audit is append-only'); END").execute_if(dialect="sqlite"))
event.listen(audit_events, "after_create", DDL(
    "CREATE TRIGGER enrollment_audit_no_delete BEFORE DELETE ON enrollment_audit "
    "BEGIN SELECT RAISE(ABORT, 'enrollment_audit is append-only'); END").execute_if(dialect="sqlite"))
event.listen(audit_events, "after_create", DDL(
    "CREATE OR REPLACE FUNCTION enrollment_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'enrollment_audit is append-only'; END; $$ LANGUAGE plpgsql").execute_if(
    dialect="postgresql"))
event.listen(audit_events, "after_create", DDL(
    "CREATE TRIGGER enrollment_audit_no_change BEFORE UPDATE OR DELETE ON enrollment_audit "
    "FOR EACH ROW EXECUTE FUNCTION enrollment_audit_append_only()").execute_if(dialect="postgresql"))

AUDIT_COLUMNS = ("at", "user", "nct_id", "action", "subject_id", "summary", "detail")

# The summaries trialkit writes (``Message(IMPORTED, …)`` in trialkit.enrollment.storage). The trail stores their
# English words, as it always has; :func:`summary_said` says a stored summary again in the reader's language.
IMPORTED_OVER_DEMO = N_("Imported {participants} participant(s) and {sites} site(s) for {nct_id} (replacing the "
                        "simulated demo data).")
IMPORTED_OVER_LOG = N_("Imported {participants} participant(s) and {sites} site(s) for {nct_id} (replacing the "
                       "previous log: {added} added, {changed} changed, {removed} removed).")
IMPORTED = N_("Imported {participants} participant(s) and {sites} site(s) for {nct_id}.")
CORRECTED_NOTHING = N_("Corrected {subject_id}: no change")
CORRECTED = N_("Corrected {subject_id}: {columns}")
RECORDED = N_("Recorded {subject_id} at site {site_id}: {screen_outcome}")
LOADED_DEMO = N_("Loaded {label}: {participants} participant(s), {sites} site(s) (seed {seed})")
#: most specific first (a summary is matched against each in turn)
SUMMARIES = (IMPORTED_OVER_DEMO, IMPORTED_OVER_LOG, IMPORTED, CORRECTED_NOTHING, CORRECTED, RECORDED, LOADED_DEMO)


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)) + r"\Z",
                      re.DOTALL)


_PATTERNS = [(t, _pattern(t)) for t in SUMMARIES]


def reread(text: object, templates=None, words: tuple[str, ...] = ()) -> object:
    """Stored English words written from one of ``templates`` (default: the trail's :data:`SUMMARIES`) as that
    :class:`~trialkit.message.Message` again, so a page can say them in its language; the text unchanged when no
    template matches (an event written by an older version, or by hand). Values equal to one of ``words`` (catalog
    words such as the demo-data label) are said as those words."""
    if not isinstance(text, str) or isinstance(text, Message):
        return text
    pats = _PATTERNS if templates is None else [(t, _pattern(t)) for t in templates]
    for template, pat in pats:
        m = pat.match(text)
        if m:
            values = {k: (word(v) if v in words else v) for k, v in m.groupdict().items()}
            again = Message(template, **values)
            if again == text:
                return again
    return text


def summary_said(summary: object) -> object:
    """A stored summary as its message (said by the page in the reader's language; English for anything else)."""
    from trialkit.enrollment.storage import DEMO_LABEL

    return reread(summary, words=(DEMO_LABEL,))


def record(conn, *, user: str, nct_id: str, action: str, summary: str, detail: dict | None = None,
           subject_id: str | None = None) -> None:
    """Append one event, inside the caller's transaction (so it lands with the write or not at all)."""
    if not user or not str(user).strip():
        from trialkit.errors import TrialkitError

        raise TrialkitError(Message("user: {user!r} is blank; the audit trail needs a name for who made the change",
                                    user=user))
    conn.execute(insert(audit_events).values(
        at=datetime.now(timezone.utc), user=str(user)[:200], nct_id=nct_id, action=action,
        subject_id=subject_id, summary=str(summary),
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)))


def read_audit(engine, nct_id: str | None = None) -> pd.DataFrame:
    """Every audit event (of one trial, when given), oldest first."""
    from trialkit.enrollment.storage import ensure_tables

    ensure_tables(engine)
    q = select(*[audit_events.c[c] for c in AUDIT_COLUMNS]).order_by(audit_events.c.id)
    if nct_id:
        q = q.where(audit_events.c.nct_id == nct_id)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(AUDIT_COLUMNS))
