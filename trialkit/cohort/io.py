"""The user's own cohort: a CSV with one column per candidate field (contracts §2) and an optional
``patient_id``, checked cell by cell and converted to the engine's frame format column-wise.

What a cell may hold is owned by the field's kind (:mod:`trialkit.values`: the same words as ``--set`` and
links): numbers with or without a unit (converted once per distinct unit in the column), ``never`` for a
time since an event, yes/no (``t``/``f`` too), female/male (``women`` too), code sets (``16;52``, ``none``);
an empty cell, ``NA``, ``unknown`` or ``-`` is unknown (the criteria that need it say so). A clinician's
answer to a criterion's judgment question is a column ``judgment.E17`` with yes/no
(:mod:`trialkit.criteria.judgment`; :func:`trialkit.cohort.pipeline.file_cohort` checks the criterion ids
against the trial).

Every problem is reported as ``row N: column: problem`` where N is the line of the file (the header is
row 1, the first patient row 2), as a spreadsheet numbers it.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit import values
from trialkit.criteria import judgment
from trialkit.criteria.fields import DETAILED_PROBLEMS, FIELDS, cell_problems, row_problem
from trialkit.errors import CandidateError, TrialkitError, problems_message
from trialkit.message import Message

MAX_BYTES = 25 * 1024 * 1024  # = server.maxUploadSize in .streamlit/config.toml (25 MB; a test keeps them equal)
_MAX_LISTED = DETAILED_PROBLEMS  # every check writes out at least the problems listed


class CohortFileError(TrialkitError):
    """A cohort CSV that cannot be used; ``problems`` lists every ``row N: column: problem``."""

    def __init__(self, problems: list[str], *, source: str | None = None):
        self.problems = list(problems)
        super().__init__(problems_message(self.problems, source=source, shown=3,
                                          what=Message("the cohort file")))


@dataclass
class CohortFile:
    frame: pd.DataFrame
    patient_ids: np.ndarray
    sha256: str
    source: str = "upload"
    columns: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.frame)


def read_cohort_csv(data: bytes | str, *, source: str = "upload", max_bytes: int | None = MAX_BYTES) -> CohortFile:
    """Parse and check a cohort CSV (bytes, or a path given as str); raise CohortFileError listing problems."""
    if isinstance(data, str):
        with open(data, "rb") as fh:
            raw = fh.read()
        source = data
    else:
        raw = bytes(data)
    if max_bytes is not None and len(raw) > max_bytes:
        raise CohortFileError([Message("file: {size:.1f} MB is larger than the {limit:.0f} MB limit",
                                       size=len(raw) / 2**20, limit=max_bytes / 2**20)], source=source)
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CohortFileError([Message("file: not UTF-8 text (byte {byte})", byte=exc.start)], source=source) from None
    if not text.strip():
        raise CohortFileError([Message("file: empty (expected a header row with one column per field)")],
                              source=source)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                         skipinitialspace=True, on_bad_lines="error", engine="c",
                         skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        msg = (Message("row {row}: file: {cells} cells where the header has {header}", row=m.group(2),
                       cells=m.group(3), header=m.group(1)) if m
               else Message("file: not a readable CSV ({error})", error=" ".join(str(exc).split())[:200]))
        raise CohortFileError([msg], source=source) from None
    except csv.Error as exc:
        raise CohortFileError([Message("file: not a readable CSV ({error})", error=str(exc))], source=source) from None
    problems: list[str] = []
    try:
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])))
    except (StopIteration, csv.Error):
        header = list(df.columns)
    names = [str(c).strip() for c in header] if len(header) == len(df.columns) else \
        [str(c).strip() for c in df.columns]
    seen = set()
    for pos, c in enumerate(names):
        if c == "" or re.fullmatch(r"Unnamed: \d+", c):
            problems.append(Message("row 1: column {position}: has no name", position=pos + 1))
            continue
        if c in seen:
            problems.append(Message("row 1: {column}: column appears twice", column=c))
            continue
        seen.add(c)
        if judgment.is_judgment_key(c):
            try:
                judgment.resolve_key(c)
            except CandidateError as exc:
                problems.append(Message("row 1: {problem}", problem=error_words(exc)))
            continue
        if c != "patient_id" and c not in FIELDS:
            problems.append(Message("row 1: {column}: not a candidate field trialkit knows (known: {names}, …)",
                                    column=c, names=", ".join(sorted(FIELDS)[:8])))
    if problems:
        raise CohortFileError(problems, source=source)
    df.columns = names
    # Blank lines are kept by the reader (so each record keeps its line of the file) and dropped here.
    lines = np.arange(2, len(df) + 2)
    if len(df):
        blank = (df.apply(lambda c: c.astype(str).str.strip()) == "").all(axis=1).to_numpy()
        if blank.any():
            df, lines = df.loc[~blank].reset_index(drop=True), lines[~blank]
    if len(df) == 0:
        raise CohortFileError([Message("file: has a header but no patient rows")], source=source)

    out: dict[str, object] = {}
    for col in names:
        if col == "patient_id":
            continue
        column, col_problems = convert_column(col, df[col], lines=lines)
        problems.extend(col_problems)
        out[col] = column
    if "patient_id" in df.columns:
        pid = df["patient_id"].str.strip()
        problems += cell_problems(np.flatnonzero((pid == "").to_numpy()),
                                  lambda i: row_problem(lines[i], "patient_id", Message("empty")))
        dup = pid.duplicated(keep="first") & (pid != "")
        problems += cell_problems(np.flatnonzero(dup.to_numpy()), lambda i: row_problem(
            lines[i], "patient_id", Message("{value!r} appears on an earlier row", value=pid.iloc[i])))
        patient_ids = pid.to_numpy(dtype=object)
    else:
        patient_ids = np.arange(1, len(df) + 1)
    if problems:
        total = len(problems)  # the cells past each check's first DETAILED_PROBLEMS are None: counted only
        problems = _sorted([p for p in problems if p is not None])
        if total > _MAX_LISTED:
            extra = total - _MAX_LISTED
            problems = problems[:_MAX_LISTED] + [Message("file: … and {n} more problem(s)", n=extra)]
        raise CohortFileError(problems, source=source)
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(df), name="patient"))
    return CohortFile(frame=frame, patient_ids=patient_ids, sha256=sha, source=source, columns=names)


def error_words(exc: BaseException) -> object:
    """An error's reason as a value of another message: trialkit's own message (said in the reader's
    language), else the error's text."""
    return exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Message) else str(exc)


def _sorted(problems: list[str]) -> list[str]:
    def key(p):
        m = re.match(r"row (\d+):", p)
        return (int(m.group(1)) if m else 0, p)
    return sorted(problems, key=key)


def convert_column(name: str, cells: pd.Series, *, lines=None) -> tuple[object, list[str]]:
    """One CSV column (strings) -> the engine's column format; problems as ``row N: name: problem`` (N from
    ``lines``, the file line of each cell, when given; else header + position). The words a cell may hold
    are the field kind's (:mod:`trialkit.values`), as on the command line and in links."""
    if not judgment.is_judgment_key(name):
        FIELDS[name]  # noqa: B018 - an unknown column was reported by the caller; this is a bug guard

    def row(i: int) -> int:
        return int(lines[i]) if lines is not None else i + 2

    return values.column(name, cells, row)
