"""The one terminology table: candidate field -> LOINC / SNOMED CT codes and the UCUM unit sources write.

``data/terminology/fields.csv`` is data, reviewed like the rules. One row per (field, code):

* ``field``: a candidate field name (trialkit/criteria/fields.py); a row for a field the engine does not
  know yet is skipped (other engineers add fields in parallel), never an error;
* ``resource``: where the value lives: ``Observation`` (a measured value; OMOP ``measurement``) or
  ``Condition`` (a diagnosis; OMOP ``condition_occurrence``);
* ``system``: ``LOINC`` or ``SNOMED`` (:data:`SYSTEM_URIS` gives the FHIR ``Coding.system``);
* ``code``, ``display``: the code and its name as the code system writes it;
* ``unit``: the UCUM unit a source typically writes (``10*3/uL``, ``mm[Hg]``); a hint for people, never used to
  assume a unit: every value is converted from the unit its record states;
* ``evidence``: where the code was checked (``fhir-bundles``: seen in ../shared/fhir; ``synthea27nj-concept``:
  in the OMOP ``concept`` table of OHDSI's Synthea27Nj; ``public-reference``: public LOINC/SNOMED value sets).

Fields with no verifiable code (AMH, QTc, ...) are left out rather than guessed.

:func:`ucum_to_unit_text` is the one place UCUM spellings become the unit text trialkit/criteria/units.py reads.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from trialkit.criteria.fields import FIELDS, row_problem
from trialkit.errors import TrialkitError, with_source
from trialkit.message import Message
from trialkit.paths import PROJECT_ROOT

TABLE_PATH = PROJECT_ROOT / "data" / "terminology" / "fields.csv"
SYSTEM_URIS = {"LOINC": "http://loinc.org", "SNOMED": "http://snomed.info/sct"}
RESOURCES = ("Observation", "Condition")
COLUMNS = ("field", "resource", "system", "code", "display", "unit", "evidence")
_CODE_FORMS = {"LOINC": re.compile(r"^\d{1,7}-\d$"), "SNOMED": re.compile(r"^\d{6,18}$")}


class TerminologyError(TrialkitError):
    """The terminology table is malformed (names the file, row and column)."""


@dataclass(frozen=True)
class Coding:
    field: str
    resource: str  # "Observation" | "Condition"
    system: str  # "LOINC" | "SNOMED"
    code: str
    display: str
    unit: str  # UCUM as sources typically write it ("" for conditions)

    @property
    def system_uri(self) -> str:
        return SYSTEM_URIS[self.system]


@dataclass(frozen=True)
class Terminology:
    codings: tuple[Coding, ...]

    def for_field(self, field: str) -> tuple[Coding, ...]:
        return tuple(c for c in self.codings if c.field == field)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.field for c in self.codings))

    def lookup(self, system_uri: str | None, code: str | None) -> Coding | None:
        """The row for a FHIR ``Coding`` (system URI + code), or None."""
        return self._index().get((system_uri or "", code or ""))

    def _index(self) -> dict[tuple[str, str], Coding]:
        return {(c.system_uri, c.code): c for c in self.codings}


def read_table(path: Path | str = TABLE_PATH, *, known_fields=None) -> Terminology:
    """Read and check the table; rows for fields the engine does not know are skipped."""
    path = Path(path)
    known = FIELDS if known_fields is None else known_fields
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TerminologyError(with_source(path, Message("cannot read the terminology table ({error})",
                                                         error=exc.strerror))) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise TerminologyError(with_source(path, Message("missing column(s) {columns}", columns=", ".join(missing))))
    out: list[Coding] = []
    seen: set[tuple[str, str]] = set()
    for row_no, row in enumerate(reader, start=2):  # row 1 is the header
        def bad(column: str, why: Message):
            return TerminologyError(with_source(path, row_problem(row_no, column, why)))
        values = {k: (row.get(k) or "").strip() for k in COLUMNS}
        if values["resource"] not in RESOURCES:
            raise bad("resource", Message("{value!r} is not one of {choices}", value=values["resource"],
                                          choices=", ".join(RESOURCES)))
        if values["system"] not in SYSTEM_URIS:
            raise bad("system", Message("{value!r} is not one of {choices}", value=values["system"],
                                        choices=", ".join(SYSTEM_URIS)))
        if not _CODE_FORMS[values["system"]].match(values["code"]):
            raise bad("code", Message("{value!r} is not a {system} code", value=values["code"],
                                      system=values["system"]))
        if not values["display"]:
            raise bad("display", Message("empty"))
        key = (values["system"], values["code"])
        if key in seen:
            raise bad("code", Message("{system} {code} is listed twice", system=values["system"],
                                      code=values["code"]))
        seen.add(key)
        if values["field"] not in known:
            continue  # a field another part of trialkit has not added yet
        out.append(Coding(values["field"], values["resource"], values["system"], values["code"],
                          values["display"], values["unit"]))
    return Terminology(tuple(out))


@lru_cache(maxsize=1)
def terminology() -> Terminology:
    """The project's table (cached)."""
    return read_table()


_UCUM_REWRITES = [
    (re.compile(r"\{[^}]*\}"), ""),  # annotations: {score}, {1.73_m2}, {INR}
    (re.compile(r"\[(?:iU|IU)\]"), "IU"),  # m[IU]/mL -> mIU/mL
    (re.compile(r"\[Hg\]"), "Hg"),  # mm[Hg] -> mmHg
]


def ucum_to_unit_text(ucum: str) -> str:
    """A UCUM code as the unit text trialkit's unit parser reads: ``m[IU]/mL`` -> ``mIU/mL``,
    ``mL/min/{1.73_m2}`` -> ``mL/min``, ``{INR}`` -> ``""`` (a bare number), ``10*3/uL`` unchanged."""
    text = ucum.strip()
    for pattern, repl in _UCUM_REWRITES:
        text = pattern.sub(repl, text)
    text = re.sub(r"/+$", "", text.strip())
    return text.strip()
