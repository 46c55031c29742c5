"""CDISC SDTM in and out of the enrollment log (contracts §8).

In: a folder (or a set of uploaded files) holding SDTM domains as SAS transport ``.xpt`` or ``.csv``, any
letter case (``dm.xpt``, ``DS.csv``). DM and DS are required; SE, SV, IE, TI, TA and SUPPDM are used when
present, and a trialkit ``sites.csv`` (contracts §5) beside them gives the sites' names, status and dates.
The domains are mapped to the log's participant and site rows (the mapping is below and in the README) and
then go through the SAME validation, all-or-nothing storage and audit trail as the CSV log
(:func:`trialkit.enrollment.storage.import_log`). Every problem, the mapping's and the log's, is reported as
``DOMAIN row N: VARIABLE: problem`` (N counts a dataset's records from 1; a CSV's header line is not counted).

The mapping (SDTMIG 3.1 and 3.2+):

* every DM subject was screened: ``subject_id`` = ``USUBJID``, ``site_id`` = ``SITEID``;
* screening date: the start of the subject's screening element (SE ``SESTDTC`` of an element whose epoch,
  code or name says screening), else the first screening visit (SV ``SVSTDTC``; the first visit when none is
  named screening), else DM ``RFICDTC``; consent date = ``RFICDTC`` (or DS ``INFORMED CONSENT OBTAINED``);
* screen failure: a DS disposition event ``DSDECOD = SCREEN FAILURE``, or the screen-failure arm in either
  convention (SDTMIG 3.1: ``ARMCD = SCRNFAIL``, any case; 3.2+: blank ``ARMCD`` with ``ARMNRS = SCREEN
  FAILURE``);
* enrolled = allocated to an arm: the planned ``ARM`` (CONSORT allocates by randomized arm), matched to the
  trial's arm group labels exactly or through ``--arm-map``; an actual arm (``ACTARM``) that differs is
  reported as a note. Enrollment date: DS ``RANDOMIZED`` milestone, else ``RFSTDTC``, else ``RFXSTDTC``;
* status: the DS disposition event of the treatment epoch (``EPOCH`` naming treatment when DS has
  ``EPOCH``; the subject's one disposition event otherwise): ``COMPLETED`` or DISCONTINUED with ``DSDECOD``
  as the CDISC NCOMPLT reason and ``DSSTDTC`` as its date; none yet = ONGOING;
* not allocated, not a screen failure: a disposition event ``WITHDRAWAL BY SUBJECT`` = DECLINED, any other
  disposition event = ELIGIBLE (not enrolled, "other reasons"), none = IN_SCREENING;
* screen-failure criteria: IE ``IETESTCD`` matched to the trial's criterion ids through the criterion text
  (TI ``IETEST``, else IE ``IETEST``) compared ignoring case, spacing and punctuation, or through an explicit
  ``--ie-map IETESTCD=ID``; a code that matches nothing is a problem, never a guess;
* sites: from ``sites.csv`` when the folder has one; otherwise one per ``SITEID``, named "Site <SITEID>",
  country from DM ``COUNTRY``, activated at its first screening (a DERIVED date, said so in the log's note
  and the import report), ACTIVE, or CLOSED when the registry says the trial has ended;
* dates are ISO 8601 as SDTM allows: date-times keep their date; a partial date is read as the first day of
  its month or year (the last day for a discontinuation date), each such reading listed as a note.

Out: :func:`export_sdtm` writes DM, DS, IE (plus SE, TI, SUPPDM and the log's ``sites.csv``, which the
import reads back) as XPT version 5 and CSV from any log, so importing the export gives the same log.

The CDISC SDTM/ADaM Pilot Project data used in the tests (``../shared/sdtm/cdiscpilot01``) are © CDISC and
are read, never modified.
"""
from __future__ import annotations

import calendar
import io
import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from trialkit.csv_export import csv_text, restore_cell, write_csv
from trialkit.enrollment.schema import (LOG_PROBLEM, NCOMPLT_TERMS, PARTICIPANT_COLUMNS, PARTICIPANTS_FILE,
                                        SITE_COLUMNS, SITE_EXTRA_COLUMNS, SITES_FILE, validate_files)
from trialkit.errors import LogValidationError, TrialkitError, with_source
from trialkit.i18n import N_
from trialkit.message import Message
from trialkit.models import Trial

#: Domains the import reads; DM and DS must be there.
DOMAINS = ("DM", "DS", "SE", "SV", "IE", "TI", "TA", "SUPPDM")
REQUIRED_DOMAINS = ("DM", "DS")
REQUIRED_VARIABLES = {
    "DM": ("USUBJID", "SITEID", "ARM"),
    "DS": ("USUBJID", "DSDECOD", "DSCAT", "DSSTDTC"),
    "SE": ("USUBJID", "ETCD", "SESTDTC"),
    "SV": ("USUBJID", "VISIT", "SVSTDTC"),
    "IE": ("USUBJID", "IETESTCD"),
    "TI": ("IETESTCD", "IETEST"),
    "TA": ("ETCD", "EPOCH"),
    "SUPPDM": ("USUBJID", "QNAM", "QVAL"),
}
SCREEN_FAILURE = "SCREEN FAILURE"
#: SDTMIG 3.1 screen-failure / not-assigned arm codes (compared in upper case).
SCRNFAIL_ARMCD = "SCRNFAIL"
NOTASSGN_ARMCD = "NOTASSGN"
#: NCOMPLT (C66727) terms outside the log's pinned list: recorded as OTHER, with a note naming them.
NCOMPLT_AS_OTHER = ("NON-COMPLIANCE WITH STUDY DRUG", "PROGRESSIVE DISEASE", "RECOVERY", "SITE TERMINATED BY SPONSOR",
                    "TECHNICAL PROBLEMS", "WITHDRAWAL BY PARENT/GUARDIAN", "FAILURE TO MEET RANDOMIZATION CRITERIA",
                    "DISEASE RELAPSE", "TREATMENT UNBLINDED", "COMPLETED STUDY TREATMENT")
