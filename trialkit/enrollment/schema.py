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

from pydantic import BaseModel, ConfigDict, SkipValidation, ValidationError, field_validator, model_validator

from trialkit.csv_export import restore_cell
from trialkit.i18n import N_
from trialkit.message import Message
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
    (re.compile(r"name"), Message("a person's name")),
    (re.compile(r"phone|mobile|telephone|fax|cell"), Message("a phone number")),
    (re.compile(r"e?mail"), Message("an email address")),
    (re.compile(r"address|street|postcode|postalcode|zipcode|^zip$"), Message("an address")),
    (re.compile(r"birth|^dob$|dateofbirth"), Message("a birth date")),
    (re.compile(r"national|nationalid|ssn|socialsecurity|passport|idcard|identitycard|insurance|nhsnumber|"
                r"medicalrecord|^mrn$|hospitalnumber|driverslicen"), Message("a national or medical id")),
    (re.compile(r"initials"), Message("initials")),
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
        raise ValueError(Message("{value!r} is not an ISO date YYYY-MM-DD", value=s))
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise ValueError(Message("{value!r} is not a real calendar date", value=s)) from None


def _controlled(v, allowed: tuple[str, ...]):
    if v is None:
        return v
    s = str(v).strip()
    if s not in allowed:
        if s.upper() in allowed:
            raise ValueError(Message("{value!r} is not one of {allowed} (controlled values are upper case)",
                                     value=s, allowed=", ".join(allowed)))
        raise ValueError(Message("{value!r} is not one of {allowed}", value=s, allowed=", ".join(allowed)))
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
            raise ValueError(Message("{ids} not a criterion id (I1, E10, … separated by ';')",
                                     ids=", ".join(map(repr, bad))))
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(Message("{ids} listed twice", ids=", ".join(dupes)))
        return ids

    @field_validator("analysed", mode="before")
    @classmethod
    def _analysed(cls, v):
        if v is None or isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in {"true", "false"}:
            return s == "true"
        raise ValueError(Message("{value!r} is not true or false", value=v))

    @property
    def enrolled(self) -> bool:
        return self.enrollment_date is not None

    def problems(self) -> list[tuple[str, Message]]:
        """Cross-field rules of one row: [(column, problem)]."""
        out: list[tuple[str, Message]] = []
        if self.consent_date and self.consent_date < self.screening_date:
            out.append(("consent_date", Message("{date} is before screening_date {screening_date}",
                                                date=self.consent_date, screening_date=self.screening_date)))
        if self.screen_fail_criteria and self.screen_outcome != "SCREEN_FAILURE":
            out.append(("screen_fail_criteria", Message("only allowed with screen_outcome SCREEN_FAILURE, "
                                                        "not {outcome}", outcome=self.screen_outcome)))
        if self.enrollment_date is not None:
            if self.screen_outcome != "ELIGIBLE":
                out.append(("enrollment_date", Message("only allowed with screen_outcome ELIGIBLE, not {outcome}",
                                                       outcome=self.screen_outcome)))
            floor, floor_name = ((self.consent_date, "consent_date") if self.consent_date
                                 else (self.screening_date, "screening_date"))
            if self.enrollment_date < floor:
                out.append(("enrollment_date", Message("{date} is before {column} {other}", date=self.enrollment_date,
                                                       column=floor_name, other=floor)))
            if not self.arm:
                out.append(("arm", Message("required when enrollment_date is given")))
            if not self.status:
                out.append(("status", Message("required when enrollment_date is given")))
        else:
            if self.arm:
                out.append(("arm", Message("only allowed for an enrolled participant (no enrollment_date)")))
            if self.status:
                out.append(("status", Message("only allowed for an enrolled participant (no enrollment_date)")))
            if self.analysed is not None:
                out.append(("analysed", Message("only allowed for an enrolled participant (no enrollment_date)")))
        if self.status == "DISCONTINUED":
            if not self.discontinuation_reason:
                out.append(("discontinuation_reason", Message("required when status is DISCONTINUED")))
            if not self.discontinuation_date:
                out.append(("discontinuation_date", Message("required when status is DISCONTINUED")))
            elif self.enrollment_date and self.discontinuation_date < self.enrollment_date:
                out.append(("discontinuation_date", Message("{date} is before enrollment_date {enrollment_date}",
                                                            date=self.discontinuation_date,
                                                            enrollment_date=self.enrollment_date)))
        else:
            if self.discontinuation_reason:
                out.append(("discontinuation_reason", Message("only allowed when status is DISCONTINUED")))
            if self.discontinuation_date:
                out.append(("discontinuation_date", Message("only allowed when status is DISCONTINUED")))
        return out


