"""The enrollment log in the database (SQLAlchemy Core): tables, all-or-nothing import, reads.

Three tables on ``trialkit.db.metadata``:

* ``enrollment_logs``: one row per trial that has a log, saying where it came from (``demo`` =
  simulated demo data, ``imported`` = a real log imported or recorded by a user). A trial's log is one or
  the other, never a silent mix: importing over simulated demo data needs ``replace_demo=True``.
* ``enrollment_sites`` and ``enrollment_participants``: the rows of contracts §5.

Every write runs in one transaction together with its audit event (``trialkit.enrollment.audit``), so a
failed import leaves the database exactly as it was.
"""
from __future__ import annotations

import hashlib
import os
import time
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Literal, NamedTuple

import pandas as pd
from sqlalchemy import (Boolean, Column, Date, DateTime, Float, Integer, String, Table, Text, UniqueConstraint,
                        delete, func, insert, select, update)
from sqlalchemy.exc import IntegrityError, OperationalError

from trialkit.db import get_engine, init_db, locked_transaction, metadata
from trialkit.enrollment import audit
from trialkit.enrollment.schema import (LOG_PROBLEM, MAX_CHARS, PARTICIPANT_COLUMNS, PARTICIPANT_DATES, SITE_COLUMNS, SITE_DATES,
                                        SITE_EXTRA_COLUMNS, ParticipantRow, SiteRow, validate_files,
                                        validate_rows)
from trialkit.errors import LogValidationError, TrialkitError, with_source
from trialkit.message import Message, word
from trialkit.models import Trial

DEMO_LABEL = "simulated demo data"

logs = Table(
    "enrollment_logs", metadata,
    Column("nct_id", String(16), primary_key=True),
    Column("source", String(16), nullable=False),  # "demo" | "imported"
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=True),
)

sites_table = Table(
    "enrollment_sites", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nct_id", String(16), nullable=False, index=True),
    Column("site_id", String(MAX_CHARS["site_id"]), nullable=False),
    Column("site_name", String(MAX_CHARS["site_name"]), nullable=False),
    Column("city", String(MAX_CHARS["city"])),
    Column("country", String(MAX_CHARS["country"])),
    Column("status", String(MAX_CHARS["status"]), nullable=False),
    Column("planned_activation_date", Date),
    Column("activation_date", Date),
    Column("target", Integer),
    Column("latitude", Float),
    Column("longitude", Float),
    UniqueConstraint("nct_id", "site_id", name="uq_enrollment_site"),
)

participants_table = Table(
    "enrollment_participants", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nct_id", String(16), nullable=False, index=True),
    Column("subject_id", String(MAX_CHARS["subject_id"]), nullable=False),
    Column("site_id", String(MAX_CHARS["site_id"]), nullable=False),
    Column("screening_date", Date, nullable=False),
    Column("consent_date", Date),
    Column("screen_outcome", String(MAX_CHARS["screen_outcome"]), nullable=False),
    Column("screen_fail_criteria", String(MAX_CHARS["screen_fail_criteria"])),
    Column("enrollment_date", Date),
    Column("arm", String(MAX_CHARS["arm"])),
    Column("status", String(MAX_CHARS["status"])),
    Column("discontinuation_reason", String(MAX_CHARS["discontinuation_reason"])),
    Column("discontinuation_date", Date),
    Column("analysed", Boolean),
    UniqueConstraint("nct_id", "subject_id", name="uq_enrollment_subject"),
)


class LogFrames(NamedTuple):
    participants: pd.DataFrame
    sites: pd.DataFrame
    source: Literal["demo", "imported"] | None
    note: str | None = None  # how the log came to be (the demo log's simulation settings)


