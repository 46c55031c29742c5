"""The catalog: every trial the app offers.

Two sources: the shipped studies in ``data/trials/*.json`` and the studies users imported, kept as
``data/imported/NCTxxxxxxxx/<UTC time>-<sha12>.json`` with every version (the newest is the one shown;
the earlier ones let the app show what changed). A broken file is reported and skipped; it never hides
the others. File names from uploads are never used as paths: an import is stored under its NCT id.
Every writer of one trial's versions (a page's session, another server process, the command line) holds that
trial's file lock while it checks for a duplicate, checks the caps and writes, so two uploads at once cannot
both pass a cap that only one of them fits.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import filelock

from trialkit import paths
from trialkit.ctgov import load_study, parse_bytes
from trialkit.errors import StudyFormatError, TrialkitError, with_source
from trialkit.message import Message
from trialkit.models import Trial


@dataclass(frozen=True)
class StudyVersion:
    nct_id: str
    path: Path
    origin: str  # "shipped" or "imported"
    #: When the version was added (imported versions) or the file's modification time (shipped).
    added_at: datetime


@dataclass(frozen=True)
class CatalogEntry:
    nct_id: str
    title: str
    overall_status: str | None
    origin: str
    path: Path
    versions: tuple[StudyVersion, ...]

    @property
    def label(self) -> str:
        return f"{self.nct_id} · {self.title}"


@dataclass(frozen=True)
class CatalogProblem:
    path: Path
    message: str


@dataclass
class CatalogScan:
    entries: list[CatalogEntry] = field(default_factory=list)
    problems: list[CatalogProblem] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [e.nct_id for e in self.entries]

    def get(self, nct_id: str) -> CatalogEntry | None:
        return next((e for e in self.entries if e.nct_id == nct_id), None)


def _mtime(p: Path) -> datetime:
    return datetime.fromtimestamp(p.stat().st_mtime, tz=timezone.utc)


def _imported_time(p: Path) -> datetime:
    try:
        return datetime.strptime(p.name.split("-")[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return _mtime(p)


#: Per trial, at most this many imported versions and this many bytes of them are kept: a server others
#: reach must not let uploads fill its disk (each upload is at most ``ctgov.MAX_STUDY_BYTES``).
MAX_VERSIONS_PER_TRIAL = 20
MAX_BYTES_PER_TRIAL = 100 * 2**20


#: How long an import waits for another writer of the same trial before it gives up (seconds).
LOCK_TIMEOUT_S = 60


class StorageLimitError(TrialkitError):
    """Storing one more version would pass the per-trial cap on versions or bytes."""


class CatalogBusyError(TrialkitError):
    """Another writer held the trial's lock for longer than ``LOCK_TIMEOUT_S``."""


