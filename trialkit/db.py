"""One SQLAlchemy engine factory for every table trialkit keeps (enrollment log, audit, notes, shares).

Default: an embedded SQLite file under ``data/`` (``data/trialkit.db``). ``TRIALKIT_DB_URL`` or an
explicit URL (the CLI's ``--db``) selects any SQLAlchemy database, e.g. a shared PostgreSQL server
``postgresql+psycopg://user@host/trialkit``.
"""
from __future__ import annotations

import hashlib
import os
import threading
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, create_engine, event, func, select

from trialkit.paths import data_dir

#: Every trialkit table is declared on this metadata, so ``init_db`` creates them all.
metadata = MetaData()

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def read_only_mode() -> bool:
    """``TRIALKIT_READ_ONLY=1`` (or true/yes/on): nothing is written to the database, not even its tables."""
    return os.environ.get("TRIALKIT_READ_ONLY", "").strip().lower() in {"1", "true", "yes", "on"}


def default_url() -> str:
    url = os.environ.get("TRIALKIT_DB_URL")
    if url:
        return url
    d = data_dir()
    if not read_only_mode():
        d.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{d / 'trialkit.db'}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cur.execute("PRAGMA busy_timeout=30000")  # parallel writers wait rather than fail
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: ``default_url()``), created once per process and URL."""
    url = url or default_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
    return engine


#: The modules that declare tables on ``metadata``.
TABLE_MODULES = ("trialkit.enrollment.storage", "trialkit.enrollment.audit", "trialkit.notes",
                 "trialkit.sharing", "trialkit.changes")


def _lock_id(key: str) -> int:
    """A signed 64-bit number for ``key`` (PostgreSQL advisory locks are named by bigint)."""
    return int.from_bytes(hashlib.sha256(f"trialkit:{key}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def locked_transaction(engine: Engine, key: str):
    """A transaction that holds the write lock named ``key`` from its first statement to its end, so
    read-then-write sequences of writers with the same key never interleave (later writers wait).

    PostgreSQL: a transaction-scoped advisory lock (``pg_advisory_xact_lock``; other keys run in
    parallel). SQLite: the database's one write lock, taken before the first read (``BEGIN IMMEDIATE``;
    waiting up to the busy timeout). Any other database: the transaction as it is.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_lock_id(key))))
        yield conn


def init_db(engine: Engine) -> None:
    """Create every table trialkit declares (idempotent, and safe when several processes start at once
    on a fresh database: the check for each table and its creation happen under one lock)."""
    _register_tables()
    if read_only_mode() and engine.url.database != ":memory:" and engine.url.database:
        return  # read-only: never create anything (``readable_engine`` stands in when tables are missing)
    with locked_transaction(engine, "schema") as conn:
        metadata.create_all(conn)


def _register_tables() -> None:
    import importlib

    for module in TABLE_MODULES:  # importing a module registers its tables on `metadata`
        importlib.import_module(module)


def readable_engine(url: str | None = None) -> Engine:
    """For read-only mode: the database at ``url`` when it already holds trialkit's tables; otherwise an
    empty in-memory database with the tables, so every page and command reads "no log", "no notes"… and
    nothing is created on disk or on the server (no file, no table, no demo log, no audit event)."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import StaticPool

    url = url or default_url()
    parsed = make_url(url)
    exists = True
    if parsed.get_backend_name() == "sqlite":
        exists = bool(parsed.database) and parsed.database != ":memory:" and os.path.isfile(parsed.database)
    if exists:
        engine = get_engine(url)
        _register_tables()
        have = set(inspect(engine).get_table_names())
        if all(name in have for name in metadata.tables):
            return engine
    with _lock:
        engine = _engines.get("read-only:empty")
        if engine is None:
            engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
            _register_tables()
            metadata.create_all(engine)
            _engines["read-only:empty"] = engine
    return engine


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