@dataclass
class ImportReport:
    nct_id: str
    participants: int
    sites: int
    replaced: str | None  # the source of the log this import replaced ("demo", "imported") or None
    added: int = 0
    changed: int = 0
    removed: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> Message:
        """One line saying what the import did (also the audit event's summary)."""
        counts = {"participants": self.participants, "sites": self.sites, "nct_id": self.nct_id}
        if self.replaced == "demo":
            return Message(audit.IMPORTED_OVER_DEMO, **counts)
        if self.replaced == "imported":
            return Message(audit.IMPORTED_OVER_LOG, **counts, added=self.added, changed=self.changed,
                           removed=self.removed)
        return Message(audit.IMPORTED, **counts)


class DemoLogExists(TrialkitError):
    """The trial's log is simulated demo data; a real import must replace it explicitly."""


class NoLogError(TrialkitError):
    """The trial has no log (and so no sites) to record a screening into."""


# -- helpers ---------------------------------------------------------------------------------------
_ready: "weakref.WeakSet" = weakref.WeakSet()


def ensure_tables(engine) -> None:
    """``init_db`` once per engine object (it costs a round of catalog queries on a server database)."""
    if engine not in _ready:
        init_db(engine)
        _ready.add(engine)


def _retry(fn, attempts: int = 8):
    """Run a write, retrying when SQLite reports a lock that its busy timeout did not absorb."""
    for i in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or i == attempts - 1:
                raise
            time.sleep(0.05 * (2 ** i))


def _participant_record(nct_id: str, p: ParticipantRow) -> dict:
    d = p.model_dump()
    d["screen_fail_criteria"] = ";".join(p.screen_fail_criteria) or None
    d["nct_id"] = nct_id
    return d


def _site_record(nct_id: str, s: SiteRow) -> dict:
    d = s.model_dump()
    d["nct_id"] = nct_id
    return d