#: Earlier NCOMPLT spellings of a pinned term.
NCOMPLT_RENAMED = {"PROTOCOL VIOLATION": "PROTOCOL DEVIATION"}
#: Registry statuses of a trial that has ended: derived sites are CLOSED rather than ACTIVE.
ENDED_STATUSES = ("COMPLETED", "TERMINATED", "WITHDRAWN")
#: The log's analysed flag travels in SUPPDM under this QNAM.
ANALYSED_QNAM = "ANALYSED"

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
                   r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$")
_WORDS = re.compile(r"[^a-z0-9]+")


#: the note kept with a log imported from SDTM (stored in English; :func:`note_words` reads it back)
IMPORTED_NOTE = N_("Imported from CDISC SDTM ({source}).")
IMPORTED_DERIVED_NOTE = N_("Imported from CDISC SDTM ({source}). Site activation dates are derived from each site's "
                           "first screening.")


class SdtmError(LogValidationError):
    """An SDTM folder that cannot become an enrollment log; ``problems`` lists every one."""


def _at(domain: str, row: int, variable: str | None = None) -> Message:
    """Where a value is in the SDTM files: ``"DM row 3"`` or ``"DM row 3: USUBJID"``."""
    if variable is None:
        return Message("{domain} row {row}", domain=domain, row=row)
    return Message("{domain} row {row}: {variable}", domain=domain, row=row, variable=variable)


def _reason(exc: Exception) -> object:
    """An exception's reason: trialkit's message, or another library's words as it wrote them."""
    return exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Message) else str(exc)


def _rows_list(rows) -> str:
    return ", ".join(str(j) for j in rows)


# -- reading ---------------------------------------------------------------------------------------
@dataclass
class Domain:
    name: str
    file: str
    frame: pd.DataFrame  # every value as stripped text, '' when empty; variables in upper case

    def rows(self):
        """(record number from 1, {VARIABLE: text})."""
        for i, rec in enumerate(self.frame.to_dict("records"), start=1):
            yield i, rec

    def has(self, var: str) -> bool:
        return var in self.frame.columns


def _as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v != v:  # NaN
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, bytes):
        v = v.decode("latin-1")
    return str(v).strip()


def _read_xpt(data: bytes, name: str) -> pd.DataFrame:
    import pyreadstat

    fd, tmp = tempfile.mkstemp(suffix=".xpt")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            df, _ = pyreadstat.read_xport(tmp)
        except Exception:  # noqa: BLE001 - pyreadstat raises its own types; retry as Latin-1 once
            try:
                df, _ = pyreadstat.read_xport(tmp, encoding="latin1")
            except Exception as exc:  # noqa: BLE001
                raise ValueError(Message("not a readable SAS transport (XPT) file: {error}",
                                         error=" ".join(str(exc).split()))) from None
    finally:
        os.unlink(tmp)
    return df


def _read_csv(data: bytes) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).map(restore_cell)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(Message("not a readable CSV file: {error}", error=" ".join(str(exc).split()))) from None


def read_domains(files: dict[str, bytes]) -> tuple[dict[str, Domain], bytes | None, list[str]]:
    """The SDTM domains among ``files`` (file name -> bytes), a trialkit sites.csv if there is one, and problems."""
    problems: list[str] = []
    domains: dict[str, Domain] = {}
    sites_csv = None
    for fname, data in sorted(files.items()):
        base = Path(fname).name
        stem, ext = os.path.splitext(base)
        ext = ext.lower()
        if base.lower() == SITES_FILE:
            sites_csv = data
            continue
        name = stem.upper()
        if ext not in (".xpt", ".csv") or name not in DOMAINS:
            continue  # other domains (AE, EX, …) and files are not part of the log
        try:
            df = _read_xpt(data, base) if ext == ".xpt" else _read_csv(data)
        except ValueError as exc:
            problems.append(Message("{domain}: {column}: {problem} ({file})", domain=name, column=Message("(file)"),
                                    problem=_reason(exc), file=base))
            continue
        df.columns = [str(c).strip().upper() for c in df.columns]
        df = df.apply(lambda col: col.map(_as_text)) if len(df) else df.astype(str)
        if name in domains:  # the same domain as .xpt and .csv (as export writes it): they must agree
            other = domains[name]
            if not other.frame.reset_index(drop=True).equals(df.reset_index(drop=True)):
                problems.append(Message("{domain}: {column}: given twice with different contents ({file} and "
                                        "{other}); keep one", domain=name, column=Message("(file)"), file=other.file,
                                        other=base))
            continue
        missing = [v for v in REQUIRED_VARIABLES[name] if v not in df.columns]
        for v in missing:
            problems.append(Message("{domain}: {column}: {problem} ({file})", domain=name, column=v,
                                    problem=Message("required variable missing"), file=base))
        domains[name] = Domain(name, base, df)
    for name in REQUIRED_DOMAINS:
        if name not in domains and not any(p.startswith(f"{name}: (file)") for p in problems):
            problems.append(Message("{domain}: {column}: required domain missing (no {xpt} or {csv})", domain=name,
                                    column=Message("(file)"), xpt=f"{name.lower()}.xpt", csv=f"{name.lower()}.csv"))
    return domains, sites_csv, problems


