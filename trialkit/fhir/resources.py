"""Read FHIR R4 JSON: a Bundle file, or a Bulk Data export folder (``<Type>.<n>.ndjson``, one resource a line).

Validation uses ``fhir.resources`` (the R4B models, which read R4 JSON; pydantic 2). Only the resource types
trialkit reads are validated and kept (:data:`USED_TYPES`: Patient, Observation, Condition); the rest of a
Synthea bundle (Claim, ExplanationOfBenefit, Encounter, …: most of its bytes) is counted, not parsed, so a
flaw in a billing record cannot block a candidate. A malformed used resource is never skipped: it raises
:class:`FhirFormatError` naming the file, the entry (Bundle) or line (NDJSON), the resource and the field.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from trialkit.errors import TrialkitError, with_source
from trialkit.message import Message

USED_TYPES = ("Patient", "Observation", "Condition")
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
_NDJSON = re.compile(r"^(?P<type>[A-Za-z]+)(?:[.-][^/]*)?\.ndjson$")


class FhirFormatError(TrialkitError):
    """A FHIR file that cannot be used; the message names the file, entry/line, resource and field."""


def _model(resource_type: str):
    from fhir.resources.R4B import get_fhir_model_class  # imported on use: ~0.5 s

    return get_fhir_model_class(resource_type)


@dataclass(frozen=True)
class Resource:
    """A validated resource and where it came from (``where``: "entry 12" or "line 7")."""

    type: str
    model: object
    source: str
    where: str
    full_url: str = ""  # the Bundle entry's fullUrl ("urn:uuid:…"), for reference resolution


@dataclass
class FhirRead:
    resources: list[Resource]
    source: str
    #: resource types present but not read (type -> count), shown so nothing looks silently dropped
    ignored: Counter = field(default_factory=Counter)

    def of_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources if r.type == resource_type]


def _field_name(err: dict, raw: dict) -> str:
    """The field a pydantic error is about; a resource-level error on a choice type (``value[x]`` given
    twice) names the choice and the keys found."""
    path = ".".join(str(p) for p in err.get("loc", ()))
    if path:
        return path
    listed = re.findall(r"'([a-z]+[A-Z][A-Za-z]*)'", err.get("msg", ""))
    present = [k for k in listed if k in raw]
    if present:
        stem = re.match(r"[a-z]+", present[0]).group(0)
        return f"{stem}[x] ({', '.join(present)})"
    return "(resource)"


def validate(raw: dict, source: str, where: str, full_url: str = "") -> Resource:
    """One resource dict -> :class:`Resource`; FhirFormatError names file, place, resource and field."""
    if not isinstance(raw, dict):
        raise FhirFormatError(with_source(source, Message("{where}: not a JSON object (a FHIR resource)",
                                                          where=where)))
    rtype = raw.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        raise FhirFormatError(with_source(source, _type_missing(where)))
    label = f"{rtype}/{raw.get('id')}" if raw.get("id") else rtype
    try:
        cls = _model(rtype)
    except (KeyError, ValueError):
        raise FhirFormatError(with_source(source, _not_a_type(where, rtype))) from None
    try:
        model = cls.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        if exc.error_count() > 1:
            problem = Message("{where} ({resource}): field {field}: {error} (and {n} more)", where=where,
                              resource=label, field=_field_name(err, raw), error=err["msg"], n=exc.error_count() - 1)
        else:
            problem = Message("{where} ({resource}): field {field}: {error}", where=where, resource=label,
                              field=_field_name(err, raw), error=err["msg"])
        raise FhirFormatError(with_source(source, problem)) from None
    return Resource(rtype, model, source, where, full_url)


def _type_missing(where: object) -> Message:
    return Message("{where}: field resourceType: missing", where=where)


def _not_a_type(where: object, rtype: str) -> Message:
    return Message("{where}: field resourceType: {type!r} is not an R4 resource type", where=where, type=rtype)


def _too_large(source: object) -> FhirFormatError:
    return FhirFormatError(with_source(source, Message("larger than {mb} MB", mb=MAX_BUNDLE_BYTES // 2**20)))


def _check_type(raw: dict, source: str, where: str) -> None:
    """A resource trialkit does not read must still name a real R4 type (its body is not validated)."""
    rtype = raw.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        raise FhirFormatError(with_source(source, _type_missing(where)))
    try:
        _model(rtype)
    except (KeyError, ValueError):
        raise FhirFormatError(with_source(source, _not_a_type(where, rtype))) from None


def read_bundle(data: bytes | str | Path, *, source: str | None = None) -> FhirRead:
    """A Bundle (bytes, or a path) -> its Patient/Observation/Condition resources, validated."""
    if isinstance(data, (str, Path)):
        path = Path(data)
        source = source or str(path)
        try:
            if path.stat().st_size > MAX_BUNDLE_BYTES:
                raise _too_large(source)
            raw_bytes = path.read_bytes()
        except OSError as exc:
            raise FhirFormatError(with_source(source, Message("cannot read ({error})", error=exc.strerror))) from None
    else:
        raw_bytes = bytes(data)
        source = source or "upload"
        if len(raw_bytes) > MAX_BUNDLE_BYTES:
            raise _too_large(source)
    try:
        doc = json.loads(raw_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FhirFormatError(with_source(source, Message("not UTF-8 text (byte {byte})", byte=exc.start))) from None
    except json.JSONDecodeError as exc:
        raise FhirFormatError(with_source(source, Message("line {line}: not valid JSON ({error})", line=exc.lineno,
                                                          error=exc.msg))) from None
    if not isinstance(doc, dict) or doc.get("resourceType") != "Bundle":
        found = doc.get("resourceType") if isinstance(doc, dict) else type(doc).__name__
        raise FhirFormatError(with_source(source, Message("field resourceType: expected a FHIR Bundle, found {found!r}",
                                                          found=found)))
    entries = doc.get("entry", [])
    if not isinstance(entries, list):
        raise FhirFormatError(with_source(source, Message("field entry: expected a list of entries")))
    out = FhirRead([], source)
    for i, entry in enumerate(entries):
        where = Message("entry {i}", i=i)
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            raise FhirFormatError(with_source(source, Message("{where}: field entry[{i}].resource: missing",
                                                              where=where, i=i)))
        raw = entry["resource"]
        rtype = raw.get("resourceType")
        if rtype not in USED_TYPES:
            _check_type(raw, source, where)
            out.ignored[str(rtype)] += 1
            continue
        out.resources.append(validate(raw, source, where, str(entry.get("fullUrl") or "")))
    return out


def ndjson_files(folder: Path) -> dict[str, list[Path]]:
    """``Patient.000.ndjson`` … grouped by resource type (the Bulk Data file naming)."""
    groups: dict[str, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        m = _NDJSON.match(p.name)
        if m and p.is_file():
            groups.setdefault(m.group("type"), []).append(p)
    return groups


def read_ndjson_folder(folder: str | Path, progress=None) -> FhirRead:
    """A Bulk Data export folder -> its Patient/Observation/Condition resources, validated line by line.

    ``progress(done_bytes, total_bytes)`` is called as files are read (for a progress bar)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FhirFormatError(with_source(folder, Message("not a folder")))
    groups = ndjson_files(folder)
    if "Patient" not in groups:
        raise FhirFormatError(with_source(folder, Message(
            "no Patient NDJSON file (expected Patient.000.ndjson or Patient.ndjson; found: {found})",
            found=", ".join(sorted(groups)) or Message("no .ndjson files"))))
    out = FhirRead([], str(folder))
    used = [p for t in USED_TYPES for p in groups.get(t, [])]
    for t, paths in groups.items():
        if t not in USED_TYPES and t != "log":
            for p in paths:
                with p.open("rb") as fh:
                    out.ignored[t] += sum(1 for line in fh if line.strip())
    total = sum(p.stat().st_size for p in used) or 1
    done = 0
    for path in used:
        rtype = _NDJSON.match(path.name).group("type")
        with path.open("rb") as fh:
            for line_no, line in enumerate(fh, start=1):
                done += len(line)
                if not line.strip():
                    continue
                where = Message("line {line}", line=line_no)
                try:
                    raw = json.loads(line.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise FhirFormatError(with_source(path, Message("{where}: not valid JSON ({error})", where=where,
                                                                    error=str(getattr(exc, "msg", exc))))) from None
                if isinstance(raw, dict) and raw.get("resourceType") not in (rtype, None):
                    raise FhirFormatError(with_source(path, Message(
                        "{where}: field resourceType: {found!r} in a {type} file", where=where,
                        found=raw.get("resourceType"), type=rtype)))
                out.resources.append(validate(raw, str(path), where))
                if progress and line_no % 500 == 0:
                    progress(done, total)
    if progress:
        progress(total, total)
    return out