def _participants_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(PARTICIPANT_COLUMNS))
    for c in PARTICIPANT_DATES:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    for c in ("subject_id", "site_id", "screen_outcome", "screen_fail_criteria", "arm", "status",
              "discontinuation_reason"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df["analysed"] = df["analysed"].astype(object).where(df["analysed"].notna(), None)
    return df


def _sites_frame(rows: list[dict]) -> pd.DataFrame:
    cols = list(SITE_COLUMNS) + list(SITE_EXTRA_COLUMNS)
    df = pd.DataFrame(rows, columns=cols)
    for c in SITE_DATES:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    df["target"] = pd.array(df["target"], dtype="Int64")
    for c in ("latitude", "longitude"):
        df[c] = pd.to_numeric(df[c]).astype(float)
    for c in ("site_id", "site_name", "city", "country", "status"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def log_source(engine, nct_id: str) -> str | None:
    ensure_tables(engine)
    with engine.connect() as conn:
        return conn.execute(select(logs.c.source).where(logs.c.nct_id == nct_id)).scalar_one_or_none()


def log_fingerprint(engine, nct_id: str) -> tuple:
    """(source, last write time, participant rows, max participant row id, site rows): changes whenever the
    trial's log changes (every write updates ``enrollment_logs.updated_at``); a cheap key for caches."""
    ensure_tables(engine)
    with engine.connect() as conn:
        head = conn.execute(select(logs.c.source, logs.c.updated_at).where(logs.c.nct_id == nct_id)).first()
        p = conn.execute(select(func.count(), func.max(participants_table.c.id))
                         .where(participants_table.c.nct_id == nct_id)).first()
        s = conn.execute(select(func.count()).select_from(sites_table).where(sites_table.c.nct_id == nct_id)).scalar()
    return (head[0] if head else None, str(head[1]) if head else None, int(p[0]), p[1], int(s or 0))


def read_log(engine, nct_id: str) -> LogFrames:
    """The trial's log as two frames with the columns of contracts §5 (dates as datetime64[ns], NaT when
    empty; sites also carry the optional ``latitude``/``longitude``), with where the log came from; empty
    frames when there is none."""
    ensure_tables(engine)
    with engine.connect() as conn:
        head = conn.execute(select(logs.c.source, logs.c.note).where(logs.c.nct_id == nct_id)).first()
        prow = conn.execute(select(*[participants_table.c[c] for c in PARTICIPANT_COLUMNS])
                            .where(participants_table.c.nct_id == nct_id)
                            .order_by(participants_table.c.screening_date, participants_table.c.id)).mappings().all()
        srow = conn.execute(select(*[sites_table.c[c] for c in SITE_COLUMNS + SITE_EXTRA_COLUMNS])
                            .where(sites_table.c.nct_id == nct_id).order_by(sites_table.c.id)).mappings().all()
    return LogFrames(_participants_frame([dict(r) for r in prow]), _sites_frame([dict(r) for r in srow]),
                     *(head or (None, None)))


def _snapshot(conn, nct_id: str) -> dict[str, dict]:
    rows = conn.execute(select(*[participants_table.c[c] for c in PARTICIPANT_COLUMNS])
                        .where(participants_table.c.nct_id == nct_id)).mappings().all()
    return {r["subject_id"]: {k: (str(v) if v is not None else None) for k, v in r.items()} for r in rows}


def _sha(data) -> str:
    if hasattr(data, "read_bytes"):
        data = data.read_bytes()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


# -- writes ----------------------------------------------------------------------------------------
def import_log(engine, nct_id: str, participants_csv, sites_csv, *, user: str, trial: Trial | None,
               replace_demo: bool = False, note: str | None = None, audit_detail: dict | None = None) -> ImportReport:
    """Replace the trial's log with the two files, all or nothing.

    ``note`` (its English words) is kept with the log (how it came to be, e.g. imported from SDTM with derived site dates) and
    ``audit_detail`` is added to the audit event (e.g. the SDTM files' digests).

    Raises ``LogValidationError`` (every bad row listed) or ``DemoLogExists`` (the log is simulated demo
    data and ``replace_demo`` is not set); either way the database is unchanged. The import, and what it
    changed compared with the previous log, is recorded in the audit trail.
    """
    if trial is not None and trial.nct_id != nct_id:
        raise TrialkitError(Message("the trial given is {given}, not {nct_id}", given=trial.nct_id, nct_id=nct_id))
    log = validate_files(participants_csv, sites_csv, trial)
    note = None if note is None else str(note)  # the database keeps the English words (note_said says them)
    ensure_tables(engine)
    p_records = [_participant_record(nct_id, p) for p in log.participants]
    s_records = [_site_record(nct_id, s) for s in log.sites]
    digests = {"participants_sha256": _sha(participants_csv), "sites_sha256": _sha(sites_csv)}

    def write() -> ImportReport:
        with locked_transaction(engine, f"enrollment:{nct_id}") as conn:  # one writer of the trial's log at a time
            previous = conn.execute(select(logs.c.source).where(logs.c.nct_id == nct_id)).scalar_one_or_none()
            if previous == "demo" and not replace_demo:
                raise DemoLogExists(Message("{nct_id} holds {label}; importing a real log replaces it only when asked "
                                            "to ({option}, or tick 'replace the simulated demo data')",
                                            nct_id=nct_id, label=word(DEMO_LABEL), option="--replace-demo"))
            before = _snapshot(conn, nct_id) if previous == "imported" else {}
            conn.execute(delete(participants_table).where(participants_table.c.nct_id == nct_id))
            conn.execute(delete(sites_table).where(sites_table.c.nct_id == nct_id))
            if s_records:
                conn.execute(insert(sites_table), s_records)
            if p_records:
                conn.execute(insert(participants_table), p_records)
            now = datetime.now(timezone.utc)
            if previous is None:
                conn.execute(insert(logs).values(nct_id=nct_id, source="imported", updated_at=now, note=note))
            else:
                conn.execute(update(logs).where(logs.c.nct_id == nct_id).values(source="imported", updated_at=now,
                                                                                note=note))
            after = _snapshot(conn, nct_id)
            added = sorted(set(after) - set(before))
            removed = sorted(set(before) - set(after))
            changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])
            report = ImportReport(nct_id, len(p_records), len(s_records), previous,
                                  added=len(added) if previous == "imported" else len(after),
                                  changed=len(changed), removed=len(removed), notes=list(log.notes))
            detail = {**digests, "participants": len(p_records), "sites": len(s_records), "replaced": previous,
                      "added": added[:500], "removed": removed[:500], "notes": log.notes,
                      "changed": {k: {"before": before[k], "after": after[k]} for k in changed[:200]},
                      **(audit_detail or {})}
            audit.record(conn, user=user, nct_id=nct_id, action="import", summary=report.line(), detail=detail)
            return report

    return _retry(write)


