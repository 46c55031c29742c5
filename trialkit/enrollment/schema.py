"""The enrollment log's format (contracts §5): row models and all-or-nothing validation of two CSV files.

One row per screened participant (the CONSORT "assessed for eligibility" population) in
``participants.csv`` and one row per site in ``sites.csv``. Validation never stops at the first
problem: it returns every problem as ``row N: column: problem (file)``, where N counts the header as
row 1, as a spreadsheet shows the file. A file with any problem is refused whole.

Controlled terminology (pinned): screen outcomes and participant statuses as contracts §5 spells them;
discontinuation reasons are the CDISC SDTM NCOMPLT codelist (C66727, "Completion/Reason for
Non-Completion") terms listed in contracts §5; SCREEN FAILURE is CDISC C49628. Terms are compared in
upper case exactly as listed; a term outside the pinned list is refused rather than mapped.

No direct identifiers: a column whose name looks like a person's name, phone, email, address, birth date,
national id (or similar) is refused in either file, whatever it contains.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from trialkit.csv_export import restore_cell
from trialkit.models import Trial

SCREEN_OUTCOMES = ("IN_SCREENING", "ELIGIBLE", "SCREEN_FAILURE", "DECLINED")
PARTICIPANT_STATUSES = ("ONGOING", "COMPLETED", "DISCONTINUED")
#: CDISC NCOMPLT (C66727) terms, pinned as contracts §5 lists them.
NCOMPLT_TERMS = ("ADVERSE EVENT", "DEATH", "LACK OF EFFICACY", "LOST TO FOLLOW-UP", "PHYSICIAN DECISION",
                 "PREGNANCY", "PROTOCOL DEVIATION", "STUDY TERMINATED BY SPONSOR", "WITHDRAWAL BY SUBJECT",
                 "OTHER")
SITE_STATUSES = ("PLANNED", "ACTIVE", "ON_HOLD", "CLOSED")
CDISC_SCREEN_FAILURE_CODE = "C49628"
CDISC_NCOMPLT_CODELIST = "C66727"

PARTICIPANT_COLUMNS = ("subject_id", "site_id", "screening_date", "consent_date", "screen_outcome",
                       "screen_fail_criteria", "enrollment_date", "arm", "status", "discontinuation_reason",
                       "discontinuation_date", "analysed")
PARTICIPANT_REQUIRED = ("subject_id", "site_id", "screening_date", "screen_outcome")
PARTICIPANT_DATES = ("screening_date", "consent_date", "enrollment_date", "discontinuation_date")
SITE_COLUMNS = ("site_id", "site_name", "city", "country", "status", "planned_activation_date",
                "activation_date", "target")
#: Optional columns trialkit accepts beyond contracts §5 (for the offline site map).
SITE_EXTRA_COLUMNS = ("latitude", "longitude")
SITE_REQUIRED = ("site_id", "site_name", "status")
SITE_DATES = ("planned_activation_date", "activation_date")

#: The longest text each column stores (the database columns are declared from this, so validation refuses
#: an over-long value with its row and column before any database sees it; PostgreSQL would raise).
MAX_CHARS = {"subject_id": 100, "site_id": 100, "screen_outcome": 20, "screen_fail_criteria": 400, "arm": 300,
             "status": 16, "discontinuation_reason": 60, "site_name": 300, "city": 200, "country": 200}

PARTICIPANTS_FILE = "participants.csv"
SITES_FILE = "sites.csv"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CRITERION_ID = re.compile(r"^[IE][1-9]\d*$")

# Direct identifiers (HIPAA Safe Harbor / GDPR-style): matched on the column name with every
# non-letter removed, so "Phone Number", "e-mail" and "date_of_birth" are all caught.
_IDENTIFIER_PATTERNS = [
    (re.compile(r"name"), "a person's name"),
    (re.compile(r"phone|mobile|telephone|fax|cell"), "a phone number"),
    (re.compile(r"e?mail"), "an email address"),
    (re.compile(r"address|street|postcode|postalcode|zipcode|^zip$"), "an address"),
    (re.compile(r"birth|^dob$|dateofbirth"), "a birth date"),
    (re.compile(r"national|nationalid|ssn|socialsecurity|passport|idcard|identitycard|insurance|nhsnumber|"
                r"medicalrecord|^mrn$|hospitalnumber|driverslicen"), "a national or medical id"),
    (re.compile(r"initials"), "initials"),
]
_ALLOWED_WITH_NAME = {"sitename"}


def identifier_kind(column: str) -> str | None:
    """What direct identifier a column name suggests (None when it suggests none)."""
    key = re.sub(r"[^a-z]", "", column.lower())
    if key in _ALLOWED_WITH_NAME:
        return None
    for pattern, what in _IDENTIFIER_PATTERNS:
        if pattern.search(key):
            return what
    return None


# -- row models ----------------------------------------------------------------------------------
class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _parse_date(v):
    if v is None or isinstance(v, date):
        return v
    s = str(v).strip()
    if not _ISO_DATE.match(s):
        raise ValueError(f"{s!r} is not an ISO date YYYY-MM-DD")
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise ValueError(f"{s!r} is not a real calendar date") from None


def _controlled(v, allowed: tuple[str, ...]):
    if v is None:
        return v
    s = str(v).strip()
    if s not in allowed:
        hint = " (controlled values are upper case)" if s.upper() in allowed else ""
        raise ValueError(f"{s!r} is not one of {', '.join(allowed)}{hint}")
    return s


class ParticipantRow(_Row):
    """One screened participant; the rules that involve one row only (contracts §5)."""

    subject_id: str
    site_id: str
    screening_date: date
    consent_date: date | None = None
    screen_outcome: Literal["IN_SCREENING", "ELIGIBLE", "SCREEN_FAILURE", "DECLINED"]
    screen_fail_criteria: list[str] = []
    enrollment_date: date | None = None
    arm: str | None = None
    status: Literal["ONGOING", "COMPLETED", "DISCONTINUED"] | None = None
    discontinuation_reason: str | None = None
    discontinuation_date: date | None = None
    analysed: bool | None = None

    @field_validator("screening_date", "consent_date", "enrollment_date", "discontinuation_date", mode="before")
    @classmethod
    def _dates(cls, v):
        return _parse_date(v)

    @field_validator("screen_outcome", mode="before")
    @classmethod
    def _outcome(cls, v):
        return _controlled(v, SCREEN_OUTCOMES)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v):
        return _controlled(v, PARTICIPANT_STATUSES)

    @field_validator("discontinuation_reason", mode="before")
    @classmethod
    def _reason(cls, v):
        return _controlled(v, NCOMPLT_TERMS)

    @field_validator("screen_fail_criteria", mode="before")
    @classmethod
    def _criteria(cls, v):
        if v is None:
            return []
        if isinstance(v, str):
            v = [p.strip() for p in v.split(";")]
        ids = [str(p).strip().upper() for p in v if str(p).strip()]
        bad = [i for i in ids if not _CRITERION_ID.match(i)]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))} not a criterion id (I1, E10, … separated by ';')")
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"{', '.join(dupes)} listed twice")
        return ids

    @field_validator("analysed", mode="before")
    @classmethod
    def _analysed(cls, v):
        if v is None or isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in {"true", "false"}:
            return s == "true"
        raise ValueError(f"{v!r} is not true or false")

    @property
    def enrolled(self) -> bool:
        return self.enrollment_date is not None

    def problems(self) -> list[tuple[str, str]]:
        """Cross-field rules of one row: [(column, problem)]."""
        out: list[tuple[str, str]] = []
        if self.consent_date and self.consent_date < self.screening_date:
            out.append(("consent_date", f"{self.consent_date} is before screening_date {self.screening_date}"))
        if self.screen_fail_criteria and self.screen_outcome != "SCREEN_FAILURE":
            out.append(("screen_fail_criteria", f"only allowed with screen_outcome SCREEN_FAILURE, "
                                                f"not {self.screen_outcome}"))
        if self.enrollment_date is not None:
            if self.screen_outcome != "ELIGIBLE":
                out.append(("enrollment_date", f"only allowed with screen_outcome ELIGIBLE, not {self.screen_outcome}"))
            floor, floor_name = ((self.consent_date, "consent_date") if self.consent_date
                                 else (self.screening_date, "screening_date"))
            if self.enrollment_date < floor:
                out.append(("enrollment_date", f"{self.enrollment_date} is before {floor_name} {floor}"))
            if not self.arm:
                out.append(("arm", "required when enrollment_date is given"))
            if not self.status:
                out.append(("status", "required when enrollment_date is given"))
        else:
            if self.arm:
                out.append(("arm", "only allowed for an enrolled participant (no enrollment_date)"))
            if self.status:
                out.append(("status", "only allowed for an enrolled participant (no enrollment_date)"))
            if self.analysed is not None:
                out.append(("analysed", "only allowed for an enrolled participant (no enrollment_date)"))
        if self.status == "DISCONTINUED":
            if not self.discontinuation_reason:
                out.append(("discontinuation_reason", "required when status is DISCONTINUED"))
            if not self.discontinuation_date:
                out.append(("discontinuation_date", "required when status is DISCONTINUED"))
            elif self.enrollment_date and self.discontinuation_date < self.enrollment_date:
                out.append(("discontinuation_date", f"{self.discontinuation_date} is before enrollment_date "
                                                    f"{self.enrollment_date}"))
        else:
            if self.discontinuation_reason:
                out.append(("discontinuation_reason", "only allowed when status is DISCONTINUED"))
            if self.discontinuation_date:
                out.append(("discontinuation_date", "only allowed when status is DISCONTINUED"))
        return out


class SiteRow(_Row):
    site_id: str
    site_name: str
    city: str | None = None
    country: str | None = None
    status: Literal["PLANNED", "ACTIVE", "ON_HOLD", "CLOSED"]
    planned_activation_date: date | None = None
    activation_date: date | None = None
    target: int | None = None
    latitude: float | None = None
    longitude: float | None = None

    @field_validator("planned_activation_date", "activation_date", mode="before")
    @classmethod
    def _dates(cls, v):
        return _parse_date(v)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v):
        return _controlled(v, SITE_STATUSES)

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, v):
        if v is None or isinstance(v, int):
            n = v
        else:
            s = str(v).strip()
            if not re.fullmatch(r"\d+", s):
                raise ValueError(f"{s!r} is not a whole number of participants")
            n = int(s)
        if n is not None and n < 0:
            raise ValueError("must not be negative")
        return n

    @field_validator("latitude")
    @classmethod
    def _lat(cls, v):
        if v is not None and not -90 <= v <= 90:
            raise ValueError(f"{v} is outside -90..90")
        return v

    @field_validator("longitude")
    @classmethod
    def _lon(cls, v):
        if v is not None and not -180 <= v <= 180:
            raise ValueError(f"{v} is outside -180..180")
        return v

    @model_validator(mode="after")
    def _activation(self):
        if self.status in ("ACTIVE", "CLOSED") and self.activation_date is None:
            raise ValueError(f"activation_date: required when status is {self.status}")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude: latitude and longitude go together")
        return self


# -- CSV reading ---------------------------------------------------------------------------------
def read_csv_text(source: bytes | str | Path, what: str) -> str:
    """The text of a CSV given as bytes, text or a path (UTF-8, BOM tolerated)."""
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, bytes):
        try:
            return source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _FileProblem(f"row 1: (file): not UTF-8 text (byte {exc.start}) ({what})") from None
    if isinstance(source, str):
        return source.lstrip("\ufeff")
    raise TypeError(f"{what}: expected bytes, text or a Path, got {type(source).__name__}")


class _FileProblem(Exception):
    pass


def _rows(text: str, what: str, known: tuple[str, ...], required: tuple[str, ...],
          problems: list[str]) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(f"row 1: (header): the file is empty ({what})")
        return []
    header = [h.strip() for h in header]
    ok = True
    seen = set()
    for col in header:
        kind = identifier_kind(col)
        if kind:
            problems.append(f"row 1: {col}: looks like {kind}, a direct identifier; remove this column ({what})")
            ok = False
        elif col == "":
            problems.append(f"row 1: (header): an empty column name ({what})")
            ok = False
        elif col not in known:
            problems.append(f"row 1: {col}: not a column of {what} (allowed: {', '.join(known)})")
            ok = False
        elif col in seen:
            problems.append(f"row 1: {col}: column given twice ({what})")
            ok = False
        seen.add(col)
    for col in required:
        if col not in header:
            problems.append(f"row 1: {col}: required column missing ({what})")
            ok = False
    if not ok:
        return []
    out = []
    line_no = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a cell over the csv module's field size limit (131,072 characters)
            problems.append(f"row {line_no + 1}: (row): {exc} ({what})")
            break
        line_no += 1
        if not any(v.strip() for v in values):
            continue  # blank line
        if len(values) != len(header):
            problems.append(f"row {line_no}: (row): {len(values)} values for {len(header)} columns ({what})")
            continue
        out.append((line_no, {k: (restore_cell(v.strip()) or None) for k, v in zip(header, values)}))
    return out


def _cell_problems(data: dict, row_no: int, what: str) -> list[str]:
    """Text no database column can hold: NUL characters, and values longer than ``MAX_CHARS``."""
    out = []
    for col, v in data.items():
        if not isinstance(v, str):
            continue
        if "\x00" in v:
            out.append(f"row {row_no}: {col}: contains a NUL character ({what})")
        elif col in MAX_CHARS and len(v) > MAX_CHARS[col]:
            out.append(f"row {row_no}: {col}: {len(v)} characters, at most {MAX_CHARS[col]} allowed ({what})")
    return out


def _pydantic_problems(exc: ValidationError, row_no: int, what: str) -> list[str]:
    out = []
    for err in exc.errors():
        col = ".".join(str(p) for p in err["loc"]) or None
        msg = err["msg"].removeprefix("Value error, ")
        if col is None and ": " in msg:  # model-level rule: "column: problem"
            col, msg = msg.split(": ", 1)
        if err["type"] == "missing" or (err.get("input", "") is None and err["type"] != "value_error"):
            msg = "required, empty"
        elif err["type"] == "literal_error":
            msg = f"{err.get('input')!r} is not one of {msg.split('Input should be ')[-1]}"
        out.append(f"row {row_no}: {col or '(row)'}: {msg} ({what})")
    return out


class ValidatedLog(BaseModel):
    participants: list[ParticipantRow]
    sites: list[SiteRow]
    #: Notes that are not errors (e.g. the trial declares no arm groups, so arm labels were not checked).
    notes: list[str] = []


def validate_rows(participants: list[tuple[int, dict]], sites: list[tuple[int, dict]], trial: Trial | None,
                  problems: list[str], *, existing_subject_ids: set[str] | None = None,
                  existing_sites: dict[str, SiteRow] | None = None) -> ValidatedLog:
    """Validate parsed rows (row number, dict) of both files; append every problem to ``problems``."""
    notes: list[str] = []
    site_rows: dict[str, SiteRow] = dict(existing_sites or {})
    for row_no, data in sites:
        cell = _cell_problems(data, row_no, SITES_FILE)
        if cell:
            problems.extend(cell)
            continue
        try:
            site = SiteRow(**data)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, row_no, SITES_FILE))
            continue
        if site.site_id in site_rows and site.site_id not in (existing_sites or {}):
            problems.append(f"row {row_no}: site_id: {site.site_id!r} appears twice ({SITES_FILE})")
            continue
        site_rows[site.site_id] = site
    raw_site_ids = {d.get("site_id") for _, d in sites} | set(existing_sites or {})

    arm_labels = list(trial.arm_labels) if trial is not None else []
    criterion_ids = {c.id for c in trial.criteria} if trial is not None else set()
    if trial is not None and not arm_labels:
        notes.append(f"{trial.nct_id} declares no arm groups in its registry record, so arm labels were not "
                     "checked against the trial.")
    seen: dict[str, int] = {}
    rows: list[ParticipantRow] = []
    for row_no, data in participants:
        cell = _cell_problems(data, row_no, PARTICIPANTS_FILE)
        if cell:
            problems.extend(cell)
            continue
        try:
            p = ParticipantRow(**data)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, row_no, PARTICIPANTS_FILE))
            if data.get("subject_id"):
                seen.setdefault(data["subject_id"], row_no)
            continue
        row_problems = list(p.problems())
        if p.subject_id in seen:
            row_problems.append(("subject_id", f"{p.subject_id!r} already used on row {seen[p.subject_id]}"))
        elif existing_subject_ids and p.subject_id in existing_subject_ids:
            row_problems.append(("subject_id", f"{p.subject_id!r} is already in this trial's log"))
        else:
            seen[p.subject_id] = row_no
        if p.site_id not in raw_site_ids:
            row_problems.append(("site_id", f"{p.site_id!r} is not in {SITES_FILE}"))
        site = site_rows.get(p.site_id)
        if p.enrollment_date is not None and site is not None:
            if site.activation_date is None:
                row_problems.append(("enrollment_date", f"site {p.site_id!r} has no activation_date "
                                                        f"(status {site.status})"))
            elif p.enrollment_date < site.activation_date:
                row_problems.append(("enrollment_date", f"{p.enrollment_date} is before site {p.site_id!r} "
                                                        f"was activated on {site.activation_date}"))
        if p.arm and arm_labels and p.arm not in arm_labels:
            row_problems.append(("arm", f"{p.arm!r} is not an arm group of {trial.nct_id} "
                                        f"({'; '.join(arm_labels)})"))
        if criterion_ids:
            unknown = [c for c in p.screen_fail_criteria if c not in criterion_ids]
            if unknown:
                row_problems.append(("screen_fail_criteria", f"{', '.join(unknown)} not a criterion of "
                                                             f"{trial.nct_id}"))
        problems.extend(f"row {row_no}: {col}: {msg} ({PARTICIPANTS_FILE})" for col, msg in row_problems)
        rows.append(p)
    return ValidatedLog(participants=rows, sites=list(site_rows.values()), notes=notes)


def validate_files(participants_csv, sites_csv, trial: Trial | None) -> ValidatedLog:
    """Parse and validate both files; raise ``LogValidationError`` listing every problem."""
    from trialkit.errors import LogValidationError

    problems: list[str] = []
    texts = {}
    for what, src in ((PARTICIPANTS_FILE, participants_csv), (SITES_FILE, sites_csv)):
        try:
            texts[what] = read_csv_text(src, what)
        except _FileProblem as exc:
            problems.append(str(exc))
    if problems:
        raise LogValidationError(problems)
    site_rows = _rows(texts[SITES_FILE], SITES_FILE, SITE_COLUMNS + SITE_EXTRA_COLUMNS, SITE_REQUIRED, problems)
    part_rows = _rows(texts[PARTICIPANTS_FILE], PARTICIPANTS_FILE, PARTICIPANT_COLUMNS, PARTICIPANT_REQUIRED,
                      problems)
    if problems:  # a header problem makes row-level checks meaningless
        raise LogValidationError(problems)
    log = validate_rows(part_rows, site_rows, trial, problems)
    if problems:
        raise LogValidationError(problems)
    return log
