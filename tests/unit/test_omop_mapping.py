"""The OMOP mapping's coverage and the value kinds added in issue 14's second round: every field of the one
terminology table is mapped; pregnancy is a condition active at the index date (within its lookback, not
ended); a lab in a unit read through the one UCUM reader converts, and a unit that is not there is listed."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from trialkit.omop.compile import person_values
from trialkit.omop.mapping import load_mapping, ucum_to_unit
from trialkit.omop.source import open_source
from trialkit.terminology import terminology

IDX = dt.date(2026, 1, 1)


def test_every_field_of_the_terminology_table_has_an_omop_mapping():
    mapping = load_mapping()
    missing = [f for f in terminology().fields if f not in mapping]
    assert not missing, f"fields with codes but no row in data/omop/fields.csv: {missing}"
    for f in terminology().fields:
        assert mapping[f].codes, f
        assert mapping[f].cdm_table == ("measurement" if terminology().for_field(f)[0].resource == "Observation"
                                        else "condition_occurrence")


def test_ucum_is_read_in_one_place():
    assert ucum_to_unit("m[IU]/mL") == "mIU/mL"
    assert ucum_to_unit("mm[Hg]") == "mmHg"
    assert ucum_to_unit("{INR}") is None
    assert ucum_to_unit(None) is None


def _folder(tmp_path):
    d = tmp_path / "omop"
    d.mkdir()
    day = lambda k: IDX - dt.timedelta(days=k)  # noqa: E731
    pd.DataFrame({"person_id": [1, 2, 3, 4], "gender_concept_id": [8532] * 4, "year_of_birth": [1990] * 4,
                  "month_of_birth": [1] * 4, "day_of_birth": [1] * 4}).to_parquet(d / "person.parquet")
    pd.DataFrame({"concept_id": [4217975, 3027018, 3006923, 8541, 8483],
                  "vocabulary_id": ["SNOMED", "LOINC", "LOINC", "UCUM", "UCUM"],
                  "concept_code": ["72892002", "8867-4", "1742-6", "/min", "counts/min"],
                  "concept_name": ["Normal pregnancy", "Heart rate", "ALT", "per minute", "counts per minute"]}
                 ).to_parquet(d / "concept.parquet")
    pd.DataFrame({"person_id": [1, 2, 3, 4], "condition_concept_id": [4217975] * 4,
                  "condition_start_date": [day(100), day(400), day(200), day(-5)],
                  "condition_end_date": [None, None, day(10), None]}).to_parquet(d / "condition_occurrence.parquet")
    pd.DataFrame({"measurement_id": [1, 2, 3, 4], "person_id": [1, 2, 1, 3],
                  "measurement_concept_id": [3027018, 3027018, 3006923, 3006923],
                  "measurement_date": [day(10), day(20), day(5), day(5)],
                  "value_as_number": [72.0, 80.0, 30.0, 25.0], "unit_concept_id": [8541, 8541, 0, 8483]}
                 ).to_parquet(d / "measurement.parquet")
    return d


def test_pregnancy_active_at_index_and_units(tmp_path):
    src = open_source(str(_folder(tmp_path)))
    pv = person_values(src, ["pregnant", "heart_rate", "alt"], IDX)
    df = pv.table.to_pandas().set_index("person_id").sort_index()
    # started 100 days before, not ended: yes; 400 days before (beyond 300): unknown; ended 10 days before the
    # index date: unknown; starts after it: unknown. Absence is never "no".
    assert bool(df.loc[1, "pregnant"]) is True
    assert df["pregnant"].iloc[1:].isna().all()
    assert df.loc[1, "heart_rate"] == 72.0 and df.loc[2, "heart_rate"] == 80.0 and pd.isna(df.loc[3, "heart_rate"])
    # ALT with no unit concept (0) and with a unit that is not an enzyme activity: unknown, and listed
    assert df["alt"].isna().all()
    listed = {(f, concept, unit) for f, concept, unit, _ in pv.unconvertible}
    assert ("alt", 3006923, None) in listed and ("alt", 3006923, "counts/min") in listed