def record_screening(engine, nct_id: str, row: dict, *, user: str, trial: Trial | None,
                     correct: bool = False) -> None:
    """Add one participant row (validated against the log's sites and the trial), with its audit event.

    With ``correct=True`` an existing subject's row is replaced and the audit event keeps the values
    before and after. A log of simulated demo data takes no real screenings (``DemoLogExists``).
    """
    ensure_tables(engine)
    clean = {k: (None if v is None or (isinstance(v, str) and not v.strip()) else v) for k, v in row.items()
             if k in PARTICIPANT_COLUMNS}
    unknown = sorted(set(row) - set(PARTICIPANT_COLUMNS))
    if unknown:
        raise LogValidationError([with_source(c, Message("not a column of the log")) for c in unknown])
    if isinstance(clean.get("screen_fail_criteria"), (list, tuple)):
        clean["screen_fail_criteria"] = ";".join(clean["screen_fail_criteria"]) or None
    for k in PARTICIPANT_DATES:
        if isinstance(clean.get(k), (date, datetime)):
            clean[k] = clean[k].isoformat()[:10]

    def write() -> None:
        with locked_transaction(engine, f"enrollment:{nct_id}") as conn:
            source = conn.execute(select(logs.c.source).where(logs.c.nct_id == nct_id)).scalar_one_or_none()
            if source is None:
                raise NoLogError(Message("{nct_id} has no enrollment log yet: import its sites.csv (and "
                                         "participants.csv) first, then record screenings", nct_id=nct_id))
            if source == "demo":
                raise DemoLogExists(Message("{nct_id} holds {label}; a real screening cannot go into it. Import the "
                                            "trial's real log first.", nct_id=nct_id, label=word(DEMO_LABEL)))
            sites = {r["site_id"]: SiteRow(**{k: r[k] for k in SITE_COLUMNS + SITE_EXTRA_COLUMNS})
                     for r in conn.execute(select(sites_table).where(sites_table.c.nct_id == nct_id)).mappings()}
            existing = set(conn.execute(select(participants_table.c.subject_id)
                                        .where(participants_table.c.nct_id == nct_id)).scalars())
            sid = clean.get("subject_id")
            if correct and sid not in existing:
                raise LogValidationError([with_source("subject_id", Message(
                    "{value!r} is not in the log, so there is nothing to correct", value=sid))])
            problems: list[Message] = []
            v = validate_rows([(0, clean)], [], trial, problems, existing_sites=sites,
                              existing_subject_ids=(existing - {sid}) if correct else existing)
            if problems:  # one row, not a file: "column: problem"
                raise LogValidationError([with_source(p.values["column"], p.values["problem"])
                                          if p.msgid == LOG_PROBLEM else p for p in problems])
            rec = _participant_record(nct_id, v.participants[0])
            now = datetime.now(timezone.utc)
            if correct:
                before = _snapshot(conn, nct_id)[sid]
                conn.execute(update(participants_table).where(participants_table.c.nct_id == nct_id)
                             .where(participants_table.c.subject_id == sid).values(**rec))
                after = _snapshot(conn, nct_id)[sid]
                diff = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
                audit.record(conn, user=user, nct_id=nct_id, action="correct_screening", subject_id=sid,
                             summary=(Message(audit.CORRECTED, subject_id=sid, columns=", ".join(diff)) if diff
                                      else Message(audit.CORRECTED_NOTHING, subject_id=sid)), detail=diff)
            else:
                conn.execute(insert(participants_table).values(**rec))
                audit.record(conn, user=user, nct_id=nct_id, action="record_screening", subject_id=sid,
                             summary=Message(audit.RECORDED, subject_id=sid, site_id=rec["site_id"],
                                             screen_outcome=rec["screen_outcome"]),
                             detail={k: (str(v) if v is not None else None) for k, v in rec.items()})
            conn.execute(update(logs).where(logs.c.nct_id == nct_id).values(updated_at=now))

    try:
        _retry(write)
    except IntegrityError:  # a parallel writer recorded the same subject first
        raise LogValidationError([with_source("subject_id", Message("{value!r} is already in this trial's log",
                                                                    value=clean.get("subject_id")))]) from None


