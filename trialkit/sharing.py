"""Passcode-protected share links: a bundle of notes and, optionally, a what-if scenario.

Security design:

* **Token.** ``selector.verifier``: a random 12-byte selector (looked up in the database) and a random
  24-byte verifier (``secrets.token_urlsafe``; 192 bits, unguessable). Only the SHA-256 of the verifier is
  stored, and it is compared with :func:`hmac.compare_digest` (constant time). A copy of the database
  therefore holds no working link; the token is shown to its author once, at creation.
* **Passcode.** Stored only as an Argon2id hash (argon2-cffi, the winner of the Password Hashing
  Competition, RFC 9106); never stored, logged or returned in clear. Hashes with outdated parameters are
  upgraded on the next successful opening.
* **Slow-down.** Each share counts consecutive wrong passcodes in the database (so the count holds across
  sessions, processes and server restarts; an attempt is claimed atomically before the passcode is checked,
  so parallel guesses cannot overtake the lock). After :data:`FREE_ATTEMPTS` wrong passcodes the share is locked
  for ``LOCK_BASE`` × 2^(failures − FREE_ATTEMPTS) (capped at :data:`LOCK_MAX`); while locked no passcode is
  checked at all, not even the right one. A right passcode after the lock resets the count.
* **Expiry and revocation.** Every share has an expiry (at most :data:`MAX_LIFETIME`); its author can revoke it
  at any time. Neither an expired nor a revoked share reveals its content.
* **No identity.** Notes are the author's own text about a study; a scenario is validated by
  :func:`trialkit.scenario.clean_scenario` (candidate fields only; identifiers refused).

The bundled notes are a snapshot taken when the share is made: later edits to the notes do not change
what the link shows.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel
from sqlalchemy import (Column, DateTime, Engine, ForeignKey, Index, Integer, String, Table, Text, func, insert,
                        or_, select, update)

from trialkit import notes as notes_mod
from trialkit.ctgov import NCT_ID
from trialkit.db import metadata
from trialkit.errors import TrialkitError
from trialkit.message import Message
from trialkit.scenario import clean_scenario

FREE_ATTEMPTS = 3
LOCK_BASE = timedelta(seconds=30)
LOCK_MAX = timedelta(hours=1)
DEFAULT_LIFETIME = timedelta(days=7)
MAX_LIFETIME = timedelta(days=90)
MIN_PASSCODE_CHARS = 8
MAX_PASSCODE_CHARS = 256
MAX_LABEL_CHARS = 200
MAX_NOTES_PER_SHARE = 500

_hasher = PasswordHasher()  # Argon2id, library defaults (RFC 9106 low-memory profile)
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{32})$")

shares_table = Table(
    "shares", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("selector", String(16), nullable=False, unique=True),
    Column("verifier_sha256", String(64), nullable=False),
    Column("passcode_hash", String(255), nullable=False),
    Column("author", String(320), nullable=False),
    Column("nct_id", String(11), nullable=False),
    Column("label", String(MAX_LABEL_CHARS), nullable=True),
    Column("scenario_json", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("opened_count", Integer, nullable=False, default=0),
    Index("ix_shares_author", "author", "nct_id"),
)

share_notes_table = Table(
    "share_notes", metadata,
    Column("share_id", Integer, ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("note_id", Integer, nullable=True),  # the note it was copied from (informational)
    Column("target", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# -- errors ------------------------------------------------------------------------------------------
class ShareError(TrialkitError):
    """A share that cannot be made or opened."""


class ShareNotFound(ShareError):
    def __init__(self):
        super().__init__(Message("This share link is not valid. Check that the whole link was copied."))


class ShareExpired(ShareError):
    def __init__(self, expires_at: datetime):
        self.expires_at = expires_at
        super().__init__(Message("This share link expired on {at} UTC. Ask its author for a new one.",
                                 at=f"{expires_at:%Y-%m-%d %H:%M}"))


class ShareRevoked(ShareError):
    def __init__(self, revoked_at: datetime):
        self.revoked_at = revoked_at
        super().__init__(Message("This share link was revoked by its author on {at} UTC.",
                                 at=f"{revoked_at:%Y-%m-%d %H:%M}"))


class ShareLocked(ShareError):
    def __init__(self, retry_after: timedelta):
        self.retry_after = retry_after
        secs = max(1, int(retry_after.total_seconds() + 0.999))
        super().__init__(Message("Too many wrong passcodes for this link. Try again in {n} second(s).", n=secs))


class WrongPasscode(ShareError):
    def __init__(self, failed_attempts: int, locked_for: timedelta | None):
        self.failed_attempts = failed_attempts
        self.locked_for = locked_for
        if locked_for:
            msg = Message("Wrong passcode. Too many wrong passcodes: the link is locked for {n} seconds.",
                          n=int(locked_for.total_seconds()))
        else:
            msg = Message("Wrong passcode. {n} more attempt(s) before the link is locked for a while.",
                          n=FREE_ATTEMPTS - failed_attempts)
        super().__init__(msg)


# -- results -----------------------------------------------------------------------------------------
class CreatedShare(BaseModel):
    share_id: int
    token: str  # shown once; not stored
    nct_id: str
    expires_at: datetime


class SharedNote(BaseModel):
    target: str
    target_label: str
    body: str
    updated_at: datetime


class SharedBundle(BaseModel):
    """What an opened link shows: no passcode, no token, no author identity beyond what they wrote."""

    nct_id: str
    label: str | None
    created_at: datetime
    expires_at: datetime
    notes: list[SharedNote]
    scenario: dict[str, str]


class ShareInfo(BaseModel):
    """A share as its author sees it in their list (the token itself is not kept)."""

    share_id: int
    nct_id: str
    label: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    note_count: int
    has_scenario: bool
    failed_attempts: int
    opened_count: int

    def state(self, now: datetime | None = None) -> str:
        now = now or datetime.now(timezone.utc)
        if self.revoked_at:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active"


# -- helpers -----------------------------------------------------------------------------------------
def _now(now: datetime | None) -> datetime:
    """UTC always: the database compares stored times with it."""
    if now is None:
        return datetime.now(timezone.utc)
    return now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def lock_duration(failed_attempts: int) -> timedelta | None:
    """How long a share locks after this many consecutive wrong passcodes (None: not locked)."""
    if failed_attempts < FREE_ATTEMPTS:
        return None
    exponent = min(failed_attempts - FREE_ATTEMPTS, 20)
    return min(LOCK_BASE * (2 ** exponent), LOCK_MAX)


def check_passcode_policy(passcode: str) -> None:
    if not isinstance(passcode, str) or len(passcode) < MIN_PASSCODE_CHARS:
        raise ShareError(Message("passcode: use at least {n} characters", n=MIN_PASSCODE_CHARS))
    if len(passcode) > MAX_PASSCODE_CHARS:
        raise ShareError(Message("passcode: at most {n} characters", n=MAX_PASSCODE_CHARS))


# -- making and managing -----------------------------------------------------------------------------
def create_share(engine: Engine, *, author: str, nct_id: str, passcode: str, note_ids: list[int] = (),
                 scenario: dict | None = None, label: str | None = None,
                 lifetime: timedelta = DEFAULT_LIFETIME, now: datetime | None = None) -> CreatedShare:
    """Bundle the author's notes (all on ``nct_id``) and an optional scenario into a passcode-protected link."""
    if not NCT_ID.match(nct_id or ""):
        raise ShareError(Message("trial {nct_id!r}: not an NCT id", nct_id=nct_id))
    if not author or not author.strip():
        raise ShareError(Message("a share needs an author (the signed-in or local user)"))
    check_passcode_policy(passcode)
    if lifetime <= timedelta(0) or lifetime > MAX_LIFETIME:
        raise ShareError(Message("expiry: between a minute and {days} days", days=MAX_LIFETIME.days))
    if label is not None:
        label = label.strip() or None
        if label and len(label) > MAX_LABEL_CHARS:
            raise ShareError(Message("label: at most {n} characters", n=MAX_LABEL_CHARS))
    scenario_clean = clean_scenario(scenario)
    ids = list(dict.fromkeys(int(i) for i in note_ids))
    if len(ids) > MAX_NOTES_PER_SHARE:
        raise ShareError(Message("a share holds at most {n} notes", n=MAX_NOTES_PER_SHARE))
    try:
        bundled = notes_mod.get_notes(engine, ids, author=author)  # only the author's own notes
    except notes_mod.NoteError as exc:
        raise ShareError(exc.args[0]) from None
    other = [n.id for n in bundled if n.nct_id != nct_id]
    if other:
        raise ShareError(Message("note(s) {ids}: belong to another trial than {nct_id}", ids=", ".join(map(str, other)),
                                 nct_id=nct_id))
    if not bundled and not scenario_clean:
        raise ShareError(Message("nothing to share: choose at least one note or include a scenario"))
    ts = _now(now)
    selector = secrets.token_urlsafe(12)
    verifier = secrets.token_urlsafe(24)
    with engine.begin() as conn:
        res = conn.execute(insert(shares_table).values(
            selector=selector, verifier_sha256=_sha(verifier), passcode_hash=_hasher.hash(passcode),
            author=author, nct_id=nct_id, label=label,
            scenario_json=json.dumps(scenario_clean, sort_keys=True) if scenario_clean else None,
            created_at=ts, expires_at=ts + lifetime, revoked_at=None, failed_attempts=0, locked_until=None,
            opened_count=0))
        share_id = res.inserted_primary_key[0]
        if bundled:
            conn.execute(insert(share_notes_table), [
                {"share_id": share_id, "position": i, "note_id": n.id, "target": n.target, "body": n.body,
                 "updated_at": n.updated_at} for i, n in enumerate(bundled)])
    return CreatedShare(share_id=share_id, token=f"{selector}.{verifier}", nct_id=nct_id, expires_at=ts + lifetime)