def read_folder(folder: str | Path) -> dict[str, bytes]:
    """Every file of a folder by name (what :func:`read_domains` takes)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TrialkitError(with_source(folder, Message("not a folder")))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# -- dates -----------------------------------------------------------------------------------------
def parse_sdtm_date(text: str, *, end: bool = False) -> tuple[date, bool]:
    """An SDTM ISO 8601 date or date-time -> (the date, whether it was partial and so completed).

    ``2013-05-17T14:30`` -> 2013-05-17; ``2013-05`` -> 2013-05-01 (2013-05-31 with ``end``); ``2013`` ->
    2013-01-01 (2013-12-31). Raises ValueError saying why a text is not such a date.
    """
    m = _DATE.match(text)
    if not m:
        raise ValueError(Message("{value!r} is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM, YYYY or a date-time)",
                                 value=text))
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        if d is not None:
            return date(int(y), int(mo), int(d)), False
        if mo is not None:
            month = int(mo)
            day = calendar.monthrange(int(y), month)[1] if end else 1
            return date(int(y), month, day), True
        return (date(int(y), 12, 31) if end else date(int(y), 1, 1)), True
    except ValueError:
        raise ValueError(Message("{value!r} is not a real calendar date", value=text)) from None


def _norm(text: str) -> str:
    return _WORDS.sub(" ", text.lower()).strip()


# -- mapping ---------------------------------------------------------------------------------------
@dataclass
class MappedLog:
    """The log rows an SDTM folder maps to, where each value came from, and what the mapping noticed."""

    participants: list[dict]
    sites: list[dict] | None  # None when a sites.csv was given
    sites_csv: bytes | None
    #: participant index -> column -> "DOMAIN row N: VARIABLE"
    origin: list[dict[str, str]]
    site_origin: dict[str, str]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    activation_derived: bool = False
    #: participant index -> log columns whose value the mapping already reported as a problem
    blocked: list[set[str]] = field(default_factory=list)

    def participants_csv(self) -> str:
        return _csv_text(PARTICIPANT_COLUMNS, self.participants)

    def sites_csv_text(self) -> bytes | str:
        if self.sites_csv is not None:
            return self.sites_csv
        return _csv_text(SITE_COLUMNS, self.sites or [])


def _csv_text(columns, rows: list[dict]) -> str:
    """The log's CSV form of mapped rows, for the log's own validation (which reads back what csv_export writes)."""
    frame = pd.DataFrame([{c: ("" if r.get(c) is None else str(r[c])) for c in columns} for r in rows],
                         columns=list(columns), dtype=object)
    return csv_text(frame)


def _parse_map(pairs, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise TrialkitError(Message("{option} {pair!r}: expected {form}", option=what, pair=pair,
                                        form="'SDTM VALUE=trial value'"))
        k, v = pair.split("=", 1)
        if not k.strip() or not v.strip():
            raise TrialkitError(Message("{option} {pair!r}: both sides of '=' must be given", option=what, pair=pair))
        out[k.strip()] = v.strip()
    return out


def _is_screening(*texts: str) -> bool:
    return any("SCREEN" in t.upper() for t in texts if t)


def map_sdtm(domains: dict[str, Domain], trial: Trial | None, *, sites_csv: bytes | None = None,
             arm_map: dict[str, str] | None = None, ie_map: dict[str, str] | None = None) -> MappedLog:
    """Map the domains to log rows (see the module docstring); collect every problem instead of stopping."""
    arm_map = dict(arm_map or {})
    ie_map = {k.upper(): v.upper() for k, v in (ie_map or {}).items()}
    problems: list[str] = []
    notes: list[str] = []
    dm = domains["DM"]
    arm_labels = list(trial.arm_labels) if trial is not None else []
    criteria = list(trial.criteria) if trial is not None else []

    # -- subjects --
    subjects: dict[str, int] = {}
    for i, r in dm.rows():
        sid = r.get("USUBJID", "")
        if not sid:
            problems.append(with_source(_at("DM", i, "USUBJID"), Message("required, empty")))
        elif sid in subjects:
            problems.append(with_source(_at("DM", i, "USUBJID"), Message("{value!r} already on DM row {row}",
                                                                         value=sid, row=subjects[sid])))
        else:
            subjects[sid] = i

    def by_subject(name: str) -> dict[str, list[tuple[int, dict]]]:
        out: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        d = domains.get(name)
        if d is None or "USUBJID" not in d.frame.columns:
            return out
        for i, r in d.rows():
            sid = r.get("USUBJID", "")
            if sid not in subjects:
                problems.append(with_source(_at(name, i, "USUBJID"), Message("{value!r} is not in DM", value=sid)
                                            if sid else Message("required, empty")))
                continue
            out[sid].append((i, r))
        return out

    ds_rows, se_rows, sv_rows, ie_rows, supp_rows = (by_subject(n) for n in ("DS", "SE", "SV", "IE", "SUPPDM"))
    ds_has_epoch = domains["DS"].has("EPOCH") if "DS" in domains else False

    screening_elements: set[str] = set()
    if "TA" in domains:
        screening_elements = {r["ETCD"] for _, r in domains["TA"].rows() if _is_screening(r.get("EPOCH", ""))}

    imputed: list[Message] = []

    blocked: set[str] = set()

    def when(text: str, where: str, column: str, *, end: bool = False) -> date | None:
        try:
            d, partial = parse_sdtm_date(text, end=end)
        except ValueError as exc:
            problems.append(with_source(where, _reason(exc)))
            blocked.add(column)
            return None
        if partial:
            imputed.append(with_source(where, Message("{value} read as {date}", value=text, date=d.isoformat())))
        return d

    # -- IE codes -> criterion ids --
    ti_text = {r["IETESTCD"].upper(): r.get("IETEST", "") for _, r in domains["TI"].rows()} if "TI" in domains else {}
    by_text: dict[str, list[str]] = defaultdict(list)
    for c in criteria:
        by_text[_norm(c.text)].append(c.id)
    criterion_ids = {c.id for c in criteria}
    for code, cid in ie_map.items():
        if criterion_ids and cid not in criterion_ids:
            problems.append(with_source(f"--ie-map {code}={cid}", Message("{id} is not a criterion of {nct_id}",
                                                                            id=cid, nct_id=trial.nct_id)))

    def criterion_for(code: str, ie_text: str, where: str) -> str | None:
        if code in ie_map:
            return ie_map[code]
        text = ti_text.get(code) or ie_text
        if not text:
            problems.append(with_source(with_source(where, "IETESTCD"),
                                        Message("{code!r} has no criterion text (no TI row, no IETEST) to match to a "
                                                "criterion of the trial; give {option} {code}=<criterion id>",
                                                code=code, option="--ie-map")))
            return None
        key = _norm(text)
        hits = by_text.get(key, [])
        if not hits and len(text.encode("utf-8")) >= 200:  # XPT v5 cuts character values at 200 bytes
            hits = [cid for t, ids in by_text.items() for cid in ids if t.startswith(key)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            problems.append(with_source(with_source(where, "IETESTCD"),
                                        Message("{code!r} text matches several criteria ({ids}); give {option} "
                                                "{code}=<criterion id>", code=code, ids=", ".join(hits),
                                                option="--ie-map")))
        else:
            nct = trial.nct_id if trial is not None else Message("the trial")
            problems.append(with_source(with_source(where, "IETESTCD"),
                                        Message("{code!r} ({text!r}) matches no criterion text of {nct_id}; give "
                                                "{option} {code}=<criterion id>", code=code, text=text[:80],
                                                nct_id=nct, option="--ie-map")))
        return None

    # -- arms --
    used_arm_keys: set[str] = set()
    arm_differs: list[Message] = []

    def arm_label(arm: str, armcd: str, where: str) -> str | None:
        for key in (arm, armcd):
            if key and key in arm_map:
                used_arm_keys.add(key)
                return arm_map[key]
        if not arm_labels or arm in arm_labels:
            return arm
        problems.append(with_source(with_source(where, "ARM"),
                                    Message("{arm!r} is not an arm group of {nct_id} ({arms}); give {option} "
                                            "\"{arm}=<arm group label>\"", arm=arm, nct_id=trial.nct_id,
                                            arms="; ".join(arm_labels), option="--arm-map")))
        return None

    participants: list[dict] = []
    origin: list[dict[str, Message]] = []
    blocked_by_row: list[set[str]] = []
    site_first: dict[str, tuple[date, str]] = {}
    site_country: dict[str, set[str]] = defaultdict(set)
    allocated_with_ie: list[str] = []
    other_reasons: dict[str, int] = defaultdict(int)
    renamed: dict[str, list[int]] = defaultdict(list)

    for sid, i in subjects.items():
        r = dm.frame.iloc[i - 1].to_dict()
        at = _at("DM", i)
        row: dict = {"subject_id": sid, "site_id": r.get("SITEID") or None}
        org: dict[str, Message] = {"subject_id": _at("DM", i, "USUBJID"), "site_id": _at("DM", i, "SITEID")}
        if not row["site_id"]:
            problems.append(with_source(_at("DM", i, "SITEID"), Message("required, empty")))
        if r.get("COUNTRY"):
            site_country[r.get("SITEID", "")].add(r["COUNTRY"])

        ds = ds_rows.get(sid, [])
        events = [(j, e) for j, e in ds if e.get("DSCAT", "").upper() == "DISPOSITION EVENT"]
        milestones = {e.get("DSDECOD", "").upper(): (j, e) for j, e in ds
                      if e.get("DSCAT", "").upper() == "PROTOCOL MILESTONE"}

        # screening date: SE screening element, else SV screening visit, else RFICDTC
        screening = None
        se = [(j, e) for j, e in se_rows.get(sid, [])
              if e.get("ETCD") in screening_elements or _is_screening(e.get("ETCD", ""), e.get("ELEMENT", ""),
                                                                         e.get("EPOCH", ""))]
        sv = sv_rows.get(sid, [])
        sv_screen = [(j, e) for j, e in sv if _is_screening(e.get("VISIT", ""))]
        if se:
            j, e = min(se, key=lambda je: je[1].get("SESTDTC") or "9999")
            screening, org["screening_date"] = (when(e["SESTDTC"], _at("SE", j, "SESTDTC"), "screening_date"),
                                                _at("SE", j, "SESTDTC"))
        elif sv:
            pool = sv_screen or sv
            j, e = min(pool, key=lambda je: je[1].get("SVSTDTC") or "9999")
            screening, org["screening_date"] = (when(e["SVSTDTC"], _at("SV", j, "SVSTDTC"), "screening_date"),
                                                _at("SV", j, "SVSTDTC"))
        elif r.get("RFICDTC"):
            screening = when(r["RFICDTC"], _at("DM", i, "RFICDTC"), "screening_date")
            org["screening_date"] = _at("DM", i, "RFICDTC")
        else:
            blocked.add("screening_date")
            problems.append(with_source(_at("DM", i, "RFICDTC"), Message(
                "no screening date for {subject_id}: no screening element in SE, no visit in SV, and RFICDTC is blank",
                subject_id=sid)))
        row["screening_date"] = screening
        if r.get("RFICDTC"):
            row["consent_date"] = when(r["RFICDTC"], _at("DM", i, "RFICDTC"), "consent_date")
            org["consent_date"] = _at("DM", i, "RFICDTC")
        elif "INFORMED CONSENT OBTAINED" in milestones:
            j, e = milestones["INFORMED CONSENT OBTAINED"]
            row["consent_date"] = when(e.get("DSSTDTC", ""), _at("DS", j, "DSSTDTC"), "consent_date")
            org["consent_date"] = _at("DS", j, "DSSTDTC")
        if screening and row["site_id"]:
            first = site_first.get(row["site_id"])
            if first is None or screening < first[0]:
                site_first[row["site_id"]] = (screening, org.get("screening_date", at))

        armcd, arm, armnrs = r.get("ARMCD", ""), r.get("ARM", ""), r.get("ARMNRS", "")
        sf_event = next(((j, e) for j, e in events if e.get("DSDECOD", "").upper() == SCREEN_FAILURE), None)
        sf_arm = armcd.upper() == SCRNFAIL_ARMCD or (not armcd and armnrs.upper() == SCREEN_FAILURE)
        not_assigned = (armcd.upper() == NOTASSGN_ARMCD or (not armcd and bool(armnrs))
                        or (not armcd and not arm))
        allocated = not sf_arm and not not_assigned and bool(arm)
        if sf_event and allocated:
            problems.append(with_source(_at("DM", i, "ARM"), Message(
                "{arm!r} but DS row {row} says {decod}; a screen failure is not allocated to an arm", arm=arm,
                row=sf_event[0], decod=SCREEN_FAILURE)))
        ie = ie_rows.get(sid, [])
        if sf_event or sf_arm:
            row["screen_outcome"] = "SCREEN_FAILURE"
            org["screen_outcome"] = _at("DS", sf_event[0], "DSDECOD") if sf_event else _at("DM", i, "ARMCD")
            ids = []
            for j, e in ie:
                cid = criterion_for(e["IETESTCD"].upper(), e.get("IETEST", ""), _at("IE", j))
                if cid and cid not in ids:
                    ids.append(cid)
                org.setdefault("screen_fail_criteria", _at("IE", j, "IETESTCD"))
            row["screen_fail_criteria"] = ";".join(ids) or None
        elif allocated:
            if ie:
                allocated_with_ie.append(sid)
            row["screen_outcome"] = "ELIGIBLE"
            org["screen_outcome"] = _at("DM", i, "ARM")
            row["arm"] = arm_label(arm, armcd, at)
            if row["arm"] is None:
                blocked.add("arm")
            org["arm"] = _at("DM", i, "ARM")
            actarm = r.get("ACTARM", "")
            if actarm and actarm != arm and not _is_screening(actarm):
                arm_differs.append(Message("{subject_id} planned {arm!r}, actual {actual!r}", subject_id=sid, arm=arm,
                                           actual=actarm))
            if "RANDOMIZED" in milestones:
                j, e = milestones["RANDOMIZED"]
                src = (e.get("DSSTDTC", ""), _at("DS", j, "DSSTDTC"))
            elif r.get("RFSTDTC"):
                src = (r["RFSTDTC"], _at("DM", i, "RFSTDTC"))
            elif r.get("RFXSTDTC"):
                src = (r["RFXSTDTC"], _at("DM", i, "RFXSTDTC"))
            else:
                src = None
                blocked.add("enrollment_date")
                problems.append(with_source(_at("DM", i, "RFSTDTC"), Message(
                    "{subject_id} is allocated to {arm!r} but has no allocation date (no DS RANDOMIZED milestone, "
                    "RFSTDTC and RFXSTDTC blank)", subject_id=sid, arm=arm)))
            if src:
                row["enrollment_date"] = when(src[0], src[1], "enrollment_date")
                org["enrollment_date"] = src[1]
            treat = [(j, e) for j, e in events if e.get("DSDECOD", "").upper() != SCREEN_FAILURE
                     and (not ds_has_epoch or "TREAT" in e.get("EPOCH", "").upper()
                          or (not e.get("EPOCH") and not any(e2.get("EPOCH") for _, e2 in events)))]
            if len(treat) > 1:
                blocked.update({"status", "discontinuation_reason", "discontinuation_date"})
                problems.append(with_source(_at("DS", treat[1][0], "DSDECOD"), Message(
                    "{subject_id} has {n} disposition events for the treatment epoch (DS rows {rows}); expected one",
                    subject_id=sid, n=len(treat), rows=_rows_list(j for j, _ in treat)) if ds_has_epoch else Message(
                    "{subject_id} has {n} disposition events for the treatment epoch (DS rows {rows}); expected one "
                    "(DS has no EPOCH to tell them apart)", subject_id=sid, n=len(treat),
                    rows=_rows_list(j for j, _ in treat))))
            elif treat:
                j, e = treat[0]
                decod = e.get("DSDECOD", "").upper()
                org["status"] = _at("DS", j, "DSDECOD")
                if decod == "COMPLETED":
                    row["status"] = "COMPLETED"
                else:
                    row["status"] = "DISCONTINUED"
                    reason = NCOMPLT_RENAMED.get(decod, decod)
                    if decod in NCOMPLT_RENAMED:
                        renamed[decod].append(j)
                    elif decod in NCOMPLT_AS_OTHER:
                        other_reasons[decod] += 1
                        reason = "OTHER"
                    elif decod not in NCOMPLT_TERMS:
                        problems.append(with_source(_at("DS", j, "DSDECOD"), Message(
                            "{value!r} is not a CDISC NCOMPLT term ({terms}, …)", value=e.get("DSDECOD"),
                            terms=", ".join(NCOMPLT_TERMS))))
                    row["discontinuation_reason"] = reason
                    org["discontinuation_reason"] = _at("DS", j, "DSDECOD")
                    if e.get("DSSTDTC"):
                        row["discontinuation_date"] = when(e["DSSTDTC"], _at("DS", j, "DSSTDTC"),
                                                           "discontinuation_date", end=True)
                    org["discontinuation_date"] = _at("DS", j, "DSSTDTC")
            else:
                row["status"] = "ONGOING"
                org["status"] = _at("DM", i, "USUBJID")
            for j, s in supp_rows.get(sid, []):
                if s.get("QNAM", "").upper() == ANALYSED_QNAM:
                    row["analysed"] = {"Y": "true", "N": "false"}.get(s.get("QVAL", "").upper(), s.get("QVAL"))
                    org["analysed"] = _at("SUPPDM", j, "QVAL")
        else:
            decods = [e.get("DSDECOD", "").upper() for _, e in events]
            org["screen_outcome"] = (_at("DS", events[0][0], "DSDECOD") if events else _at("DM", i, "ARMCD"))
            if "WITHDRAWAL BY SUBJECT" in decods:
                row["screen_outcome"] = "DECLINED"
            elif events:
                row["screen_outcome"] = "ELIGIBLE"
            else:
                row["screen_outcome"] = "IN_SCREENING"
        participants.append(row)
        origin.append(org)
        blocked_by_row.append(set(blocked))
        blocked.clear()

    for key in arm_map:
        if key not in used_arm_keys:
            problems.append(with_source(f"--arm-map {key}={arm_map[key]}", Message(
                "no allocated DM subject has ARM or ARMCD {key!r}", key=key)))
    if arm_differs:
        notes.append(Message("{n} subject(s) received another arm than planned; they are counted by planned ARM, as "
                             "CONSORT allocates: {subjects}{more}", n=len(arm_differs), subjects=arm_differs[:20],
                             more=" …" if len(arm_differs) > 20 else ""))
    if allocated_with_ie:
        notes.append(Message("{n} allocated subject(s) have IE rows (a criterion not met, yet allocated); the log keeps "
                             "criteria for screen failures only: {subjects}", n=len(allocated_with_ie),
                             subjects=", ".join(allocated_with_ie[:20])))
    for decod, rows_ in renamed.items():
        notes.append(Message("DSDECOD {decod} (DS rows {rows}) is the earlier NCOMPLT spelling of {term}, recorded as "
                             "such", decod=decod, rows=_rows_list(rows_), term=NCOMPLT_RENAMED[decod]))
    if other_reasons:
        notes.append(Message("NCOMPLT terms outside the log's list, recorded as {other}: {terms}", other="OTHER",
                             terms=", ".join(f"{k} ({n})" for k, n in sorted(other_reasons.items()))))
    if imputed:
        notes.append(Message("{n} partial date(s) completed: {dates}{more}", n=len(imputed), dates=imputed[:20],
                             more=" …" if len(imputed) > 20 else ""))

    sites: list[dict] | None = None
    site_origin: dict[str, Message] = {}
    derived = False
    if sites_csv is None:
        derived = True
        sites = []
        ended = trial is not None and (trial.overall_status or "").upper() in ENDED_STATUSES
        status = "CLOSED" if ended else "ACTIVE"
        for site_id in dict.fromkeys(p["site_id"] for p in participants if p["site_id"]):
            first = site_first.get(site_id)
            countries = site_country.get(site_id, set())
            sites.append({"site_id": site_id, "site_name": f"Site {site_id}",
                          "country": next(iter(countries)) if len(countries) == 1 else None,
                          "status": status, "activation_date": first[0] if first else None})
            site_origin[site_id] = first[1] if first else _DM_SITEID
        if ended:
            notes.append(Message("No {file} beside the SDTM domains: {n} site(s) taken from DM SITEID, named {name}; "
                                 "their activation dates are DERIVED (each site's first screening), not recorded; "
                                 "status CLOSED because the registry gives the trial's status as {status}.",
                                 file=SITES_FILE, n=len(sites), name=_SITE_NAMING, status=trial.overall_status))
        else:
            notes.append(Message("No {file} beside the SDTM domains: {n} site(s) taken from DM SITEID, named {name}; "
                                 "their activation dates are DERIVED (each site's first screening), not recorded; "
                                 "status ACTIVE.", file=SITES_FILE, n=len(sites), name=_SITE_NAMING))
    return MappedLog(participants, sites, sites_csv, origin, site_origin, problems, notes, derived, blocked_by_row)


_DM_SITEID = with_source("DM", "SITEID")
_SITE_NAMING = "'Site <SITEID>'"  # how a site taken from DM SITEID is named (the data's words)


def _translate(mapped: MappedLog, problems: list[Message]) -> list[Message]:
    """Log problems (``row N: column: problem (file)``, :func:`trialkit.enrollment.schema.problem`) said in SDTM
    terms where the value came from SDTM."""
    site_rows = mapped.sites or []
    out = []
    for p in problems:
        v = p.values if isinstance(p, Message) and p.msgid == LOG_PROBLEM else None
        if not v or not isinstance(v["row"], int):
            out.append(p)
            continue
        n, col, msg, fname = v["row"], v["column"], v["problem"], v["file"]
        if fname == PARTICIPANTS_FILE and 0 <= n - 2 < len(mapped.origin):
            if col in mapped.blocked[n - 2]:
                continue  # a consequence of a problem the mapping already reported
            org = mapped.origin[n - 2]
            where = org.get(col) or _at("DM", org["subject_id"].values["row"], col)
            out.append(Message("{where}: {problem} (log column {column})", where=where, problem=msg, column=col))
        elif fname == SITES_FILE and mapped.sites is not None and 0 <= n - 2 < len(site_rows):
            sid = site_rows[n - 2]["site_id"]
            out.append(Message("{where}: site {site}: {column}: {problem}", where=mapped.site_origin.get(sid, _DM_SITEID),
                               site=sid, column=col, problem=msg))
        else:
            out.append(p)
    return out


def _date_text(v) -> str | None:
    return v.isoformat() if isinstance(v, date) else v


def prepare(files: dict[str, bytes], trial: Trial | None, *, arm_map=None, ie_map=None) -> MappedLog:
    """Read, map and validate an SDTM file set; raise ``SdtmError`` listing every problem."""
    arm_map = _parse_map(arm_map, "--arm-map") if not isinstance(arm_map, dict) else arm_map
    ie_map = _parse_map(ie_map, "--ie-map") if not isinstance(ie_map, dict) else ie_map
    domains, sites_csv, problems = read_domains(files)
    if problems:
        raise SdtmError(problems)
    mapped = map_sdtm(domains, trial, sites_csv=sites_csv, arm_map=arm_map, ie_map=ie_map)
    for rows in (mapped.participants, mapped.sites or []):
        for r in rows:
            for k, v in list(r.items()):
                r[k] = _date_text(v)
    try:
        validate_files(mapped.participants_csv(), mapped.sites_csv_text(), trial)
    except LogValidationError as exc:
        mapped.problems.extend(_translate(mapped, exc.problems))
    if mapped.problems:
        raise SdtmError(list(dict.fromkeys(mapped.problems)))
    return mapped


def import_sdtm(engine, nct_id: str, files: dict[str, bytes], *, user: str, trial: Trial | None,
                arm_map=None, ie_map=None, replace_demo: bool = False, source: str = "SDTM upload"):
    """Import an SDTM file set as the trial's log (all or nothing, audited); returns the ImportReport."""
    from trialkit.enrollment.storage import _sha, import_log

    mapped = prepare(files, trial, arm_map=arm_map, ie_map=ie_map)
    name = Path(source).name if os.sep in source else source
    note = (Message(IMPORTED_DERIVED_NOTE, source=name) if mapped.activation_derived
            else Message(IMPORTED_NOTE, source=name))
    provenance = {"sdtm_source": source, "sdtm_files": {n: _sha(b) for n, b in sorted(files.items())},
                  "sdtm_notes": mapped.notes}
    report = import_log(engine, nct_id, mapped.participants_csv().encode("utf-8"), mapped.sites_csv_text(),
                        user=user, trial=trial, replace_demo=replace_demo, note=note, audit_detail=provenance)
    report.notes.extend(mapped.notes)
    return report