def ensure_demo_data(engine, catalog_or_trials, *, as_of: date | None = None, user: str = "trialkit demo") -> None:
    """Load the simulated demo log of each seed trial that has no log yet (idempotent, safe to race)."""
    from trialkit.enrollment.demo import DEMO_TRIALS, demo_log

    ensure_tables(engine)
    if hasattr(catalog_or_trials, "load"):
        trials = []
        for nct in DEMO_TRIALS:
            try:
                trials.append(catalog_or_trials.load(nct))
            except (KeyError, ValueError):
                continue
    else:
        trials = [t for t in catalog_or_trials if t.nct_id in DEMO_TRIALS]
    with engine.connect() as conn:
        have = set(conn.execute(select(logs.c.nct_id)).scalars())
    for trial in trials:
        if trial.nct_id in have:
            continue
        demo = demo_log(trial, as_of=as_of)

        def write(trial=trial, demo=demo) -> None:
            with locked_transaction(engine, f"enrollment:{trial.nct_id}") as conn:
                if conn.execute(select(logs.c.nct_id).where(logs.c.nct_id == trial.nct_id)).first():
                    return  # another process loaded it (or imported a real log) first
                conn.execute(insert(logs).values(nct_id=trial.nct_id, source="demo",
                                                 updated_at=datetime.now(timezone.utc), note=str(demo.note)))
                conn.execute(insert(sites_table), [_site_record(trial.nct_id, s) for s in demo.sites])
                if demo.participants:
                    conn.execute(insert(participants_table),
                                 [_participant_record(trial.nct_id, p) for p in demo.participants])
                audit.record(conn, user=user, nct_id=trial.nct_id, action="load_demo",
                             summary=Message(audit.LOADED_DEMO, label=word(DEMO_LABEL),
                                             participants=len(demo.participants), sites=len(demo.sites),
                                             seed=demo.seed),
                             detail={"seed": demo.seed, "as_of": str(demo.as_of), "note": demo.note})

        try:
            _retry(write)
        except IntegrityError:
            continue  # another process loaded it first; its transaction holds the whole demo log


def uses_embedded_default(url: str | None) -> bool:
    """True for the embedded SQLite database under data/ (no URL given, no TRIALKIT_DB_URL)."""
    return url is None and not os.environ.get("TRIALKIT_DB_URL")


def open_database(url: str | None = None):
    """The trialkit database with its tables; the one place that decides where demo logs go.

    The embedded default database gets the simulated demo logs of the seed trials on first use, so the app,
    ``enrollment summary``, ``forecast`` and ``report`` show the same thing from a fresh checkout. A database
    named by URL (``--db``, ``TRIALKIT_DB_URL``: e.g. a shared PostgreSQL server) never receives demo data
    by itself. In read-only mode (``TRIALKIT_READ_ONLY``) nothing is written: a database without
    trialkit's tables reads as empty (``trialkit.db.readable_engine``).
    """
    from trialkit.db import read_only_mode, readable_engine

    if read_only_mode():  # write nothing, not even tables or the demo logs
        return readable_engine(url)
    engine = get_engine(url)
    init_db(engine)
    if uses_embedded_default(url):
        from trialkit.catalog import default_catalog

        ensure_demo_data(engine, default_catalog())
    return engine
