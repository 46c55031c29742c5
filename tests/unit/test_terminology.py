"""The terminology table (data/terminology/fields.csv) and its loader."""
from __future__ import annotations

import pytest

from trialkit.criteria.fields import FIELDS
from trialkit.criteria.units import convert
from trialkit.terminology import (TerminologyError, read_table, terminology, ucum_to_unit_text, COLUMNS,
                                  TABLE_PATH)

# Codes the brief names and that were checked against ../shared data or public references.
EXPECTED = {
    "bmi": {"39156-5"}, "hemoglobin": {"718-7"}, "platelets": {"777-3", "26515-7"}, "wbc": {"6690-2", "26464-8"},
    "creatinine": {"2160-0", "38483-4"}, "fsh": {"15067-2"}, "anc": {"751-8"}, "bilirubin": {"1975-2", "42719-5"},
    "crp": {"1988-5"}, "pregnant": {"77386006", "72892002"},
    # fields other engineers add in parallel; checked only once the engine knows them
    "weight": {"29463-7"}, "hba1c": {"4548-4"}, "sbp": {"8480-6"}, "dbp": {"8462-4"}, "alt": {"1742-6"},
    "ast": {"1920-8"}, "albumin": {"1751-7"}, "glucose": {"2345-7", "2339-0"}, "potassium": {"2823-3", "6298-4"},
    "inr": {"6301-6", "34714-6"}, "hematocrit": {"4544-3", "20570-8"},
}


@pytest.mark.parametrize("field", sorted(EXPECTED))
def test_known_field_has_its_codes(field):
    if field not in FIELDS:
        pytest.skip(f"{field} is not a candidate field yet")
    assert {c.code for c in terminology().for_field(field)} == EXPECTED[field]


def test_every_row_names_a_known_field_resource_and_system():
    t = terminology()
    assert t.codings, "the table is empty"
    for c in t.codings:
        assert c.field in FIELDS
        spec = FIELDS[c.field]
        if c.resource == "Condition":
            assert spec.kind == "yesno" and c.system == "SNOMED"
        else:
            assert spec.kind == "number" and c.system == "LOINC"


def test_typical_units_convert_to_the_canonical_unit():
    """The unit a source typically writes must be one trialkit can convert (else the row is useless)."""
    for c in terminology().codings:
        if c.resource == "Observation":
            convert(FIELDS[c.field], 1.0, ucum_to_unit_text(c.unit))


def test_lookup_by_fhir_coding():
    t = terminology()
    assert t.lookup("http://loinc.org", "38483-4").field == "creatinine"
    assert t.lookup("http://snomed.info/sct", "72892002").field == "pregnant"
    assert t.lookup("http://snomed.info/sct", "38483-4") is None
    assert t.lookup("http://loinc.org", "83101-6") is None  # an HIV panel, not AMH


def test_ucum_spellings():
    assert ucum_to_unit_text("m[IU]/mL") == "mIU/mL"
    assert ucum_to_unit_text("mm[Hg]") == "mmHg"
    assert ucum_to_unit_text("mL/min/{1.73_m2}") == "mL/min"
    assert ucum_to_unit_text("{INR}") == ""
    assert ucum_to_unit_text("10*3/uL") == "10*3/uL"


def _write(tmp_path, rows):
    p = tmp_path / "fields.csv"
    p.write_text(",".join(COLUMNS) + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return p


def test_unknown_field_is_skipped(tmp_path):
    p = _write(tmp_path, ["not_a_field_yet,Observation,LOINC,1234-5,Something,mg/dL,x",
                          "bmi,Observation,LOINC,39156-5,BMI,kg/m2,x"])
    assert [c.field for c in read_table(p).codings] == ["bmi"]


@pytest.mark.parametrize("row, where", [
    ("bmi,Observation,LOINC,39156,BMI,kg/m2,x", "row 2: code"),
    ("bmi,Measurement,LOINC,39156-5,BMI,kg/m2,x", "row 2: resource"),
    ("bmi,Observation,ICD10,39156-5,BMI,kg/m2,x", "row 2: system"),
    ("bmi,Observation,LOINC,39156-5,,kg/m2,x", "row 2: display"),
])
def test_malformed_row_names_row_and_column(tmp_path, row, where):
    with pytest.raises(TerminologyError, match=where):
        read_table(_write(tmp_path, [row]))


def test_duplicate_code_is_refused(tmp_path):
    p = _write(tmp_path, ["bmi,Observation,LOINC,39156-5,BMI,kg/m2,x", "weight,Observation,LOINC,39156-5,W,kg,x"])
    with pytest.raises(TerminologyError, match="row 3: code: .*twice"):
        read_table(p)


def test_table_file_is_in_the_repo():
    assert TABLE_PATH.is_file()