def note_words(note: object) -> object:
    """A log's stored note as the message it was written from (a page says it in its language)."""
    from trialkit.enrollment.audit import reread

    return reread(note, (IMPORTED_DERIVED_NOTE, IMPORTED_NOTE))


# -- export ----------------------------------------------------------------------------------------
DM_LABELS = {"STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "USUBJID": "Unique Subject Identifier",
             "SUBJID": "Subject Identifier for the Study", "RFSTDTC": "Subject Reference Start Date/Time",
             "RFICDTC": "Date/Time of Informed Consent", "SITEID": "Study Site Identifier",
             "ARMCD": "Planned Arm Code", "ARM": "Description of Planned Arm", "ACTARMCD": "Actual Arm Code",
             "ACTARM": "Description of Actual Arm", "ARMNRS": "Reason Arm and/or Actual Arm is Null",
             "COUNTRY": "Country"}
DS_LABELS = {"STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "USUBJID": "Unique Subject Identifier",
             "DSSEQ": "Sequence Number", "DSTERM": "Reported Term for the Disposition Event",
             "DSDECOD": "Standardized Disposition Term", "DSCAT": "Category for Disposition Event",
             "EPOCH": "Epoch", "DSSTDTC": "Start Date/Time of Disposition Event"}
IE_LABELS = {"STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "USUBJID": "Unique Subject Identifier",
             "IESEQ": "Sequence Number", "IETESTCD": "Inclusion/Exclusion Criterion Short Name",
             "IETEST": "Inclusion/Exclusion Criterion", "IECAT": "Inclusion/Exclusion Category",
             "IEORRES": "I/E Criterion Original Result", "IESTRESC": "I/E Criterion Result in Std Format",
             "IEDTC": "Date/Time of Collection"}
