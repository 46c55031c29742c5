"""Read ClinicalTrials.gov API v2 study JSON (one study, as ``GET /api/v2/studies/{nctId}`` returns it).

``load_study(path)`` and ``parse_study(data)`` (contracts §1) return a :class:`trialkit.models.Trial`
or raise :class:`trialkit.errors.StudyFormatError` naming the file and the field at fault.
No module or field is required by the API's spec, so every field but ``nctId`` may be absent.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from trialkit.criteria.text import split_criteria, strip_control
from trialkit.errors import StudyFormatError
from trialkit.i18n import N_
from trialkit.message import Message
from trialkit.models import (
    ArmGroup,
    Contact,
    Dates,
    Design,
    Eligibility,
    EligibilityCriterion,
    Enrollment,
    GeoPoint,
    Intervention,
    Location,
    Outcome,
    Sponsor,
    Trial,
)

#: ASCII digits only (``\d`` would take Arabic-Indic or fullwidth digits) and no trailing newline.
NCT_ID = re.compile(r"^NCT[0-9]{8}\Z", re.ASCII)
#: Upper bound on a study file we will read (the largest real record seen is about 2 MB).
MAX_STUDY_BYTES = 25 * 1024 * 1024

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)
_DAYS_PER = {"year": 365.25, "month": 365.25 / 12, "week": 7.0, "day": 1.0, "hour": 1 / 24, "minute": 1 / 1440}


def age_in_years(text: str | None) -> float | None:
    """``"20 Years"`` -> 20.0, ``"6 Months"`` -> 0.5; ``None`` or ``"N/A"`` -> ``None`` (no limit)."""
    if text is None or not str(text).strip() or str(text).strip().upper() in {"N/A", "NA", "NONE"}:
        return None
    m = _AGE.match(str(text))
    if not m:
        raise ValueError(Message("cannot read age {value!r} (expected e.g. {example})", value=text,
                                 example="'20 Years'"))
    value, unit = float(m.group(1)), m.group(2).lower()
    years = value if unit == "year" else value * _DAYS_PER[unit] / 365.25
    if not math.isfinite(years):
        raise ValueError(Message("cannot read age {value!r} (not a finite number)", value=str(text)[:40]))
    return round(years, 4)


class _Reader:
    """Typed access to nested JSON that names the dotted path of whatever is wrong."""

    def __init__(self, source: str | None):
        self.source = source

    def fail(self, path: str, message: object) -> StudyFormatError:
        return StudyFormatError(message, source=self.source, field=path)

    def got(self, path: str, expected: str, value: object) -> StudyFormatError:
        """``"expected …, got <value>"``, at most 200 characters (a huge value is cut)."""
        english = Message(expected, value="")
        return self.fail(path, Message(expected, value=repr(value)[:max(0, 200 - len(english))]))

    def obj(self, parent: dict, key: str, path: str) -> dict:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{path}.{key}" if path else key, Message("expected an object, got {type}", type=type(value).__name__))
        return value

    def text(self, parent: dict, key: str, path: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(f"{path}.{key}", Message("expected text, got {type}", type=type(value).__name__))
        return strip_control(str(value))

    def boolean(self, parent: dict, key: str, path: str) -> bool | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.got(f"{path}.{key}", N_("expected true or false, got {value}"), value)
        return value

    def integer(self, parent: dict, key: str, path: str) -> int | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise self.got(f"{path}.{key}", N_("expected a whole number, got {value}"), value)
        return int(value)

    def number(self, parent: dict, key: str, path: str) -> float | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.got(f"{path}.{key}", N_("expected a number, got {value}"), value)
        return float(value)

    def objects(self, parent: dict, key: str, path: str) -> list[tuple[str, dict]]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}", Message("expected a list, got {type}", type=type(value).__name__))
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.fail(f"{path}.{key}[{i}]", Message("expected an object, got {type}", type=type(item).__name__))
            out.append((f"{path}.{key}[{i}]", item))
        return out

    def texts(self, parent: dict, key: str, path: str) -> list[str]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}", Message("expected a list of text, got {type}", type=type(value).__name__))
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(f"{path}.{key}[{i}]", Message("expected text, got {type}", type=type(item).__name__))
            out.append(strip_control(item))
        return out

    def date(self, parent: dict, key: str, path: str) -> tuple[str | None, str | None]:
        struct = self.obj(parent, key, path)
        return self.text(struct, "date", f"{path}.{key}"), self.text(struct, "type", f"{path}.{key}")


def _unwrap(data: Any, r: _Reader) -> dict:
    if isinstance(data, list):
        if len(data) == 1 and isinstance(data[0], dict):
            return data[0]
        raise r.fail("", Message("expected one study object, got a list of {n}", n=len(data)))
    if not isinstance(data, dict):
        raise r.fail("", Message("expected a JSON object (one study), got {type}", type=type(data).__name__))
    if "FullStudiesResponse" in data or "StudyStructure" in data or "FullStudy" in data:
        raise r.fail("FullStudiesResponse", Message("this is a classic-API (v1) response, not an API v2 study; "
                                                    "download the study from {url}", url="/api/v2/studies/{nctId}"))
    if "studies" in data and "protocolSection" not in data:
        studies = data["studies"]
        if isinstance(studies, list) and len(studies) == 1 and isinstance(studies[0], dict):
            return studies[0]
        n = len(studies) if isinstance(studies, list) else "?"
        raise r.fail("studies", Message("a search response with {n} studies; import one study at a time", n=n))
    return data


def parse_study(data: Any, *, source: str | None = None) -> Trial:
    """Turn one API v2 study (a dict) into a :class:`Trial`; raises StudyFormatError on anything else."""
    r = _Reader(source)
    data = _unwrap(data, r)
    if "protocolSection" not in data:
        raise r.fail("protocolSection", Message("missing: this is not a ClinicalTrials.gov API v2 study"))
    ps = r.obj(data, "protocolSection", "")
    P = "protocolSection"
    ident = r.obj(ps, "identificationModule", P)
    nct_id = r.text(ident, "nctId", f"{P}.identificationModule")
    if not nct_id:
        raise r.fail(f"{P}.identificationModule.nctId", Message("missing: every study needs an NCT id"))
    nct_id = nct_id.strip()
    if not NCT_ID.match(nct_id):
        raise r.fail(f"{P}.identificationModule.nctId", Message("{value!r} is not an NCT id (NCT + 8 digits)",
                                                                value=nct_id[:40]))
    path = f"{P}.identificationModule"
    org = r.obj(ident, "orgStudyIdInfo", path)
    secondary = [r.text(s, "id", p) for p, s in r.objects(ident, "secondaryIdInfos", path)]

    status = r.obj(ps, "statusModule", P)
    sp = f"{P}.statusModule"
    start, start_type = r.date(status, "startDateStruct", sp)
    pc, pc_type = r.date(status, "primaryCompletionDateStruct", sp)
    comp, comp_type = r.date(status, "completionDateStruct", sp)
    first_posted, _ = r.date(status, "studyFirstPostDateStruct", sp)
    last_update, _ = r.date(status, "lastUpdatePostDateStruct", sp)
    dates = Dates(
        status_verified=r.text(status, "statusVerifiedDate", sp),
        start=start, start_type=start_type,
        primary_completion=pc, primary_completion_type=pc_type,
        completion=comp, completion_type=comp_type,
        first_posted=first_posted, last_update_posted=last_update,
    )

    spons = r.obj(ps, "sponsorCollaboratorsModule", P)
    spp = f"{P}.sponsorCollaboratorsModule"
    lead = r.obj(spons, "leadSponsor", spp)
    lead_sponsor = None
    if r.text(lead, "name", f"{spp}.leadSponsor"):
        lead_sponsor = Sponsor(name=r.text(lead, "name", f"{spp}.leadSponsor"),
                               sponsor_class=r.text(lead, "class", f"{spp}.leadSponsor"))
    collaborators = [Sponsor(name=r.text(c, "name", p) or "not stated", sponsor_class=r.text(c, "class", p))
                     for p, c in r.objects(spons, "collaborators", spp)]

    cond = r.obj(ps, "conditionsModule", P)
    cp = f"{P}.conditionsModule"

    dm = r.obj(ps, "designModule", P)
    dp = f"{P}.designModule"
    info = r.obj(dm, "designInfo", dp)
    ip = f"{dp}.designInfo"
    masking = r.obj(info, "maskingInfo", ip)
    enr = r.obj(dm, "enrollmentInfo", dp)
    design = Design(
        study_type=r.text(dm, "studyType", dp),
        phases=r.texts(dm, "phases", dp),
        allocation=r.text(info, "allocation", ip),
        intervention_model=r.text(info, "interventionModel", ip),
        primary_purpose=r.text(info, "primaryPurpose", ip),
        masking=r.text(masking, "masking", f"{ip}.maskingInfo"),
        who_masked=r.texts(masking, "whoMasked", f"{ip}.maskingInfo"),
    )
    count = r.integer(enr, "count", f"{dp}.enrollmentInfo")
    if count is not None and count < 0:
        raise r.fail(f"{dp}.enrollmentInfo.count", Message("enrollment cannot be negative, got {count}", count=count))
    enrollment = Enrollment(count=count,
                            type=r.text(enr, "type", f"{dp}.enrollmentInfo"))

    aim = r.obj(ps, "armsInterventionsModule", P)
    ap = f"{P}.armsInterventionsModule"
    arms = []
    for p, a in r.objects(aim, "armGroups", ap):
        label = r.text(a, "label", p)
        if not label:
            raise r.fail(f"{p}.label", Message("missing: every arm group needs a label"))
        arms.append(ArmGroup(label=label, type=r.text(a, "type", p), description=r.text(a, "description", p),
                             intervention_names=r.texts(a, "interventionNames", p)))
    interventions = []
    for p, i in r.objects(aim, "interventions", ap):
        name = r.text(i, "name", p)
        if not name:
            raise r.fail(f"{p}.name", Message("missing: every intervention needs a name"))
        interventions.append(Intervention(type=r.text(i, "type", p), name=name,
                                          description=r.text(i, "description", p),
                                          arm_group_labels=r.texts(i, "armGroupLabels", p),
                                          other_names=r.texts(i, "otherNames", p)))

    om = r.obj(ps, "outcomesModule", P)
    op = f"{P}.outcomesModule"

    def outcomes(key: str) -> list[Outcome]:
        out = []
        for p, o in r.objects(om, key, op):
            measure = r.text(o, "measure", p)
            if measure:
                out.append(Outcome(measure=measure, description=r.text(o, "description", p),
                                   time_frame=r.text(o, "timeFrame", p)))
        return out

    desc = r.obj(ps, "descriptionModule", P)
    dsp = f"{P}.descriptionModule"

    em = r.obj(ps, "eligibilityModule", P)
    ep = f"{P}.eligibilityModule"
    criteria_text = r.text(em, "eligibilityCriteria", ep)
    split = split_criteria(criteria_text)
    min_age, max_age = r.text(em, "minimumAge", ep), r.text(em, "maximumAge", ep)
    try:
        min_years = age_in_years(min_age)
    except ValueError as exc:
        raise r.fail(f"{ep}.minimumAge", exc.args[0]) from None
    try:
        max_years = age_in_years(max_age)
    except ValueError as exc:
        raise r.fail(f"{ep}.maximumAge", exc.args[0]) from None
    eligibility = Eligibility(
        sex=r.text(em, "sex", ep),
        minimum_age=min_age, maximum_age=max_age,
        minimum_age_years=min_years, maximum_age_years=max_years,
        healthy_volunteers=r.boolean(em, "healthyVolunteers", ep),
        std_ages=r.texts(em, "stdAges", ep),
        criteria_text=criteria_text,
        criteria=[EligibilityCriterion(id=c.id, kind=c.kind, text=c.text) for c in split.criteria],
        lead_in=split.lead_in,
    )

    clm = r.obj(ps, "contactsLocationsModule", P)
    lp = f"{P}.contactsLocationsModule"

    def contact(c: dict, p: str) -> Contact:
        return Contact(name=r.text(c, "name", p), role=r.text(c, "role", p),
                       phone=r.text(c, "phone", p), email=r.text(c, "email", p))

    central = [contact(c, p) for p, c in r.objects(clm, "centralContacts", lp)]
    officials = [Contact(name=r.text(c, "name", p), role=r.text(c, "role", p),
                         email=None, phone=None) for p, c in r.objects(clm, "overallOfficials", lp)]
    locations = []
    for p, loc in r.objects(clm, "locations", lp):
        geo = r.obj(loc, "geoPoint", p)
        lat, lon = r.number(geo, "lat", f"{p}.geoPoint"), r.number(geo, "lon", f"{p}.geoPoint")
        geo_point = None
        if lat is not None and lon is not None:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise r.fail(f"{p}.geoPoint", Message("lat/lon {lat}, {lon} out of range", lat=lat, lon=lon))
            geo_point = GeoPoint(lat=lat, lon=lon)
        locations.append(Location(
            facility=r.text(loc, "facility", p), status=r.text(loc, "status", p), city=r.text(loc, "city", p),
            state=r.text(loc, "state", p), zip=r.text(loc, "zip", p), country=r.text(loc, "country", p),
            geo_point=geo_point, contacts=[contact(c, cp_) for cp_, c in r.objects(loc, "contacts", p)],
        ))

    notes = data.get("trialkitProvenance", {})
    provenance = r.texts(notes, "notes", "trialkitProvenance") if isinstance(notes, dict) else []

    return Trial(
        nct_id=nct_id,
        org_study_id=r.text(org, "id", f"{path}.orgStudyIdInfo"),
        secondary_ids=[s for s in secondary if s],
        brief_title=r.text(ident, "briefTitle", path),
        official_title=r.text(ident, "officialTitle", path),
        acronym=r.text(ident, "acronym", path),
        overall_status=r.text(status, "overallStatus", sp),
        why_stopped=r.text(status, "whyStopped", sp),
        dates=dates,
        lead_sponsor=lead_sponsor,
        collaborators=collaborators,
        conditions=r.texts(cond, "conditions", cp),
        keywords=r.texts(cond, "keywords", cp),
        design=design,
        enrollment=enrollment,
        arm_groups=arms,
        interventions=interventions,
        primary_outcomes=outcomes("primaryOutcomes"),
        secondary_outcomes=outcomes("secondaryOutcomes"),
        brief_summary=r.text(desc, "briefSummary", dsp),
        detailed_description=r.text(desc, "detailedDescription", dsp),
        eligibility=eligibility,
        central_contacts=central,
        overall_officials=officials,
        locations=locations,
        source=source,
        provenance_notes=provenance,
    )


#: Longest integer literal a study may hold (Python refuses to convert longer ones to text: 4,300 digits).
_MAX_INT_DIGITS = 100


class _NotFinite:
    """What the JSON hooks put in place of a number that is not finite (found and reported after parsing)."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token