def list_shares(engine: Engine, *, author: str, nct_id: str | None = None) -> list[ShareInfo]:
    counts = (select(share_notes_table.c.share_id, func.count().label("n"))
              .group_by(share_notes_table.c.share_id).subquery())
    q = (select(shares_table, func.coalesce(counts.c.n, 0).label("note_count"))
         .outerjoin(counts, counts.c.share_id == shares_table.c.id)
         .where(shares_table.c.author == author).order_by(shares_table.c.created_at.desc()))
    if nct_id:
        q = q.where(shares_table.c.nct_id == nct_id)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [ShareInfo(share_id=r.id, nct_id=r.nct_id, label=r.label, created_at=_aware(r.created_at),
                      expires_at=_aware(r.expires_at), revoked_at=_aware(r.revoked_at), note_count=r.note_count,
                      has_scenario=bool(r.scenario_json), failed_attempts=r.failed_attempts,
                      opened_count=r.opened_count) for r in rows]


def revoke_share(engine: Engine, share_id: int, *, author: str, now: datetime | None = None) -> None:
    """Revoke one of the author's shares (idempotent for an already revoked share)."""
    with engine.begin() as conn:
        row = conn.execute(select(shares_table.c.revoked_at).where(
            shares_table.c.id == int(share_id), shares_table.c.author == author)).first()
        if row is None:
            raise ShareError(Message("share {id}: not found among your shares", id=share_id))
        if row.revoked_at is None:
            conn.execute(update(shares_table).where(shares_table.c.id == int(share_id))
                         .values(revoked_at=_now(now)))


