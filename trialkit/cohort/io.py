"""The user's own cohort: a CSV with one column per candidate field (contracts §2) and an optional
``patient_id``, checked cell by cell and converted to the engine's frame format column-wise.

* numbers: a bare number is in the field's canonical unit; a number with a unit (``9.8 g/dL``) is converted
  with the engine's own unit code (:mod:`trialkit.criteria.units`), once per distinct unit in the column;
  time-since fields also take ``never``;
* yes/no: ``yes``/``no``/``true``/``false``/``y``/``n``/``1``/``0``;
* sex: ``female``/``male`` (``f``/``m``);
* sets (``hpv_types``): codes separated by ``,`` ``;`` or spaces, ``none`` for an empty set;
* an empty cell, ``NA`` or ``unknown`` is unknown (the criteria that need it say so);
* a clinician's answer to a criterion's judgment question: a column ``judgment.E17`` with yes/no
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

from trialkit.criteria import judgment
from trialkit.criteria.fields import FIELDS
from trialkit.criteria.units import convert
from trialkit.errors import CandidateError, TrialkitError

MAX_BYTES = 25 * 1024 * 1024  # = server.maxUploadSize in .streamlit/config.toml (25 MB; a test keeps them equal)
MISSING_WORDS = {"", "na", "n/a", "nan", "unknown", "?", "-"}
#: in a number column "nan" is refused (a number that is not one), not read as unknown
MISSING_NUMBER_WORDS = MISSING_WORDS - {"nan"}
YES = {"yes", "y", "true", "t", "1"}
NO = {"no", "n", "false", "f", "0"}
NEVER = {"never", "inf", "none"}
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+))\s*(.*?)\s*$")
_MAX_LISTED = 200


class CohortFileError(TrialkitError):
    """A cohort CSV that cannot be used; ``problems`` lists every ``row N: column: problem``."""

    def __init__(self, problems: list[str], *, source: str | None = None):
        self.problems = list(problems)
        head = f"{source}: " if source else ""
        shown = "; ".join(self.problems[:3]) + (" …" if len(self.problems) > 3 else "")
        super().__init__(f"{head}{len(self.problems)} problem(s) in the cohort file: {shown}")


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
        raise CohortFileError([f"file: {len(raw) / 2**20:.1f} MB is larger than the {max_bytes / 2**20:.0f} MB limit"],
                              source=source)
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CohortFileError([f"file: not UTF-8 text (byte {exc.start})"], source=source) from None
    if not text.strip():
        raise CohortFileError(["file: empty (expected a header row with one column per field)"], source=source)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                         skipinitialspace=True, on_bad_lines="error", engine="c",
                         skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        msg = (f"row {m.group(2)}: file: {m.group(3)} cells where the header has {m.group(1)}" if m
               else f"file: not a readable CSV ({' '.join(str(exc).split())[:200]})")
        raise CohortFileError([msg], source=source) from None
    except csv.Error as exc:
        raise CohortFileError([f"file: not a readable CSV ({exc})"], source=source) from None
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
            problems.append(f"row 1: column {pos + 1}: has no name")
            continue
        if c in seen:
            problems.append(f"row 1: {c}: column appears twice")
            continue
        seen.add(c)
        if judgment.is_judgment_key(c):
            try:
                judgment.resolve_key(c)
            except CandidateError as exc:
                problems.append(f"row 1: {exc}")
            continue
        if c != "patient_id" and c not in FIELDS:
            problems.append(f"row 1: {c}: not a candidate field trialkit knows "
                            f"(known: {', '.join(sorted(FIELDS)[:8])}, …)")
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
        raise CohortFileError(["file: has a header but no patient rows"], source=source)

    out: dict[str, object] = {}
    for col in names:
        if col == "patient_id":
            continue
        values, col_problems = convert_column(col, df[col], lines=lines)
        problems.extend(col_problems)
        out[col] = values
    if "patient_id" in df.columns:
        pid = df["patient_id"].str.strip()
        for i in np.flatnonzero((pid == "").to_numpy()):
            problems.append(f"row {lines[i]}: patient_id: empty")
        dup = pid.duplicated(keep="first") & (pid != "")
        for i in np.flatnonzero(dup.to_numpy()):
            problems.append(f"row {lines[i]}: patient_id: {pid.iloc[i]!r} appears on an earlier row")
        patient_ids = pid.to_numpy(dtype=object)
    else:
        patient_ids = np.arange(1, len(df) + 1)
    if problems:
        problems = _sorted(problems)
        if len(problems) > _MAX_LISTED:
            extra = len(problems) - _MAX_LISTED
            problems = problems[:_MAX_LISTED] + [f"file: … and {extra} more problem(s)"]
        raise CohortFileError(problems, source=source)
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(df), name="patient"))
    return CohortFile(frame=frame, patient_ids=patient_ids, sha256=sha, source=source, columns=names)


def _sorted(problems: list[str]) -> list[str]:
    def key(p):
        m = re.match(r"row (\d+):", p)
        return (int(m.group(1)) if m else 0, p)
    return sorted(problems, key=key)


def convert_column(name: str, cells: pd.Series, *, lines=None) -> tuple[object, list[str]]:
    """One CSV column (strings) -> the engine's column format; problems as ``row N: name: problem``
    (N from ``lines``, the file line of each cell, when given; else header + position)."""
    def _row(i: int) -> int:
        return int(lines[i]) if lines is not None else i + 2
    s = cells.astype(str).str.strip()
    low = s.str.lower()
    missing = low.isin(MISSING_WORDS).to_numpy()
    problems: list[str] = []
    if judgment.is_judgment_key(name):  # a clinician's yes/no answer
        yes, no = low.isin(YES).to_numpy(), low.isin(NO).to_numpy()
        for i in np.flatnonzero(~(yes | no | missing)):
            problems.append(f"row {_row(int(i))}: {name}: {s.iloc[i]!r} is not yes or no")
        return pd.arrays.BooleanArray(yes, ~(yes | no)), problems
    spec = FIELDS[name]

    if spec.kind == "number":
        missing = low.isin(MISSING_NUMBER_WORDS).to_numpy()
        out = np.full(len(s), np.nan)
        fast = pd.to_numeric(s.where(~missing), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        ok = np.isfinite(fast) & ~missing
        out[ok] = fast[ok]
        rest = ~ok & ~missing
        if spec.allow_never:
            never = rest & low.isin(NEVER).to_numpy()
            out[never] = np.inf
            rest &= ~never
        # inf, -inf, 1e400 (overflows to inf): numbers that are not finite are refused, never stored
        nonfinite = rest & np.isinf(fast)
        for i in np.flatnonzero(nonfinite):
            problems.append(f"row {_row(int(i))}: {name}: {s.iloc[i]!r} is not a finite number")
        rest &= ~nonfinite
        if rest.any():
            parts = s[rest].str.extract(_NUMBER.pattern)
            idx = np.flatnonzero(rest)
            nums = pd.to_numeric(parts[0].str.replace(",", ".", regex=False), errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan)
            units = parts[1].fillna("").to_numpy(dtype=object)
            factors: dict[str, float | str] = {}
            for u in pd.unique(units):
                if u == "":
                    factors[u] = 1.0
                    continue
                try:
                    factors[u] = convert(spec, 1.0, u)
                except CandidateError as exc:
                    factors[u] = str(exc).split(": ", 1)[-1]
            for pos, i in enumerate(idx):
                if np.isnan(nums[pos]):
                    problems.append(f"row {_row(int(i))}: {name}: {s.iloc[i]!r} is not a number"
                                    + (" (or 'never')" if spec.allow_never else ""))
                    continue
                f = factors[units[pos]]
                if isinstance(f, str):
                    problems.append(f"row {_row(int(i))}: {name}: {f}")
                    continue
                out[i] = float(f"{nums[pos] * f:.12g}")
        bad_neg = np.flatnonzero(out < 0)
        for i in bad_neg:
            problems.append(f"row {_row(int(i))}: {name}: {s.iloc[i]!r} is negative")
        if spec.integer:
            with np.errstate(invalid="ignore"):
                frac = np.isfinite(out) & (out != np.floor(out))
            for i in np.flatnonzero(frac):
                problems.append(f"row {_row(int(i))}: {name}: {s.iloc[i]!r} is not a whole number "
                                f"({spec.label} is a count)")
        return out, problems

    if spec.kind == "yesno":
        yes, no = low.isin(YES).to_numpy(), low.isin(NO).to_numpy()
        for i in np.flatnonzero(~(yes | no | missing)):
            problems.append(f"row {_row(int(i))}: {name}: {s.iloc[i]!r} is not yes or no")
        return pd.arrays.BooleanArray(yes, ~(yes | no)), problems

    if spec.kind == "sex":
        female = low.isin({"female", "f", "woman"}).to_numpy()
        male = low.isin({"male", "m", "man"}).to_numpy()
        for i in np.flatnonzero(~(female | male | missing)):
            problems.append(f"row {_row(int(i))}: {name}: {s.iloc[i]!r} is not female or male")
        codes = np.where(female, 0, np.where(male, 1, -1)).astype(np.int8)
        return pd.Categorical.from_codes(codes, categories=["female", "male"]), problems

    if spec.kind == "set":
        uniq, inv = np.unique(low.to_numpy(dtype=str), return_inverse=True)
        mapped: list[object] = []
        bad: dict[int, str] = {}
        for j, u in enumerate(uniq):
            if u in MISSING_WORDS:
                mapped.append(None)
            elif u in {"none", "negative", "neg"}:
                mapped.append("")
            else:
                codes = [c.removeprefix("hpv").strip("-_ ") for c in re.split(r"[,;/\s]+", u) if c]
                wrong = [c for c in codes if not re.fullmatch(spec.code_pattern, c)]
                if wrong:
                    bad[j] = f"{wrong[0]!r} is not a type code (expected numbers like 16;52)"
                    mapped.append(None)
                else:
                    mapped.append(";".join(sorted({str(int(c)) for c in codes}, key=int)))
        for i in np.flatnonzero(np.isin(inv, list(bad))):
            problems.append(f"row {_row(int(i))}: {name}: {bad[int(inv[i])]}")
        cats = sorted({m for m in mapped if m is not None})
        pos = {c: k for k, c in enumerate(cats)}
        code_of = np.array([pos[m] if m is not None else -1 for m in mapped], dtype=np.int64)
        return pd.Categorical.from_codes(code_of[inv], categories=cats), problems

    raise CandidateError(f"{name}: fields of kind {spec.kind!r} cannot come from a CSV")  # pragma: no cover
