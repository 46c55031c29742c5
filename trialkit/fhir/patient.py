"""One FHIR patient -> a What-if candidate (the canonical field dict ``check`` evaluates).

Semantics (the same as the OMOP half, contracts §6):

* ``age``: completed years at the index date, from ``Patient.birthDate``; ``sex``: ``Patient.gender``
  female/male (other/unknown stay unknown);
* a number field: the Observations (or Observation components, e.g. blood pressure 8480-6 inside a 55284-4
  or 85354-9 panel) whose code the terminology table maps to the field, with status neither
  ``entered-in-error`` nor ``cancelled``, dated on or before the index date and within the lookback window
  (default 365 days); the latest one is used. Its UCUM ``valueQuantity`` is converted to the field's
  canonical unit by trialkit/criteria/units.py; a unit that does not convert, or a value with no number,
  makes the field unknown and is listed in :attr:`FhirCandidate.unusable`: never guessed, and never replaced by
  an older value;
* a yes/no field mapped to Conditions (``pregnant``): yes when a mapped Condition is clinically active
  (``clinicalStatus`` active/recurrence/relapse, not refuted / entered-in-error) on the index date
  (onset on or before it, no abatement on or before it). Absence is **unknown**, not no (a record without a
  pregnancy is not proof of no pregnancy); ``absent_means_no=True`` is the explicit "no while observed"
  option. Resolved conditions are listed in the notes.

Synthea patients carry the identifier system ``https://github.com/synthetichealth/synthea`` (or the
smarthealthit ``synthea-…`` tag): :attr:`FhirCandidate.synthetic` says so, and every screen shows it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from trialkit.criteria.fields import FIELDS
from trialkit.criteria.units import convert
from trialkit.errors import CandidateError, with_source
from trialkit.fhir.resources import FhirFormatError, FhirRead, Resource
from trialkit.i18n import N_
from trialkit.message import Message, word
from trialkit.terminology import Terminology, terminology, ucum_to_unit_text

DEFAULT_LOOKBACK_DAYS = 365
SYNTHEA_SYSTEM = "https://github.com/synthetichealth/synthea"
SYNTHETIC_LABEL = N_("synthetic patient (Synthea)")
_ACTIVE = {"active", "recurrence", "relapse"}
_DISCARDED_STATUS = {"entered-in-error", "cancelled"}
_NOT_CONFIRMED = {"refuted", "entered-in-error"}
UCUM_SYSTEM = "http://unitsofmeasure.org"


@dataclass
class FhirCandidate:
    patient_id: str
    values: dict[str, object]  # canonical values, as parse_candidate returns them
    index_date: dt.date
    source: str
    #: field -> where its value came from ("LOINC 39156-5 Body mass index: 27.1 kg/m2 on 2020-01-15")
    evidence: dict[str, str] = field(default_factory=dict)
    #: values that could not be used ("platelets: 150 {cells}/uL on 2020-01-15: unit … is not a unit …")
    unusable: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    synthetic: str | None = None  # SYNTHETIC_LABEL when the record says it is Synthea's
    deceased: bool = False  # died on or before the index date

    @property
    def label(self) -> str:
        if self.synthetic:
            return Message("FHIR patient {id} ({source}) — {synthetic}", id=self.patient_id, source=self.source,
                           synthetic=word(self.synthetic))
        return Message("FHIR patient {id} ({source})", id=self.patient_id, source=self.source)


def _date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date(int(text[:4]), 1, 1)
    except ValueError:
        return None


def completed_years(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_synthetic(patient) -> bool:
    ids = getattr(patient, "identifier", None) or []
    if any((i.system or "") == SYNTHEA_SYSTEM for i in ids):
        return True
    tags = getattr(getattr(patient, "meta", None), "tag", None) or []
    return any("synthea" in (t.code or "").lower() for t in tags)


def _obs_date(obs) -> dt.date | None:
    if getattr(obs, "effectiveDateTime", None) is not None:
        return _date(obs.effectiveDateTime)
    period = getattr(obs, "effectivePeriod", None)
    if period is not None and (period.end or period.start):
        return _date(period.end or period.start)
    if getattr(obs, "effectiveInstant", None) is not None:
        return _date(obs.effectiveInstant)
    return _date(getattr(obs, "issued", None))


def _codings(concept):
    return (concept.coding or []) if concept is not None else []


def _status_code(concept) -> str:
    return next((c.code for c in _codings(concept) if c.code), "")


@dataclass
class _Reading:
    date: dt.date
    value: object  # Decimal / float, or None
    unit: str  # UCUM code (or the unit text when no code)
    coding: object
    where: str


def _observation_readings(res: Resource, term: Terminology):
    obs = res.model
    if (obs.status or "") in _DISCARDED_STATUS:
        return
    when = _obs_date(obs)
    parts = [(obs.code, obs.valueQuantity)] + [(c.code, c.valueQuantity) for c in (obs.component or [])]
    for code, quantity in parts:
        for coding in _codings(code):
            row = term.lookup(coding.system, coding.code)
            if row is None or row.resource != "Observation":
                continue
            unit = ""
            value = None
            if quantity is not None:
                value = quantity.value
                unit = quantity.code if quantity.code and (quantity.system or UCUM_SYSTEM) == UCUM_SYSTEM \
                    else (quantity.unit or quantity.code or "")
            yield row, _Reading(when, value, unit or "", row, with_source(res.source, res.where))
            break


def _describe(row, reading: _Reading) -> Message:
    value = Message("no value") if reading.value is None else f"{float(reading.value):g} {reading.unit}".strip()
    return Message("{system} {code} {display}: {value} on {date}", system=row.system, code=row.code,
                   display=row.display, value=value, date=reading.date)


def candidate_from_resources(patient: Resource, observations: list[Resource], conditions: list[Resource], *,
                             index_date: dt.date | None = None, lookback_days: int = DEFAULT_LOOKBACK_DAYS,
                             absent_means_no: bool = False, source: str = "",
                             term: Terminology | None = None) -> FhirCandidate:
    """The one mapping from a patient's resources to a candidate (used for a Bundle and for each patient of
    an export)."""
    term = term or terminology()
    index_date = index_date or dt.date.today()
    p = patient.model
    out = FhirCandidate(str(p.id or "?"), {}, index_date, source or patient.source)
    if is_synthetic(p):
        out.synthetic = SYNTHETIC_LABEL
    birth = _date(p.birthDate)
    if birth is None:
        out.notes.append(Message("age: no Patient.birthDate: unknown"))
    elif birth > index_date:
        out.notes.append(Message("age: born {birth}, after the index date {date}: unknown", birth=birth,
                                 date=index_date))
    else:
        out.values["age"] = float(completed_years(birth, index_date))
        out.evidence["age"] = Message("Patient.birthDate {birth}: {n} completed years on {date}", birth=birth,
                                      n=completed_years(birth, index_date), date=index_date)
    deceased = _date(getattr(p, "deceasedDateTime", None))
    if deceased is not None and deceased <= index_date:
        out.deceased = True
        out.notes.append(Message("deceased on {deceased} (on or before the index date {date})", deceased=deceased,
                                 date=index_date))
    elif getattr(p, "deceasedBoolean", None):
        out.deceased = True
        out.notes.append(Message("Patient.deceasedBoolean is true"))
    if p.gender in ("female", "male"):
        out.values["sex"] = p.gender
        out.evidence["sex"] = f"Patient.gender {p.gender}"
    else:
        out.notes.append(Message("sex: Patient.gender is {gender}: unknown", gender=p.gender or Message("missing")))

    # -- measured values: latest on or before the index date within the lookback ------------------------
    earliest = index_date - dt.timedelta(days=lookback_days)
    latest: dict[str, tuple] = {}
    outside: dict[str, int] = {}
    for res in observations:
        for row, reading in _observation_readings(res, term):
            if reading.date is None:
                out.unusable.append(Message("{field}: {system} {code} at {where} has no date", field=row.field,
                                            system=row.system, code=row.code, where=reading.where))
                continue
            if not (earliest <= reading.date <= index_date):
                outside[row.field] = outside.get(row.field, 0) + 1
                continue
            best = latest.get(row.field)
            if best is None or reading.date > best[1].date:
                latest[row.field] = (row, reading)
    for name, (row, reading) in sorted(latest.items()):
        spec = FIELDS[name]
        if reading.value is None:
            out.unusable.append(Message("{field}: {reading} ({where}): no valueQuantity", field=name,
                                        reading=_describe(row, reading), where=reading.where))
            continue
        try:
            value = convert(spec, float(reading.value), ucum_to_unit_text(reading.unit))
        except CandidateError as exc:
            out.unusable.append(Message("{field}: {reading} ({where}): {problem}", field=name,
                                        reading=_describe(row, reading), where=reading.where,
                                        problem=exc.args[0] if len(exc.args) == 1 else str(exc)))
            continue
        out.values[name] = float(f"{value:.12g}")
        out.evidence[name] = _describe(row, reading)
    for name, n in sorted(outside.items()):
        if name not in latest:
            out.notes.append(Message("{field}: {n} record(s), none between {earliest} and {date} "
                                     "(lookback {days} days): unknown", field=name, n=n, earliest=earliest,
                                     date=index_date, days=lookback_days))

    # -- conditions --------------------------------------------------------------------------------------
    active: dict[str, str] = {}
    seen_inactive: dict[str, list[str]] = {}
    for res in conditions:
        c = res.model
        for coding in _codings(c.code):
            row = term.lookup(coding.system, coding.code)
            if row is None or row.resource != "Condition":
                continue
            if _status_code(c.verificationStatus) in _NOT_CONFIRMED:
                break
            onset = _date(getattr(c, "onsetDateTime", None)) or _date(getattr(c, "recordedDate", None))
            abated = _date(getattr(c, "abatementDateTime", None))
            status = _status_code(c.clinicalStatus)
            text = Message("{system} {code} {display} ({status}{onset}{abated})", system=row.system, code=row.code,
                           display=row.display, status=status or Message("no clinicalStatus"),
                           onset=Message(", onset {date}", date=onset) if onset else "",
                           abated=Message(", abated {date}", date=abated) if abated else "")
            if onset is not None and onset > index_date:
                break
            if status in _ACTIVE and (abated is None or abated > index_date):
                active.setdefault(row.field, text)
            else:
                seen_inactive.setdefault(row.field, []).append(text)
            break
    for row_field in dict.fromkeys(c.field for c in term.codings if c.resource == "Condition"):
        if row_field in active:
            out.values[row_field] = True
            out.evidence[row_field] = active[row_field]
        elif absent_means_no:
            out.values[row_field] = False
            out.evidence[row_field] = Message("no active condition on the index date (absence counted as no)")
        else:
            past = seen_inactive.get(row_field, [])
            if past:
                out.notes.append(Message("{field}: no active condition on {date} ({n} past: {first}{more}): unknown "
                                         "(absence is not 'no')", field=row_field, date=index_date, n=len(past),
                                         first=past[0], more=" …" if len(past) > 1 else ""))
            else:
                out.notes.append(Message("{field}: no active condition on {date}: unknown (absence is not 'no')",
                                         field=row_field, date=index_date))
    return out


def patient_refs(patient: Resource) -> set[str]:
    pid = patient.model.id
    refs = {f"Patient/{pid}"} if pid else set()
    if patient.full_url:
        refs.add(patient.full_url)
    return refs


def subject_ref(res: Resource) -> str:
    subj = getattr(res.model, "subject", None)
    return (subj.reference or "") if subj is not None else ""


def candidate_from_bundle(read: FhirRead, **kw) -> FhirCandidate:
    """A one-patient Bundle -> its candidate; a Bundle with no Patient or several raises FhirFormatError."""
    patients = read.of_type("Patient")
    if len(patients) != 1:
        if patients:
            why = Message("expected one Patient in the bundle, found {n} (use `cohort --fhir` for several patients)",
                          n=len(patients))
        else:
            why = Message("expected one Patient in the bundle, found {n}", n=0)
        raise FhirFormatError(with_source(read.source, why))
    refs = patient_refs(patients[0])
    obs = [r for r in read.of_type("Observation") if not subject_ref(r) or subject_ref(r) in refs]
    cond = [r for r in read.of_type("Condition") if not subject_ref(r) or subject_ref(r) in refs]
    cand = candidate_from_resources(patients[0], obs, cond, source=read.source, **kw)
    other = len(read.of_type("Observation")) + len(read.of_type("Condition")) - len(obs) - len(cond)
    if other:
        cand.notes.append(Message("{n} Observation/Condition resource(s) about someone else were not used", n=other))
    return cand


def latest_record_date(read: FhirRead) -> dt.date | None:
    """The date of the newest Observation or Condition (an index date that shows a record as it ended)."""
    dates = [_obs_date(r.model) for r in read.of_type("Observation")]
    dates += [_date(getattr(r.model, "recordedDate", None) or getattr(r.model, "onsetDateTime", None))
              for r in read.of_type("Condition")]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None
