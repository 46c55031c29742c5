"""The OMOP CDM mapping of candidate fields, read from ``data/omop/fields.csv`` (data, not code).

Columns: ``field`` (a candidate field, :mod:`trialkit.criteria.fields`), ``cdm_table`` (``person``,
``measurement``, ``condition_occurrence``); the codes come from the ONE terminology table shared with FHIR,
``data/terminology/fields.csv`` (LOINC / SNOMED per field), resolved to standard concept ids through the
database's own ``concept`` table, never hard-coded ids (``vocabulary_id`` + ``concept_code`` here only for a
field that table does not have yet), ``descendants`` (``yes``: also every
descendant through ``concept_ancestor``), ``value`` (how the value is picked: ``latest`` on or before the index
date within ``lookback_days``; ``any_on_or_before`` for a condition; ``age_at_index`` / ``gender`` for person),
``absence`` (``unknown``, the default, or ``no_while_observed``: no record while an ``observation_period``
covers the index date counts as no, as ATLAS does) and a ``note`` for reviewers.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from trialkit.criteria.fields import FIELDS
from trialkit.errors import TrialkitError
from trialkit.message import Message

MAPPING_PATH = Path(__file__).resolve().parents[2] / "data" / "omop" / "fields.csv"
#: the ONE terminology table shared with the FHIR half (field -> LOINC / SNOMED codes, UCUM unit)
TERMINOLOGY_PATH = Path(__file__).resolve().parents[2] / "data" / "terminology" / "fields.csv"
DEFAULT_LOOKBACK_DAYS = 365
TABLES = {"person", "measurement", "condition_occurrence"}
VALUES = {"person": {"age_at_index", "gender"}, "measurement": {"latest"},
          "condition_occurrence": {"any_on_or_before", "active_at_index"}}


@dataclass(frozen=True)
class FieldMap:
    field: str
    cdm_table: str
    codes: tuple[tuple[str, str], ...]  # (vocabulary_id, concept_code) pairs
    descendants: bool
    value: str
    lookback_days: int
    absence: str
    note: str = ""


def load_terminology(path: str | Path = TERMINOLOGY_PATH) -> dict[str, list[tuple[str, str]]]:
    """field -> [(vocabulary, code), …] from the shared terminology table (LOINC / SNOMED as OMOP's
    ``vocabulary_id`` spells them)."""
    out: dict[str, list[tuple[str, str]]] = {}
    path = Path(path)
    if not path.is_file():
        return out
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            f, system, code = (row.get(k, "") or "" for k in ("field", "system", "code"))
            if f.strip() and system.strip() and code.strip():
                out.setdefault(f.strip(), []).append((system.strip(), code.strip()))
    return out


def _at(where: Message, column: str, reason: Message) -> Message:
    """``"fields.csv: row 3: cdm_table: …"``."""
    return Message("{where}: {column}: {reason}", where=where, column=column, reason=reason)


def load_mapping(path: str | Path = MAPPING_PATH, terminology: str | Path = TERMINOLOGY_PATH
                 ) -> dict[str, FieldMap]:
    """The OMOP-only parts from ``path``; the codes from the shared terminology table (a field's own
    ``vocabulary_id``/``concept_code`` columns are used only while the terminology table has no row for it)."""
    out: dict[str, FieldMap] = {}
    terms = load_terminology(terminology)
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            where = Message("{source}: row {row}", source=path.name, row=i)
            f = (row.get("field") or "").strip()
            if f not in FIELDS:
                raise TrialkitError(_at(where, "field", Message("{value!r} is not a candidate field", value=f)))
            table = (row.get("cdm_table") or "").strip()
            if table not in TABLES:
                raise TrialkitError(_at(where, "cdm_table", Message("{value!r} is not one of {choices}", value=table,
                                                                    choices=str(sorted(TABLES)))))
            value = (row.get("value") or "").strip()
            if value not in VALUES[table]:
                raise TrialkitError(_at(where, "value", Message("{value!r} is not one of {choices}", value=value,
                                                                choices=str(sorted(VALUES[table])))))
            absence = (row.get("absence") or "unknown").strip()
            if absence not in {"unknown", "no_while_observed"}:
                raise TrialkitError(_at(where, "absence", Message("{value!r} (write unknown or no_while_observed)",
                                                                  value=absence)))
            lb = (row.get("lookback_days") or "").strip()
            try:
                lookback = int(lb) if lb else DEFAULT_LOOKBACK_DAYS
            except ValueError:
                raise TrialkitError(_at(where, "lookback_days", Message("{value!r} is not a whole number",
                                                                        value=lb))) from None
            own = ((row.get("vocabulary_id") or "").strip(), (row.get("concept_code") or "").strip())
            codes = tuple(terms.get(f) or ([own] if all(own) else []))
            if table != "person" and not codes:
                raise TrialkitError(_at(where, f, Message("no code in data/terminology/fields.csv nor in this row")))
            if f in out:
                raise TrialkitError(_at(where, "field", Message("{value!r} mapped twice", value=f)))
            out[f] = FieldMap(f, table, codes,
                              (row.get("descendants") or "").strip().lower() == "yes", value, lookback, absence,
                              (row.get("note") or "").strip())
    return out


def ucum_to_unit(ucum: str | None) -> str | None:
    """A UCUM code as unit text the project's pint code reads (:func:`trialkit.terminology.ucum_to_unit_text`,
    the one place UCUM spellings are read); None when there is none (``{INR}``, a bare annotation)."""
    if ucum is None:
        return None
    from trialkit.terminology import ucum_to_unit_text

    return ucum_to_unit_text(str(ucum)) or None
