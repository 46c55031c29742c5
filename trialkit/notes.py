"""Private notes attached to a part of a study: a criterion (``I2``, ``E10``) or an overview field.

A note belongs to its author (the signed-in user, or the local user when sign-in is off; the UI passes
``common.current_user()``). Every read and write takes the author and touches only that author's notes:
nobody else can list, edit or delete them. Notes live in the trialkit database (``trialkit.db``) and
export with the report through :func:`notes_for_report`.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from pydantic import BaseModel
from sqlalchemy import (Column, DateTime, Engine, Index, Integer, String, Table, Text, and_, delete, insert,
                        select, update)

from trialkit.ctgov import NCT_ID
from trialkit.db import metadata
from trialkit.errors import TrialkitError
from trialkit.i18n import N_, gettext
from trialkit.message import Message

MAX_NOTE_CHARS = 10_000
MAX_AUTHOR_CHARS = 320

#: Overview fields a note can be attached to (target name -> label shown on screen).
OVERVIEW_FIELDS: dict[str, str] = {
    "title": N_("Title"),
    "overall_status": N_("Status"),
    "key_facts": N_("Key facts"),
    "design": N_("Design"),
    "enrollment": N_("Enrollment"),
    "eligibility": N_("Sex, ages, healthy volunteers"),
    "brief_summary": N_("Summary"),
    "arm_groups": N_("Arm groups"),
    "interventions": N_("Interventions"),
    "outcomes": N_("Objectives and outcome measures"),
    "central_contacts": N_("Central contacts"),
    "locations": N_("Sites and site contacts"),
}
_CRITERION = re.compile(r"^[IE][1-9]\d{0,3}$")

notes_table = Table(
    "notes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nct_id", String(11), nullable=False),
    Column("target", String(64), nullable=False),
    Column("author", String(MAX_AUTHOR_CHARS), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_notes_author_trial", "author", "nct_id", "target"),
)


class NoteError(TrialkitError):
    """A note that cannot be written, or one that does not exist for this author."""


class Note(BaseModel):
    id: int
    nct_id: str
    target: str
    author: str
    body: str
    created_at: datetime
    updated_at: datetime

    @property
    def target_label(self) -> str:
        return target_label(self.target)


def is_criterion_target(target: str) -> bool:
    return bool(_CRITERION.match(target))


def target_label(target: str) -> str:
    if is_criterion_target(target):
        return f"Criterion {target}"
    return OVERVIEW_FIELDS.get(target, target)


def display_label(target: str) -> str:
    """:func:`target_label` in the interface language (the JSON export keeps :func:`target_label`)."""
    if is_criterion_target(target):
        return gettext("Criterion {id}").format(id=target)
    return gettext(OVERVIEW_FIELDS.get(target, target))


def target_sort_key(target: str) -> tuple:
    """Overview fields in page order, then inclusion then exclusion criteria in protocol order."""
    if is_criterion_target(target):
        return (1, 0 if target[0] == "I" else 1, int(target[1:]), "")
    fields = list(OVERVIEW_FIELDS)
    return (0, fields.index(target) if target in fields else len(fields), 0, target)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)  # SQLite returns naive datetimes


def _row(r) -> Note:
    m = dict(r._mapping)
    m["created_at"], m["updated_at"] = _aware(m["created_at"]), _aware(m["updated_at"])
    return Note(**m)


def _check_author(author: str) -> str:
    if not isinstance(author, str) or not author.strip():
        raise NoteError(Message("a note needs an author (the signed-in or local user)"))
    if len(author) > MAX_AUTHOR_CHARS:
        raise NoteError(Message("author: longer than {limit} characters", limit=MAX_AUTHOR_CHARS))
    return author


def _check_body(body: str) -> str:
    if not isinstance(body, str) or not body.strip():
        raise NoteError(Message("note: the text is empty"))
    if len(body) > MAX_NOTE_CHARS:
        raise NoteError(Message("note: {n:,} characters; at most {limit:,} are kept", n=len(body), limit=MAX_NOTE_CHARS))
    return body.strip()


#: Author keys trialkit writes since issue 12: ``oidc:<iss>|<sub>`` (signed in) or ``local:<os user>``.
KEY_PREFIXES = ("oidc:", "local:")


def adopt_legacy_notes(engine: Engine, *, legacy: str, key: str) -> int:
    """Migration: notes (and shares) written before authors were keyed by issuer + subject carry the
    signed-in user's e-mail (or name) as author. Hand those to ``key`` (``oidc:…``) so their author keeps
    reading them; author keys of the new form are never touched. Returns the number of notes moved."""
    from trialkit.sharing import shares_table

    if not legacy or legacy.startswith(KEY_PREFIXES) or not key.startswith("oidc:"):
        return 0
    with engine.begin() as conn:
        moved = conn.execute(update(notes_table).where(notes_table.c.author == legacy).values(author=key)).rowcount
        conn.execute(update(shares_table).where(shares_table.c.author == legacy).values(author=key))
    return int(moved or 0)


def check_target(nct_id: str, target: str) -> None:
    if not isinstance(nct_id, str) or not NCT_ID.match(nct_id):
        raise NoteError(Message("trial {nct_id!r}: not an NCT id (NCT followed by 8 digits)", nct_id=nct_id))
    if not isinstance(target, str) or not (is_criterion_target(target) or target in OVERVIEW_FIELDS):
        raise NoteError(Message("target {target!r}: not a criterion id (I1, E2, …) or an overview field ({fields})",
                                target=target, fields=", ".join(OVERVIEW_FIELDS)))


def add_note(engine: Engine, *, nct_id: str, target: str, author: str, body: str,
             now: datetime | None = None) -> Note:
    check_target(nct_id, target)
    author, body, ts = _check_author(author), _check_body(body), _now(now)
    with engine.begin() as conn:
        res = conn.execute(insert(notes_table).values(nct_id=nct_id, target=target, author=author, body=body,
                                                      created_at=ts, updated_at=ts))
        note_id = res.inserted_primary_key[0]
        return _row(conn.execute(select(notes_table).where(notes_table.c.id == note_id)).one())


def list_notes(engine: Engine, *, author: str, nct_id: str | None = None, target: str | None = None) -> list[Note]:
    """The author's notes (only theirs), oldest first; optionally for one trial and one target."""
    _check_author(author)
    cond = [notes_table.c.author == author]
    if nct_id is not None:
        cond.append(notes_table.c.nct_id == nct_id)
    if target is not None:
        cond.append(notes_table.c.target == target)
    with engine.connect() as conn:
        rows = conn.execute(select(notes_table).where(and_(*cond))
                            .order_by(notes_table.c.created_at, notes_table.c.id)).all()
    return [_row(r) for r in rows]