# -- opening -----------------------------------------------------------------------------------------
def _lookup(conn, token: str):
    m = _TOKEN.match(token.strip()) if isinstance(token, str) else None
    if not m:
        raise ShareNotFound()
    selector, verifier = m.groups()
    row = conn.execute(select(shares_table).where(shares_table.c.selector == selector)).first()
    expected = row.verifier_sha256 if row is not None else "0" * 64
    ok = hmac.compare_digest(_sha(verifier), expected)  # constant time, also when the selector is unknown
    if row is None or not ok:
        raise ShareNotFound()
    return row


def _check_usable(row, now: datetime) -> None:
    if row.revoked_at is not None:
        raise ShareRevoked(_aware(row.revoked_at))
    if now >= _aware(row.expires_at):
        raise ShareExpired(_aware(row.expires_at))
    locked_until = _aware(row.locked_until)
    if locked_until is not None and now < locked_until:
        raise ShareLocked(locked_until - now)


def share_status(engine: Engine, token: str, *, now: datetime | None = None) -> None:
    """Raise the :class:`ShareError` that opening this link would meet before its passcode is asked
    (not valid, revoked, expired, locked); return None when the link waits for a passcode."""
    with engine.connect() as conn:
        _check_usable(_lookup(conn, token), _now(now))