class _ColumnProblem(ValueError):
    """A rule over several fields of a row, reported against one column: ``"column: problem"``."""

    def __init__(self, column: str, problem: Message):
        self.column, self.problem = column, problem
        super().__init__(Message("{column}: {problem}", column=column, problem=problem))


#: the form of every problem in an enrollment log (contracts §5)
LOG_PROBLEM = N_("row {row}: {column}: {problem} ({file})")


def problem(row: object, column: object, text: object, file: object) -> Message:
    """``"row N: column: problem (file)"``, the form of every problem in an enrollment log."""
    return Message(LOG_PROBLEM, row=row, column=column, problem=text, file=file)


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
                raise ValueError(Message("{value!r} is not a whole number of participants", value=s))
            n = int(s)
        if n is not None and n < 0:
            raise ValueError(Message("must not be negative"))
        return n

    @field_validator("latitude")
    @classmethod
    def _lat(cls, v):
        if v is not None and not -90 <= v <= 90:
            raise ValueError(Message("{value} is outside -90..90", value=v))
        return v

    @field_validator("longitude")
    @classmethod
    def _lon(cls, v):
        if v is not None and not -180 <= v <= 180:
            raise ValueError(Message("{value} is outside -180..180", value=v))
        return v

    @model_validator(mode="after")
    def _activation(self):
        if self.status in ("ACTIVE", "CLOSED") and self.activation_date is None:
            raise _ColumnProblem("activation_date", Message("required when status is {status}", status=self.status))
        if (self.latitude is None) != (self.longitude is None):
            raise _ColumnProblem("latitude", Message("latitude and longitude go together"))
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
            raise _FileProblem(problem(1, Message("(file)"), Message("not UTF-8 text (byte {byte})", byte=exc.start),
                                       what)) from None
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
        problems.append(problem(1, Message("(header)"), Message("the file is empty"), what))
        return []
    header = [h.strip() for h in header]
    ok = True
    seen = set()
    for col in header:
        kind = identifier_kind(col)
        if kind:
            problems.append(problem(1, col, Message("looks like {kind}, a direct identifier; remove this column",
                                                    kind=kind), what))
            ok = False
        elif col == "":
            problems.append(problem(1, Message("(header)"), Message("an empty column name"), what))
            ok = False
        elif col not in known:
            problems.append(Message("row {row}: {column}: not a column of {file} (allowed: {allowed})", row=1,
                                    column=col, file=what, allowed=", ".join(known)))
            ok = False
        elif col in seen:
            problems.append(problem(1, col, Message("column given twice"), what))
            ok = False
        seen.add(col)
    for col in required:
        if col not in header:
            problems.append(problem(1, col, Message("required column missing"), what))
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
            problems.append(problem(line_no + 1, Message("(row)"), str(exc), what))
            break
        line_no += 1
        if not any(v.strip() for v in values):
            continue  # blank line
        if len(values) != len(header):
            problems.append(problem(line_no, Message("(row)"), Message("{n} values for {columns} columns",
                                                                        n=len(values), columns=len(header)), what))
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
            out.append(problem(row_no, col, Message("contains a NUL character"), what))
        elif col in MAX_CHARS and len(v) > MAX_CHARS[col]:
            out.append(problem(row_no, col, Message("{n} characters, at most {limit} allowed", n=len(v),
                                                    limit=MAX_CHARS[col]), what))
    return out


