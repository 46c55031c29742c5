"""What changed between two versions of a study, and what changed since a user last looked.

The catalog keeps every version of a study (``Catalog.versions``). :func:`diff_trials` compares two
:class:`~trialkit.models.Trial` objects: status, enrollment, dates and a few other registry facts, and the
criteria: added, removed, reworded (same criterion, new wording) and renumbered (same text, new id).

Criteria are matched in three passes, within the same kind (inclusion / exclusion):

1. identical text (so a criterion inserted in the middle shows as one addition plus renumbered ids, not as a
   cascade of rewordings);
2. same id with text similarity ≥ :data:`REWORD_THRESHOLD` (:func:`similarity`, difflib on words and characters);
3. the remaining pairs with the highest similarity ≥ the threshold, best first.

Whatever is left is removed (old) or added (new). Reworded criteria carry a word-level diff.

"Since you last looked": the table ``seen_versions`` keeps, per user and study, the content hash of the
version they last saw; :func:`changes_since_last_seen` diffs that version against the newest one.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Column, DateTime, Engine, String, Table, select

from trialkit.catalog import Catalog, StudyVersion
from trialkit.ctgov import load_study
from trialkit.db import metadata
from trialkit.i18n import N_
from trialkit.message import Message, coded, word
from trialkit.models import EligibilityCriterion, Trial

REWORD_THRESHOLD = 0.6

seen_table = Table(
    "seen_versions", metadata,
    Column("user", String(320), primary_key=True),
    Column("nct_id", String(11), primary_key=True),
    Column("version_key", String(64), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)


# -- model ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldChange:
    field: str  # label shown on screen, e.g. "Overall status"
    old: str
    new: str


CHANGE_KINDS = ("added", "removed", "reworded", "renumbered")


@dataclass(frozen=True)
class CriterionChange:
    change: str  # "added", "removed", "reworded", "renumbered"
    kind: str  # "inclusion" / "exclusion"
    old_id: str | None
    new_id: str | None
    old_text: str | None
    new_text: str | None
    similarity: float | None = None

    @property
    def label(self) -> str:
        if self.old_id and self.new_id and self.old_id != self.new_id:
            return f"{self.old_id} → {self.new_id}"
        return self.new_id or self.old_id or ""

    def word_diff(self) -> str:
        """The rewording as ``[-removed-]{+added+}`` word markup (plain text, for a diff view)."""
        if not (self.old_text and self.new_text):
            return ""
        return word_diff(self.old_text, self.new_text)


@dataclass
class StudyDiff:
    nct_id: str
    old_label: str
    new_label: str
    fields: list[FieldChange] = field(default_factory=list)
    criteria: list[CriterionChange] = field(default_factory=list)

    def of(self, change: str) -> list[CriterionChange]:
        return [c for c in self.criteria if c.change == change]

    def criterion_counts(self) -> dict[str, int]:
        """Criteria changed, by kind of change: ``{"added": 1, "removed": 0, "reworded": 2, "renumbered": 0}``."""
        return {k: len(self.of(k)) for k in CHANGE_KINDS}

    @property
    def is_empty(self) -> bool:
        return not self.fields and not self.criteria

    def summary(self) -> Message:
        """One line: "status, enrollment changed; 1 criterion added, 2 reworded" (a Message: English in JSON and
        files, said in the reader's language on a page)."""
        if self.is_empty:
            return Message("no changes in the facts trialkit compares")
        parts = []
        if self.fields:  # English names the fields in lower case; another language says their labels
            parts.append(Message("{fields} changed",
                                 fields=_listing([coded(f.field.lower(), f.field) for f in self.fields])))
        counts = [(n, k) for k, n in self.criterion_counts().items() if n]
        if counts:
            total = sum(n for n, _ in counts)
            if total == 1:
                parts.append(Message("1 criterion {change}", change=word(counts[0][1])))
            else:
                each = [Message("{n} {change}", n=n, change=word(k)) for n, k in counts]
                parts.append(Message("criteria: {counts}", counts=_listing(each)))
        return parts[0] if len(parts) == 1 else Message("{first}; {second}", first=parts[0], second=parts[1])

    def to_dict(self) -> dict:
        """The diff as JSON-ready data (``python -m trialkit changes … --json``)."""
        return {"nct_id": self.nct_id, "from": self.old_label, "to": self.new_label, "summary": self.summary(),
                "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in self.fields],
                "criteria": [{"change": c.change, "kind": c.kind, "old_id": c.old_id, "new_id": c.new_id,
                              "old_text": c.old_text, "new_text": c.new_text,
                              "similarity": None if c.similarity is None else round(c.similarity, 3),
                              "word_diff": c.word_diff() if c.change == "reworded" else None}
                             for c in self.criteria]}

    def to_text(self) -> str:
        """A readable plain-text diff (also used for download)."""
        lines = [f"{self.nct_id}: changes from {self.old_label} to {self.new_label}", ""]
        if self.is_empty:
            lines.append("No changes in status, enrollment, dates or criteria.")
            return "\n".join(lines)
        if self.fields:
            lines.append("Registry facts")
            for f in self.fields:
                lines.append(f"  {f.field}: {f.old} -> {f.new}")
            lines.append("")
        for change, title in (("added", "Criteria added"), ("removed", "Criteria removed"),
                              ("reworded", "Criteria reworded"), ("renumbered", "Criteria renumbered (same text)")):
            items = self.of(change)
            if not items:
                continue
            lines.append(title)
            for c in items:
                if change == "added":
                    lines.append(f"  + {c.new_id} ({c.kind}): {c.new_text}")
                elif change == "removed":
                    lines.append(f"  - {c.old_id} ({c.kind}): {c.old_text}")
                elif change == "reworded":
                    lines.append(f"  ~ {c.label} ({c.kind}, {c.similarity:.0%} similar)")
                    lines.append(f"      was: {c.old_text}")
                    lines.append(f"      now: {c.new_text}")
                    lines.append(f"      words: {c.word_diff()}")
                else:
                    lines.append(f"  = {c.label} ({c.kind}): {c.new_text}")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


# -- comparing -----------------------------------------------------------------------------------------
_WORD = re.compile(r"\S+")


def _listing(items: list) -> object:
    """``"a, b, c"`` as a message (each part said in the reader's language, joined by its comma)."""
    out = items[0]
    for item in items[1:]:
        out = Message("{items}, {item}", items=out, item=item)
    return out


def similarity(a: str, b: str) -> float:
    """Similarity in [0, 1]: the mean of difflib's word-level and character-level ratios (case-insensitive).

    Words alone are harsh on short criteria ("… 38 years." vs "… 39 years of age."); characters alone
    overrate unrelated sentences that share common letters. The mean separates both cases well."""
    a, b = " ".join(a.lower().split()), " ".join(b.lower().split())
    words = difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()
    chars = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return (words + chars) / 2


def word_diff(old: str, new: str) -> str:
    a, b = _WORD.findall(old), _WORD.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
            continue
        if op in ("delete", "replace"):
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if op in ("insert", "replace"):
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _fmt_enrollment(t: Trial) -> str:
    if t.enrollment.count is None:
        return "not stated"
    return f"{t.enrollment.count}" + (f" ({t.enrollment.type.lower()})" if t.enrollment.type else "")


def _fmt(value) -> str:
    if value is None or value == "" or value == []:
        return "not stated"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _fields(t: Trial) -> list[tuple[str, str]]:
    d = t.dates
    return [
        (N_("Overall status"), _fmt(t.overall_status)),
        (N_("Why stopped"), _fmt(t.why_stopped)),
        (N_("Enrollment"), _fmt_enrollment(t)),
        (N_("Start date"), _fmt(d.start)),
        (N_("Primary completion date"), _fmt(d.primary_completion)),
        (N_("Completion date"), _fmt(d.completion)),
        (N_("Last update posted"), _fmt(d.last_update_posted)),
        (N_("Title"), _fmt(t.title)),
        (N_("Phases"), _fmt(t.design.phases)),
        (N_("Sex"), _fmt(t.eligibility.sex)),
        (N_("Minimum age"), _fmt(t.eligibility.minimum_age)),
        (N_("Maximum age"), _fmt(t.eligibility.maximum_age)),
        (N_("Arm groups"), _fmt([a.label for a in t.arm_groups])),
        (N_("Number of sites"), str(len(t.locations))),
    ]


def _match_criteria(old: list[EligibilityCriterion], new: list[EligibilityCriterion]) -> list[CriterionChange]:
    out: list[CriterionChange] = []
    old_left = list(old)
    new_left = list(new)

    def pair(o, n, change, sim=None):
        old_left.remove(o)
        new_left.remove(n)
        if change:
            out.append(CriterionChange(change, n.kind, o.id, n.id, o.text, n.text, sim))

    # 1. identical text (prefer the same id)
    for n in list(new_left):
        same = [o for o in old_left if _norm(o.text) == _norm(n.text)]
        if same:
            o = next((x for x in same if x.id == n.id), same[0])
            pair(o, n, None if o.id == n.id else "renumbered", 1.0)
    # 2. same id, similar enough
    for n in list(new_left):
        o = next((x for x in old_left if x.id == n.id), None)
        if o is not None:
            s = similarity(o.text, n.text)
            if s >= REWORD_THRESHOLD:
                pair(o, n, "reworded", s)
    # 3. best remaining pairs by similarity
    scored = sorted(((similarity(o.text, n.text), i, j) for i, o in enumerate(old_left)
                     for j, n in enumerate(new_left)), reverse=True)
    used_o, used_n, pairs = set(), set(), []
    for s, i, j in scored:
        if s < REWORD_THRESHOLD:
            break
        if i in used_o or j in used_n:
            continue
        used_o.add(i)
        used_n.add(j)
        pairs.append((old_left[i], new_left[j], s))
    for o, n, s in pairs:
        pair(o, n, "reworded", s)
    for o in old_left:
        out.append(CriterionChange("removed", o.kind, o.id, None, o.text, None))
    for n in new_left:
        out.append(CriterionChange("added", n.kind, None, n.id, None, n.text))
    return out


def _crit_order(c: CriterionChange) -> tuple:
    cid = c.new_id or c.old_id or "Z0"
    return (0 if c.kind == "inclusion" else 1, int(cid[1:]) if cid[1:].isdigit() else 0)


def diff_trials(old: Trial, new: Trial, *, old_label: str | None = None, new_label: str | None = None) -> StudyDiff:
    old_label = Message("the earlier version") if old_label is None else old_label
    new_label = Message("the newer version") if new_label is None else new_label
    diff = StudyDiff(nct_id=new.nct_id, old_label=old_label, new_label=new_label)
    for (name, a), (_, b) in zip(_fields(old), _fields(new)):
        if a != b:
            diff.fields.append(FieldChange(name, a, b))
    changes: list[CriterionChange] = []
    for kind in ("inclusion", "exclusion"):
        changes += _match_criteria([c for c in old.criteria if c.kind == kind],
                                   [c for c in new.criteria if c.kind == kind])
    diff.criteria = sorted(changes, key=_crit_order)
    return diff


# -- versions ------------------------------------------------------------------------------------------
def file_key(path) -> str:
    """A stable key for a study file: the SHA-256 of its bytes (16 hex digits)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def version_key(version: StudyVersion) -> str:
    return file_key(version.path)


def version_label(versions: list[StudyVersion], index: int) -> Message:
    v = versions[index]
    where = Message("shipped file") if v.origin == "shipped" else word("imported")
    return Message("version {n} of {total} ({where}, {at} UTC)", n=index + 1, total=len(versions), where=where,
                   at=f"{v.added_at:%Y-%m-%d %H:%M}")


def diff_versions(catalog: Catalog, nct_id: str, old_index: int = -2, new_index: int = -1) -> StudyDiff:
    """Diff two versions of a study (indexes into ``catalog.versions(nct_id)``, oldest first).

    Raises KeyError when the study has fewer than two versions, IndexError for a bad index, and
    StudyFormatError (naming the file) when a version cannot be read.
    """
    versions = catalog.versions(nct_id)
    if len(versions) < 2:
        raise KeyError(f"{nct_id} has {len(versions)} version(s) in the catalog; a diff needs two")
    n = len(versions)
    oi, ni = old_index % n if -n <= old_index < n else None, new_index % n if -n <= new_index < n else None
    if oi is None or ni is None:
        raise IndexError(f"{nct_id}: version index out of range (there are {n})")
    old, new = load_study(versions[oi].path), load_study(versions[ni].path)
    return diff_trials(old, new, old_label=version_label(versions, oi), new_label=version_label(versions, ni))


# -- since you last looked ----------------------------------------------------------------------------
def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def mark_seen(engine: Engine, user: str, nct_id: str, version: str, *, now: datetime | None = None) -> None:
    """Record that ``user`` has seen ``version`` (a :func:`version_key`) of a study."""
    ts = now or datetime.now(timezone.utc)
    with engine.begin() as conn:
        exists = conn.execute(select(seen_table.c.user).where(seen_table.c.user == user,
                                                              seen_table.c.nct_id == nct_id)).first()
        if exists:
            conn.execute(seen_table.update().where(seen_table.c.user == user, seen_table.c.nct_id == nct_id)
                         .values(version_key=version, seen_at=ts))
        else:
            conn.execute(seen_table.insert().values(user=user, nct_id=nct_id, version_key=version, seen_at=ts))


def mark_newest_seen(engine: Engine, catalog: Catalog, user: str, nct_id: str) -> None:
    versions = catalog.versions(nct_id)
    if versions:
        mark_seen(engine, user, nct_id, version_key(versions[-1]))


def last_seen(engine: Engine, user: str) -> dict[str, tuple[str, datetime]]:
    """``{nct_id: (version_key, seen_at)}`` for one user."""
    with engine.connect() as conn:
        rows = conn.execute(select(seen_table).where(seen_table.c.user == user)).all()
    return {r.nct_id: (r.version_key, _aware(r.seen_at)) for r in rows}


@dataclass
class UnseenChange:
    nct_id: str
    seen_at: datetime
    kind: str  # "changed" (a diff is attached) or "unknown_base" (the version seen is gone)
    diff: StudyDiff | None
    versions_since: int


def changes_since_last_seen(engine: Engine, catalog: Catalog, user: str,
                            nct_ids: list[str] | None = None) -> list[UnseenChange]:
    """Studies the user has looked at whose newest version differs from the one they last saw.

    Studies the user never looked at are not listed (there is no "before" to compare with)."""
    seen = last_seen(engine, user)
    out: list[UnseenChange] = []
    for nct_id in (nct_ids if nct_ids is not None else sorted(seen)):
        if nct_id not in seen:
            continue
        key, seen_at = seen[nct_id]
        versions = catalog.versions(nct_id)
        if not versions:
            continue
        keys = [version_key(v) for v in versions]
        if keys[-1] == key:
            continue
        if key not in keys:
            out.append(UnseenChange(nct_id, seen_at, "unknown_base", None, len(versions)))
            continue
        i = len(keys) - 1 - keys[::-1].index(key)
        diff = diff_versions(catalog, nct_id, i, len(versions) - 1)
        out.append(UnseenChange(nct_id, seen_at, "changed", diff, len(versions) - 1 - i))
    return out