SE_LABELS = {"STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "USUBJID": "Unique Subject Identifier",
             "SESEQ": "Sequence Number", "ETCD": "Element Code", "ELEMENT": "Description of Element",
             "EPOCH": "Epoch", "SESTDTC": "Start Date/Time of Element"}
TI_LABELS = {"STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation",
             "IETESTCD": "Incl/Excl Criterion Short Name", "IETEST": "Inclusion/Exclusion Criterion",
             "IECAT": "Inclusion/Exclusion Category"}
SUPPDM_LABELS = {"STUDYID": "Study Identifier", "RDOMAIN": "Related Domain Abbreviation",
                 "USUBJID": "Unique Subject Identifier", "QNAM": "Qualifier Variable Name",
                 "QLABEL": "Qualifier Variable Label", "QVAL": "Data Value"}


def _cut(text: str, limit: int = 200) -> str:
    """A character value within XPT v5's 200 bytes."""
    b = text.encode("utf-8")
    return text if len(b) <= limit else b[:limit].decode("utf-8", "ignore")


def _d(v) -> str:
    return "" if v is None or pd.isna(v) else pd.Timestamp(v).date().isoformat()


def _s(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v)


def export_frames(participants: pd.DataFrame, sites: pd.DataFrame, trial: Trial) -> dict[str, tuple[pd.DataFrame, dict]]:
    """The log as SDTM domains: {name: (frame of text, {variable: label})}."""
    study = trial.nct_id
    labels_in_order = list(dict.fromkeys(list(trial.arm_labels) + sorted(
        {a for a in participants["arm"].dropna()} - set(trial.arm_labels))))
    armcd = {label: f"ARM{i}" for i, label in enumerate(labels_in_order, start=1)}
    country = {s: _s(c) for s, c in zip(sites["site_id"], sites["country"])}
    texts = {c.id: c for c in trial.criteria}
    dm, ds, ie, se, supp = [], [], [], [], []
    for p in participants.to_dict("records"):
        sid = p["subject_id"]
        enrolled = p["screen_outcome"] == "ELIGIBLE" and _d(p["enrollment_date"])
        arm = _s(p["arm"]) if enrolled else ""
        nrs = "" if enrolled else (SCREEN_FAILURE if p["screen_outcome"] == "SCREEN_FAILURE" else "NOT ASSIGNED")
        dm.append({"STUDYID": study, "DOMAIN": "DM", "USUBJID": sid, "SUBJID": sid,
                   "RFSTDTC": _d(p["enrollment_date"]), "RFICDTC": _d(p["consent_date"]),
                   "SITEID": p["site_id"], "ARMCD": armcd.get(arm, ""), "ARM": arm, "ACTARMCD": armcd.get(arm, ""),
                   "ACTARM": arm, "ARMNRS": nrs, "COUNTRY": country.get(p["site_id"], "")})
        se.append({"STUDYID": study, "DOMAIN": "SE", "USUBJID": sid, "SESEQ": "1", "ETCD": "SCRN",
                   "ELEMENT": "Screening", "EPOCH": "SCREENING", "SESTDTC": _d(p["screening_date"])})
        events = []
        if p["screen_outcome"] == "SCREEN_FAILURE":
            events.append((SCREEN_FAILURE, "DISPOSITION EVENT", "SCREENING", _d(p["screening_date"])))
            crit = [c for c in _s(p["screen_fail_criteria"]).split(";") if c]
            for n, cid in enumerate(crit, start=1):
                c = texts.get(cid)
                kind = "INCLUSION" if cid.startswith("I") else "EXCLUSION"
                ie.append({"STUDYID": study, "DOMAIN": "IE", "USUBJID": sid, "IESEQ": str(n), "IETESTCD": cid,
                           "IETEST": _cut(c.text) if c else "", "IECAT": kind,
                           "IEORRES": "N" if kind == "INCLUSION" else "Y",
                           "IESTRESC": "N" if kind == "INCLUSION" else "Y", "IEDTC": _d(p["screening_date"])})
        elif p["screen_outcome"] == "DECLINED":
            events.append(("WITHDRAWAL BY SUBJECT", "DISPOSITION EVENT", "SCREENING", _d(p["screening_date"])))
        elif p["screen_outcome"] == "ELIGIBLE" and not enrolled:
            events.append(("COMPLETED", "DISPOSITION EVENT", "SCREENING", _d(p["screening_date"])))
        elif enrolled:
            events.append(("RANDOMIZED", "PROTOCOL MILESTONE", "SCREENING", _d(p["enrollment_date"])))
            if p["status"] == "COMPLETED":
                events.append(("COMPLETED", "DISPOSITION EVENT", "TREATMENT", ""))
            elif p["status"] == "DISCONTINUED":
                events.append((_s(p["discontinuation_reason"]), "DISPOSITION EVENT", "TREATMENT",
                               _d(p["discontinuation_date"])))
            a = p["analysed"]
            if a is not None and not (isinstance(a, float) and a != a):
                supp.append({"STUDYID": study, "RDOMAIN": "DM", "USUBJID": sid, "QNAM": ANALYSED_QNAM,
                             "QLABEL": "Analysed (trialkit log)", "QVAL": "Y" if bool(a) else "N"})
        for n, (decod, cat, epoch, when) in enumerate(events, start=1):
            ds.append({"STUDYID": study, "DOMAIN": "DS", "USUBJID": sid, "DSSEQ": str(n), "DSTERM": decod,
                       "DSDECOD": decod, "DSCAT": cat, "EPOCH": epoch, "DSSTDTC": when})
    ti = [{"STUDYID": study, "DOMAIN": "TI", "IETESTCD": c.id, "IETEST": _cut(c.text),
           "IECAT": "INCLUSION" if c.kind == "inclusion" else "EXCLUSION"} for c in trial.criteria]
    out = {}
    for name, rows, labels in (("DM", dm, DM_LABELS), ("DS", ds, DS_LABELS), ("IE", ie, IE_LABELS),
                               ("SE", se, SE_LABELS), ("TI", ti, TI_LABELS), ("SUPPDM", supp, SUPPDM_LABELS)):
        out[name] = (pd.DataFrame(rows, columns=list(labels)).astype(object), labels)
    return out