def notes_by_target(engine: Engine, *, author: str, nct_id: str) -> dict[str, list[Note]]:
    """The author's notes on one trial grouped by target (one query for a whole page)."""
    out: dict[str, list[Note]] = {}
    for n in list_notes(engine, author=author, nct_id=nct_id):
        out.setdefault(n.target, []).append(n)
    return out


def get_notes(engine: Engine, note_ids: list[int], *, author: str) -> list[Note]:
    """The author's notes with these ids; an id that is not the author's is reported as missing."""
    _check_author(author)
    ids = [int(i) for i in note_ids]
    if not ids:
        return []
    with engine.connect() as conn:
        rows = conn.execute(select(notes_table).where(notes_table.c.id.in_(ids),
                                                      notes_table.c.author == author)).all()
    found = {r.id: _row(r) for r in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NoteError(Message("note(s) {ids}: not found among your notes", ids=", ".join(map(str, missing))))
    return [found[i] for i in ids]


def update_note(engine: Engine, note_id: int, *, author: str, body: str, now: datetime | None = None) -> Note:
    _check_author(author)
    body, ts = _check_body(body), _now(now)
    with engine.begin() as conn:
        res = conn.execute(update(notes_table)
                           .where(notes_table.c.id == int(note_id), notes_table.c.author == author)
                           .values(body=body, updated_at=ts))
        if res.rowcount != 1:
            raise NoteError(Message("note {id}: not found among your notes", id=note_id))
        return _row(conn.execute(select(notes_table).where(notes_table.c.id == int(note_id))).one())


def delete_note(engine: Engine, note_id: int, *, author: str) -> None:
    _check_author(author)
    with engine.begin() as conn:
        res = conn.execute(delete(notes_table)
                           .where(notes_table.c.id == int(note_id), notes_table.c.author == author))
        if res.rowcount != 1:
            raise NoteError(Message("note {id}: not found among your notes", id=note_id))


def notes_for_report(engine: Engine, nct_id: str, author: str) -> list[dict]:
    """The author's notes on one trial for the report, in page order (overview fields, then criteria):
    ``[{"target", "target_label", "body", "created_at", "updated_at"}]`` with ISO 8601 times."""
    notes = sorted(list_notes(engine, author=author, nct_id=nct_id),
                   key=lambda n: (target_sort_key(n.target), n.created_at, n.id))
    return [{"target": n.target, "target_label": n.target_label, "body": n.body,
             "created_at": n.created_at.isoformat(timespec="seconds"),
             "updated_at": n.updated_at.isoformat(timespec="seconds")} for n in notes]
