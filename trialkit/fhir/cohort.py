"""A FHIR Bulk Data export (a folder of NDJSON) or a Bundle -> the cohort the existing pipeline evaluates.

Each patient goes through the same mapping as a What-if candidate
(:func:`trialkit.fhir.patient.candidate_from_resources`); Observations and Conditions are joined to their
patient by ``subject.reference`` (``Patient/<id>``, or a Bundle's ``urn:uuid:`` fullUrl). A resource about a
patient the export does not contain is reported (count) rather than silently dropped. The cohort keeps, per
field, how many patients had it unknown and why, and the values that could not be converted.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trialkit.criteria.evaluate import candidate_frame
from trialkit.criteria.fields import FIELDS
from trialkit.fhir.patient import (DEFAULT_LOOKBACK_DAYS, FhirCandidate, patient_refs, subject_ref,
                                   candidate_from_resources)
from trialkit.fhir.resources import FhirFormatError, FhirRead, read_bundle, read_ndjson_folder
from trialkit.errors import with_source
from trialkit.message import Message


@dataclass
class FhirCohort:
    candidates: list[FhirCandidate]
    source: str
    index_date: dt.date
    ignored: Counter = field(default_factory=Counter)
    orphans: int = 0  # Observation/Condition whose subject is not a patient of the export
    deceased: int = 0  # patients left out: died on or before the index date

    @property
    def synthetic(self) -> bool:
        return bool(self.candidates) and all(c.synthetic for c in self.candidates)

    def unusable(self) -> list[str]:
        return [Message("patient {id}: {problem}", id=c.patient_id, problem=u) for c in self.candidates
                for u in c.unusable]


def read_fhir_source(path: str | Path, progress=None) -> FhirRead:
    """A folder of NDJSON or a Bundle file."""
    p = Path(path)
    if p.is_dir():
        return read_ndjson_folder(p, progress)
    if p.is_file():
        return read_bundle(p)
    raise FhirFormatError(with_source(path, Message("no such file or folder (give a Bundle .json or a folder of "
                                                    ".ndjson files)")))


def fhir_cohort_records(read: FhirRead, *, index_date: dt.date | None = None,
                        lookback_days: int = DEFAULT_LOOKBACK_DAYS) -> FhirCohort:
    index_date = index_date or dt.date.today()
    patients = read.of_type("Patient")
    if not patients:
        raise FhirFormatError(with_source(read.source, Message("no Patient resources")))
    owner: dict[str, int] = {}
    for i, p in enumerate(patients):
        for ref in patient_refs(p):
            if ref in owner:
                raise FhirFormatError(with_source(p.source, Message("{where}: field id: {ref} appears twice",
                                                                    where=p.where, ref=ref)))
            owner[ref] = i
    obs: dict[int, list] = defaultdict(list)
    cond: dict[int, list] = defaultdict(list)
    orphans = 0
    for kind, bucket in (("Observation", obs), ("Condition", cond)):
        for r in read.of_type(kind):
            i = owner.get(subject_ref(r))
            if i is None:
                orphans += 1
            else:
                bucket[i].append(r)
    cands = [candidate_from_resources(p, obs[i], cond[i], index_date=index_date, lookback_days=lookback_days,
                                      source=read.source) for i, p in enumerate(patients)]
    alive = [c for c in cands if not c.deceased]
    return FhirCohort(alive, read.source, index_date, read.ignored, orphans, len(cands) - len(alive))


def fhir_cohort(ruleset, path, index_date: dt.date | None = None, lookback_days: int = DEFAULT_LOOKBACK_DAYS,
                progress=None):
    """-> :class:`trialkit.cohort.pipeline.Cohort` (what ``cohort --fhir`` and the Cohort page evaluate)."""
    from trialkit.cohort.pipeline import Cohort

    fc = fhir_cohort_records(read_fhir_source(path, progress), index_date=index_date, lookback_days=lookback_days)
    if not fc.candidates:
        raise FhirFormatError(with_source(path, Message("every patient died on or before the index date {date}",
                                                        date=fc.index_date)))
    frame = candidate_frame([c.values for c in fc.candidates])
    n = len(fc.candidates)
    missing: dict[str, str] = {}
    for f in ruleset.fields_used():
        have = int(frame[f].notna().sum()) if f in frame.columns else 0
        if have == 0:
            missing[f] = Message("no usable FHIR record for anyone (index date {date}): unknown for everyone",
                                 date=fc.index_date)
    for f in ruleset.fields_used():
        if f not in frame.columns and f in FIELDS:
            frame[f] = _empty(f, n).array
    name = Path(str(path)).name
    label = (Message("FHIR cohort ({name}) — synthetic patients (Synthea)", name=name) if fc.synthetic
             else Message("FHIR cohort ({name})", name=name))
    ignored = ", ".join(f"{t} {k:,}" for t, k in sorted(fc.ignored.items()))
    parts = [Message("{label}: {n} patients, index date {date}, lookback {days} days", label=label, n=f"{n:,}",
                     date=fc.index_date, days=lookback_days)]
    if fc.deceased:
        parts.append(Message("{n} deceased on or before it left out", n=f"{fc.deceased:,}"))
    if ignored:
        parts.append(Message("not read: {resources}", resources=ignored))
    if fc.orphans:
        parts.append(Message("{n} Observation/Condition about no patient of the export", n=f"{fc.orphans:,}"))
    if fc.unusable():
        parts.append(Message("{n} value(s) could not be converted", n=f"{len(fc.unusable()):,}"))
    provenance = Message("{parts}", parts=parts)
    cohort = Cohort(frame, np.array([c.patient_id for c in fc.candidates], dtype=object), label, False, missing,
                    provenance)
    cohort.fhir = fc  # what was unknown or unusable, for the page and the CLI
    return cohort


def _empty(name: str, n: int):
    """An all-unknown column of field ``name`` in the engine's format."""
    return candidate_frame([{name: None}] * n)[name] if n else candidate_frame([{name: None}])[name].iloc[:0]