def export_sdtm(engine, trial: Trial, folder: str | Path) -> list[Path]:
    """Write the trial's log as SDTM (XPT v5 and CSV per domain) plus its sites.csv; returns the files."""
    import pyreadstat

    from trialkit.enrollment.storage import read_log

    log = read_log(engine, trial.nct_id)
    if log.source is None:
        raise TrialkitError(Message("{nct_id} has no enrollment log in this database, so there is nothing to export",
                                    nct_id=trial.nct_id))
    if log.source == "demo":
        raise TrialkitError(Message("{nct_id} holds simulated demo data, not a real log; it is not written out as "
                                    "SDTM (a sponsor pipeline would take it for real subjects)", nct_id=trial.nct_id))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (frame, labels) in export_frames(log.participants, log.sites, trial).items():
        if name == "SUPPDM" and frame.empty:
            continue
        xpt = folder / f"{name.lower()}.xpt"
        pyreadstat.write_xport(frame.fillna(""), str(xpt), file_format_version=5, table_name=name,
                               file_label=f"{name} from trialkit log {trial.nct_id}"[:40],
                               column_labels=[labels[c][:40] for c in frame.columns])
        csv_path = folder / f"{name.lower()}.csv"
        write_csv(frame, csv_path)
        written += [xpt, csv_path]
    sites = log.sites.copy()
    for c in ("planned_activation_date", "activation_date"):
        sites[c] = sites[c].map(_d)
    cols = list(SITE_COLUMNS) + [c for c in SITE_EXTRA_COLUMNS if sites[c].notna().any()]
    write_csv(sites[cols], folder / SITES_FILE)
    written.append(folder / SITES_FILE)
    return written


def export_zip(engine, trial: Trial) -> bytes:
    """:func:`export_sdtm` as one zip archive (for a download)."""
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        written = export_sdtm(engine, trial, tmp)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in written:
                zf.write(p, arcname=p.name)
    return buf.getvalue()


def parse_map_lines(text: str) -> list[str]:
    """'A=B' pairs from a text box, one a line (blank lines skipped)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
