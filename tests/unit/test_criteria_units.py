"""Units: per-analyte conversions with pint, and refusals that name the field and the unit."""
from __future__ import annotations

import math

import pytest

from trialkit.criteria.fields import FIELDS
from trialkit.criteria.units import normalise_unit, to_canonical
from trialkit.errors import CandidateError


@pytest.mark.parametrize("field,text,expected", [
    # haemoglobin g/dL <-> g/L (g/L = 10 × g/dL), decimal comma, "gm", mmol/L via Hb monomer molar mass
    ("hemoglobin", "9.8 g/dL", 98.0),
    ("hemoglobin", "9,8 g/dL", 98.0),
    ("hemoglobin", "8 gm/dl", 80.0),
    ("hemoglobin", "100 g/L", 100.0),
    ("hemoglobin", "98", 98.0),
    ("hemoglobin", "6.2 mmol/L", pytest.approx(99.91, abs=0.01)),  # 6.2 × 16.1145
    # FSH: 1 IU/L = 1 mIU/mL
    ("fsh", "7 mIU/mL", 7.0),
    ("fsh", "7 IU/L", 7.0),
    ("fsh", "10,4 mIU/ml", 10.4),
    # platelets: 10^9/L = 10^3/µL = K/µL = /nL
    ("platelets", "150 10^3/uL", 150.0),
    ("platelets", "150 10^3/µL", 150.0),
    ("platelets", "150 10³/μL", 150.0),
    ("platelets", "150 K/uL", 150.0),
    ("platelets", "150×10⁹/L", 150.0),
    ("platelets", "150 x10^9/L", 150.0),
    ("platelets", "150 x10E9/L", 150.0),
    ("platelets", "150 G/L", 150.0),
    ("platelets", "100000/mm^3", 100.0),
    ("platelets", "50000/ul", 50.0),
    ("anc", "1500/mm^3", 1.5),
    # lengths
    ("ovarian_cyst_size", "2 cm", 20.0),
    ("ovarian_cyst_size", "2,5 cm", 25.0),
    ("ovarian_cyst_size", "19 mm", 19.0),
    ("fibroid_size", "3.1 cm", 31.0),
    # time
    ("age", "38 years", 38.0),
    ("age", "38 y", 38.0),
    ("age", "456 months", 38.0),
    ("cycle_length", "4 weeks", 28.0),
    ("cycle_length", "28 d", 28.0),
    ("months_since_other_trial", "1 year", 12.0),
    ("months_since_other_trial", "never", math.inf),
    ("regular_cycle_months", "0.5 years", 6.0),
    # others
    ("bmi", "22 kg/m2", 22.0),
    ("bmi", "22 kg/m²", 22.0),
    ("creatinine", "88.4 umol/L", pytest.approx(1.0, abs=1e-3)),
    ("lvef", "50%", 50.0),
    ("afc", "6", 6.0),
])
def test_conversions(field, text, expected):
    assert to_canonical(field, text) == expected


@pytest.mark.parametrize("field,text,words", [
    ("fsh", "3 g/dL", ["fsh", "g/dL"]),
    ("hemoglobin", "9.8 IU/L", ["hemoglobin", "IU/L"]),
    ("platelets", "150 mg", ["platelets", "mg"]),
    ("age", "38 kg", ["age", "kg"]),
    ("afc", "6 mm", ["afc", "mm"]),  # a count takes no unit
    ("hemoglobin", "9.8 blorbs", ["hemoglobin", "blorbs"]),
    ("fsh", "6 mmol/L", ["fsh", "mmol/L"]),  # molar units only for analytes with a molar mass
    ("age", "abc", ["age", "not a number"]),
    ("age", "-3", ["age", "negative"]),
    ("afc", "5.5", ["afc", "whole number"]),
    ("bmi", "never", ["bmi", "not a number"]),  # "never" only for time-since fields
])
def test_refusals_name_field_and_unit(field, text, words):
    with pytest.raises(CandidateError) as exc:
        to_canonical(field, text)
    for w in words:
        assert w in str(exc.value)


def test_unknown_field():
    with pytest.raises(CandidateError, match="unknown field 'weight_kg'"):
        to_canonical("weight_kg", "70")


def test_normalise_unit_spellings():
    assert normalise_unit("10^9/L") == "1e9/L"
    assert normalise_unit("×10⁹/L") == "1e9/L"
    assert normalise_unit("kg/m²") == "kg/m**2"
    assert normalise_unit("/µl") == "1/ul"


def test_every_numeric_field_converts_its_own_unit():
    for spec in FIELDS.values():
        if spec.kind == "number" and spec.pint_unit and not spec.allow_never:
            unit = spec.unit.replace("×", "")
            assert to_canonical(spec, f"{spec.high} {unit}") == pytest.approx(spec.high), spec.name
