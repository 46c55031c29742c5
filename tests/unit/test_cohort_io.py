"""The user's cohort CSV: conversion with units, and bad files with row-and-column messages."""
from __future__ import annotations

import numpy as np
import pytest

from trialkit.cohort.io import CohortFileError, read_cohort_csv

GOOD = (b"patient_id,age,bmi,hemoglobin,platelets,fsh,pregnant,sex,hpv_types,months_since_other_trial\n"
        b"A,30,22.5,9.8 g/dL,150 10^3/uL,7 mIU/mL,no,female,\"16,52\",never\n"
        b"B,,,120,,,yes,F,none,2\n"
        b"C,40,\"31,5\",12.1 g/dl,,,unknown,male,HPV16,\n")


def test_good_file_converts_units_and_unknowns():
    cf = read_cohort_csv(GOOD)
    f = cf.frame
    assert list(cf.patient_ids) == ["A", "B", "C"]
    assert f["hemoglobin"].tolist() == [98.0, 120.0, 121.0]
    assert f["platelets"].tolist()[0] == 150.0 and np.isnan(f["platelets"].tolist()[1])
    assert f["fsh"].tolist()[0] == 7.0
    assert f["bmi"].tolist()[2] == 31.5  # decimal comma in a quoted cell
    assert f["months_since_other_trial"].tolist()[:2] == [np.inf, 2.0]
    assert str(f["pregnant"].dtype) == "boolean" and f["pregnant"].isna().tolist() == [False, False, True]
    assert f["sex"].astype(str).tolist() == ["female", "female", "male"]
    assert f["hpv_types"].astype(str).tolist()[:2] == ["16;52", ""]
    assert len(cf.sha256) == 64


def _problems(data: bytes) -> list[str]:
    with pytest.raises(CohortFileError) as exc:
        read_cohort_csv(data)
    return exc.value.problems


def test_bad_cells_name_row_and_column():
    probs = _problems(b"patient_id,age,fsh,pregnant,sex,hpv_types,afc\n"
                      b"A,thirty,3 g/dL,maybe,female,16;x,2.5\n"
                      b"A,-3,,yes,robot,none,\n")
    assert "row 2: age: 'thirty' is not a number" in probs
    assert any(p.startswith("row 2: fsh: unit 'g/dL'") for p in probs)
    assert "row 2: pregnant: 'maybe' is not yes or no" in probs
    assert any(p.startswith("row 2: hpv_types:") for p in probs)
    assert any(p.startswith("row 2: afc:") and "whole number" in p for p in probs)
    assert "row 3: age: '-3' is negative" in probs
    assert "row 3: sex: 'robot' is not female or male" in probs
    assert any(p.startswith("row 3: patient_id:") for p in probs)
    rows = [int(p.split(":")[0].split()[1]) for p in probs]
    assert rows == sorted(rows)


def test_bad_files():
    assert _problems(b"age,foo\n1,2\n")[0].startswith("row 1: foo: not a candidate field")
    assert _problems(b"age,age\n1,2\n")[0] == "row 1: age: column appears twice"
    assert _problems(b"age,bmi\n1,2\n3,4,5\n") == ["row 3: file: 3 cells where the header has 2"]
    assert _problems(b"")[0].startswith("file: empty")
    assert _problems(b"age,bmi\n")[0].startswith("file: has a header but no patient rows")
    assert _problems(b"age\n\xff\xfe1\n")[0].startswith("file: not UTF-8")
    with pytest.raises(CohortFileError, match="larger than"):
        read_cohort_csv(b"age\n" + b"30\n" * 1000, max_bytes=100)


def test_many_problems_are_capped():
    data = b"age\n" + b"x\n" * 500
    probs = _problems(data)
    assert len(probs) == 201 and probs[-1].startswith("file: … and 300 more")


def test_unnamed_column_and_hpv_prefix():
    assert _problems(b"age,,bmi\n1,2,3\n") == ["row 1: column 2: has no name"]
    cf = read_cohort_csv(b"hpv_types\nHPV16/HPV52\n06\n")
    assert cf.frame["hpv_types"].astype(str).tolist() == ["16;52", "6"]