def open_share(engine: Engine, token: str, passcode: str, *, now: datetime | None = None) -> SharedBundle:
    """Open a share with its passcode. Raises ShareNotFound, ShareRevoked, ShareExpired, ShareLocked or
    WrongPasscode; a wrong passcode is counted and, past :data:`FREE_ATTEMPTS`, locks the link for a while.

    The attempt is counted *before* the passcode is checked, in one conditional UPDATE that only succeeds
    while the share is usable and unlocked; a right passcode then resets the count. So parallel guesses
    cannot slip past the lock: each one claims its attempt atomically, and once the lock is set the
    remaining ones are refused without a passcode check.
    """
    ts = _now(now)
    with engine.connect() as conn:
        row = _lookup(conn, token)
    _check_usable(row, ts)
    c = shares_table.c
    with engine.begin() as conn:
        claimed = conn.execute(
            update(shares_table)
            .where(c.id == row.id, c.revoked_at.is_(None), c.expires_at > ts,
                   or_(c.locked_until.is_(None), c.locked_until <= ts))
            .values(failed_attempts=c.failed_attempts + 1)).rowcount
        if claimed == 1:
            failed = conn.execute(select(c.failed_attempts).where(c.id == row.id)).scalar_one()
            lock = lock_duration(failed)
            if lock:
                conn.execute(update(shares_table).where(c.id == row.id).values(locked_until=ts + lock))
    if claimed != 1:  # revoked, expired or locked in the meantime
        with engine.connect() as conn:
            _check_usable(conn.execute(select(shares_table).where(c.id == row.id)).one(), ts)
        raise ShareLocked(LOCK_BASE)  # pragma: no cover - _check_usable always raises here
    try:
        _hasher.verify(row.passcode_hash, passcode if isinstance(passcode, str) else "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise WrongPasscode(failed, lock) from None
    values = {"failed_attempts": 0, "locked_until": None, "opened_count": c.opened_count + 1}
    if _hasher.check_needs_rehash(row.passcode_hash):
        values["passcode_hash"] = _hasher.hash(passcode)
    with engine.begin() as conn:
        conn.execute(update(shares_table).where(c.id == row.id).values(**values))
        note_rows = conn.execute(select(share_notes_table).where(share_notes_table.c.share_id == row.id)
                                 .order_by(share_notes_table.c.position)).all()
    return SharedBundle(
        nct_id=row.nct_id, label=row.label, created_at=_aware(row.created_at), expires_at=_aware(row.expires_at),
        notes=[SharedNote(target=n.target, target_label=notes_mod.target_label(n.target), body=n.body,
                          updated_at=_aware(n.updated_at)) for n in note_rows],
        scenario=json.loads(row.scenario_json) if row.scenario_json else {},
    )