def _parse_constant(token: str) -> _NotFinite:
    return _NotFinite(token)  # NaN, Infinity, -Infinity: not JSON numbers (RFC 8259)


def _parse_int(token: str) -> int | _NotFinite:
    digits = len(token.lstrip("-"))
    return _NotFinite(f"a {digits:,}-digit integer") if digits > _MAX_INT_DIGITS else int(token)


def _parse_float(token: str) -> float | _NotFinite:
    value = float(token)
    return value if math.isfinite(value) else _NotFinite(token)  # 1e400 overflows to inf


def _first_not_finite(data: Any) -> tuple[str, _NotFinite] | None:
    """The dotted path (``a.b[2].c``) and token of the first non-finite number in parsed JSON."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, _NotFinite):
            return path or "(top level)", value
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))
    return None


def load_json(raw: bytes, *, source: str) -> Any:
    """Study JSON bytes -> Python data in which every number is finite: the one finite-number check.
    ``NaN``, ``Infinity``, ``-Infinity``, ``1e400`` or an integer of more than 100 digits raise
    :class:`StudyFormatError` naming the file and the field."""
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_parse_constant, parse_int=_parse_int,
                          parse_float=_parse_float)
    except UnicodeDecodeError as exc:
        raise StudyFormatError(Message("not UTF-8 text ({reason} at byte {byte})", reason=exc.reason, byte=exc.start),
                               source=source) from None
    except json.JSONDecodeError as exc:
        raise StudyFormatError(Message("not valid JSON: {error} at line {line} column {column}", error=exc.msg,
                                       line=exc.lineno, column=exc.colno), source=source) from None
    except RecursionError:
        raise StudyFormatError(Message("JSON nested too deeply to be a study"), source=source) from None
    bad = _first_not_finite(data)
    if bad is not None:
        path, value = bad
        raise StudyFormatError(Message("{value} is not a finite number (NaN, Infinity, numbers beyond ±1e308 and "
                                       "integers over 100 digits are refused)", value=value.token[:60]),
                               source=source, field=path)
    return data


def parse_bytes(raw: bytes, *, source: str) -> Trial:
    """Parse an uploaded or read file's bytes (size-checked, JSON only; nothing is executed)."""
    if len(raw) > MAX_STUDY_BYTES:
        raise StudyFormatError(Message("file is {size:.1f} MB; the limit is {limit} MB", size=len(raw) / 1e6,
                                       limit=MAX_STUDY_BYTES // 2**20), source=source)
    return parse_study(load_json(raw, source=source), source=source)


def load_study(path: str | Path) -> Trial:
    """Load one API v2 study JSON file (contracts §1)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise StudyFormatError(Message("cannot read file: {error}", error=exc.strerror), source=str(p)) from None
    return parse_bytes(raw, source=str(p))