class Catalog:
    max_versions = MAX_VERSIONS_PER_TRIAL
    max_bytes = MAX_BYTES_PER_TRIAL

    def __init__(self, trials_dir: Path | None = None, imported_dir: Path | None = None):
        self.trials_dir = Path(trials_dir) if trials_dir else paths.trials_dir()
        self.imported_dir = Path(imported_dir) if imported_dir else paths.imported_dir()

    # -- reading ------------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """Every study file the catalog reads (for cache keys: path + mtime)."""
        out = sorted(self.trials_dir.glob("*.json")) if self.trials_dir.is_dir() else []
        if self.imported_dir.is_dir():
            out += sorted(self.imported_dir.glob("NCT*/*.json"))
        return out

    def fingerprint(self) -> tuple[tuple[str, float], ...]:
        """Small, hashable summary of the catalog's files, to key UI caches."""
        return tuple((str(p), p.stat().st_mtime) for p in self.files())

    def versions(self, nct_id: str) -> list[StudyVersion]:
        """All versions of one study, oldest first (shipped file first, then imports by time)."""
        out: list[StudyVersion] = []
        shipped = self.trials_dir / f"{nct_id}.json"
        if shipped.is_file():
            out.append(StudyVersion(nct_id, shipped, "shipped", _mtime(shipped)))
        folder = self.imported_dir / nct_id
        if folder.is_dir():
            imported = [StudyVersion(nct_id, p, "imported", _imported_time(p)) for p in folder.glob("*.json")]
            out += sorted(imported, key=lambda v: (v.added_at, v.path.name))
        return out

    def scan(self) -> CatalogScan:
        scan = CatalogScan()
        by_id: dict[str, CatalogEntry] = {}
        candidates: list[tuple[Path, str]] = []
        if self.trials_dir.is_dir():
            candidates += [(p, "shipped") for p in sorted(self.trials_dir.glob("*.json"))]
        if self.imported_dir.is_dir():
            for folder in sorted(self.imported_dir.glob("NCT*")):
                versions = self.versions(folder.name)
                imported = [v for v in versions if v.origin == "imported"]
                if imported:
                    candidates.append((imported[-1].path, "imported"))
        for path, origin in candidates:
            try:
                trial = load_study(path)
            except StudyFormatError as exc:
                scan.problems.append(CatalogProblem(path, exc.args[0]))  # str: English; said: the reader's
                continue
            if origin == "shipped" and path.stem != trial.nct_id:
                scan.problems.append(CatalogProblem(path, with_source(path, Message(
                    "file name says {stem} but the study is {nct_id}; skipped", stem=path.stem, nct_id=trial.nct_id))))
                continue
            by_id[trial.nct_id] = CatalogEntry(
                nct_id=trial.nct_id, title=trial.title, overall_status=trial.overall_status,
                origin=origin, path=path, versions=tuple(self.versions(trial.nct_id)),
            )
        scan.entries = sorted(by_id.values(), key=lambda e: e.nct_id)
        return scan

    def load(self, nct_id: str) -> Trial:
        """The newest version of a study in the catalog; KeyError if it is not there."""
        versions = self.versions(nct_id)
        if not versions:
            raise KeyError(nct_id)
        # Prefer the newest version that loads; a broken newest import must not hide the trial.
        last_error: StudyFormatError | None = None
        for v in reversed(versions):
            try:
                return load_study(v.path)
            except StudyFormatError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    # -- writing ------------------------------------------------------------------------------
    def add(self, raw: bytes, *, source_name: str = "upload") -> tuple[Trial, StudyVersion, bool]:
        """Validate and store an uploaded study. Returns (trial, version, is_new_version).

        An identical copy of the newest version is not stored twice (``is_new_version`` False).
        ``source_name`` is shown in messages only; it never becomes part of a path.
        """
        trial = parse_bytes(raw, source=source_name)
        digest = hashlib.sha256(raw).hexdigest()
        with self._writer_lock(trial.nct_id):  # the duplicate check, the caps and the write are one step
            versions = self.versions(trial.nct_id)
            if versions and hashlib.sha256(versions[-1].path.read_bytes()).hexdigest() == digest:
                return trial, versions[-1], False
            self._check_room(trial.nct_id, len(raw), [v for v in versions if v.origin == "imported"])
            folder = self.imported_dir / trial.nct_id  # nct_id matched ^NCT\d{8}$: safe as a folder name
            folder.mkdir(parents=True, exist_ok=True)
            now = datetime.now(timezone.utc)
            target = folder / f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{digest[:12]}.json"
            # Write atomically so a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            os.replace(tmp, target)
        return trial, StudyVersion(trial.nct_id, target, "imported", now), True

    @contextmanager
    def _writer_lock(self, nct_id: str):
        """Hold ``imported/.NCTxxxxxxxx.lock`` (an OS file lock: other threads, server processes and commands
        wait for it); :class:`CatalogBusyError` after ``LOCK_TIMEOUT_S``. The lock file sits beside the trials'
        folders, outside every glob the catalog reads."""
        self.imported_dir.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(self.imported_dir / f".{nct_id}.lock", timeout=LOCK_TIMEOUT_S)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise CatalogBusyError(Message("Another import of {nct_id} has been writing for more than {seconds} s; "
                                           "not stored. Try again in a moment.", nct_id=nct_id,
                                           seconds=LOCK_TIMEOUT_S)) from None
        try:
            yield
        finally:
            lock.release()


    def _check_room(self, nct_id: str, size: int, imported: list[StudyVersion]) -> None:
        """Refuse (``StorageLimitError``) a version that would pass ``MAX_VERSIONS_PER_TRIAL`` or
        ``MAX_BYTES_PER_TRIAL`` for the trial; every path that stores a study comes through ``add``."""
        used = sum(v.path.stat().st_size for v in imported)
        if len(imported) >= self.max_versions:
            raise StorageLimitError(Message("{nct_id} already has {n} imported versions, the most kept per trial "
                                            "({limit}); not stored. Ask the administrator to remove old versions "
                                            "from {nct_id}'s folder under {folder}.", nct_id=nct_id,
                                            n=len(imported), limit=self.max_versions, folder="imported/"))
        if used + size > self.max_bytes:
            raise StorageLimitError(Message("{nct_id}'s imported versions would take {size:.1f} MB, more than the "
                                            "{limit:.0f} MB kept per trial; not stored.", nct_id=nct_id,
                                            size=(used + size) / 2**20, limit=self.max_bytes / 2**20))


def default_catalog() -> Catalog:
    return Catalog()


def trial_summary(trial: Trial) -> dict:
    """The trial as contracts §4 ``show --json`` prints it."""
    return {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "status": trial.overall_status,
        "phases": trial.design.phases,
        "sex": trial.eligibility.sex,
        "minimum_age_years": trial.eligibility.minimum_age_years,
        "maximum_age_years": trial.eligibility.maximum_age_years,
        "enrollment": trial.enrollment.count,
        "sponsor": trial.lead_sponsor.name if trial.lead_sponsor else None,
        "arms": [{"label": a.label, "type": a.type, "description": a.description} for a in trial.arm_groups],
        "criteria": [{"id": c.id, "kind": c.kind, "text": c.text} for c in trial.criteria],
        "sites": [{"facility": s.facility, "city": s.city, "country": s.country} for s in trial.locations],
    }


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