def _pydantic_problems(exc: ValidationError, row_no: int, what: str) -> list[Message]:
    out = []
    for err in exc.errors():
        col = ".".join(str(p) for p in err["loc"]) or None
        msg = err["msg"].removeprefix("Value error, ")  # pydantic's own words where trialkit wrote none
        raised = (err.get("ctx") or {}).get("error")
        if isinstance(raised, _ColumnProblem):  # model-level rule: "column: problem"
            col, msg = raised.column, raised.problem
        elif isinstance(raised, ValueError) and len(raised.args) == 1 and isinstance(raised.args[0], Message):
            msg = raised.args[0]
        elif col is None and ": " in msg:
            col, msg = msg.split(": ", 1)
        if err["type"] == "missing" or (err.get("input", "") is None and err["type"] != "value_error"):
            msg = Message("required, empty")
        elif err["type"] == "literal_error":
            msg = Message("{value!r} is not one of {allowed}", value=err.get("input"),
                          allowed=msg.split("Input should be ")[-1])
        out.append(problem(row_no, col or Message("(row)"), msg, what))
    return out


class ValidatedLog(BaseModel):
    participants: list[ParticipantRow]
    sites: list[SiteRow]
    #: Notes that are not errors (e.g. the trial declares no arm groups, so arm labels were not checked);
    #: :class:`~trialkit.message.Message` values (not revalidated: pydantic would make them plain ``str``).
    notes: list[SkipValidation[str]] = []


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
            problems.append(problem(row_no, "site_id", Message("{value!r} appears twice", value=site.site_id),
                                    SITES_FILE))
            continue
        site_rows[site.site_id] = site
    raw_site_ids = {d.get("site_id") for _, d in sites} | set(existing_sites or {})

    arm_labels = list(trial.arm_labels) if trial is not None else []
    criterion_ids = {c.id for c in trial.criteria} if trial is not None else set()
    if trial is not None and not arm_labels:
        notes.append(Message("{nct_id} declares no arm groups in its registry record, so arm labels were not "
                             "checked against the trial.", nct_id=trial.nct_id))
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
            row_problems.append(("subject_id", Message("{value!r} already used on row {row}", value=p.subject_id,
                                                       row=seen[p.subject_id])))
        elif existing_subject_ids and p.subject_id in existing_subject_ids:
            row_problems.append(("subject_id", Message("{value!r} is already in this trial's log",
                                                       value=p.subject_id)))
        else:
            seen[p.subject_id] = row_no
        if p.site_id not in raw_site_ids:
            row_problems.append(("site_id", Message("{value!r} is not in {file}", value=p.site_id, file=SITES_FILE)))
        site = site_rows.get(p.site_id)
        if p.enrollment_date is not None and site is not None:
            if site.activation_date is None:
                row_problems.append(("enrollment_date", Message("site {site!r} has no activation_date "
                                                                "(status {status})", site=p.site_id,
                                                                status=site.status)))
            elif p.enrollment_date < site.activation_date:
                row_problems.append(("enrollment_date", Message("{date} is before site {site!r} was activated on "
                                                                "{activation_date}", date=p.enrollment_date,
                                                                site=p.site_id,
                                                                activation_date=site.activation_date)))
        if p.arm and arm_labels and p.arm not in arm_labels:
            row_problems.append(("arm", Message("{arm!r} is not an arm group of {nct_id} ({arms})", arm=p.arm,
                                                nct_id=trial.nct_id, arms="; ".join(arm_labels))))
        if criterion_ids:
            unknown = [c for c in p.screen_fail_criteria if c not in criterion_ids]
            if unknown:
                row_problems.append(("screen_fail_criteria", Message("{ids} not a criterion of {nct_id}",
                                                                     ids=", ".join(unknown), nct_id=trial.nct_id)))
        problems.extend(problem(row_no, col, msg, PARTICIPANTS_FILE) for col, msg in row_problems)
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
            problems.append(exc.args[0])
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
