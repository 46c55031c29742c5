"""The simulated reference cohort: reproducible, realistic joint structure, stated sources."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trialkit.cohort.params import PARAMS, POPULATIONS, default_params, params_hash, population_for, validate_params
from trialkit.cohort.simulate import HR_TYPES, simulate
from trialkit.errors import TrialkitError

FET = ["sex", "age", "bmi", "cycle_length", "regular_cycle_months", "afc", "fsh", "sex_hormones_normal",
       "good_blastocysts", "ovarian_cyst_size", "fibroid_size", "hemoglobin", "platelets",
       "months_since_other_trial", "severe_iua_treated", "informed_consent"]
HPV = ["sex", "age", "sexual_history_years", "hpv_types", "pregnant", "hsil_or_cervical_cancer", "hpv_vaccinated"]


def test_same_seed_same_cohort_and_different_seed_differs():
    p = default_params("fertility")
    a = simulate(FET, 5000, 42, p).frame
    b = simulate(FET, 5000, 42, p).frame
    pd.testing.assert_frame_equal(a, b)
    c = simulate(FET, 5000, 43, p).frame
    assert not a["bmi"].equals(c["bmi"])
    # adding a field does not change the others (one stream per field)
    d = simulate(FET + ["pregnant"], 5000, 42, p).frame
    pd.testing.assert_series_equal(a["fsh"], d["fsh"])


def test_joint_structure_fertility():
    f = simulate(FET, 200_000, 1, default_params("fertility")).frame
    both = f["afc"].notna() & f["fsh"].notna()
    assert np.corrcoef(f.loc[both, "age"], f.loc[both, "afc"])[0, 1] < -0.2, "AFC falls with age"
    assert np.corrcoef(f.loc[both, "age"], f.loc[both, "fsh"])[0, 1] > 0.1, "FSH rises with age"
    assert np.corrcoef(f.loc[both, "afc"], f.loc[both, "fsh"])[0, 1] < -0.1, "low AFC goes with high FSH"
    assert 20 <= f["age"].min() and f["age"].max() <= 45
    assert (f["sex"] == "female").all()
    hb = f["hemoglobin"].dropna()
    assert 120 < hb.mean() < 136 and 8 < hb.std() < 16
    pl = f["platelets"].dropna()
    assert 230 < pl.mean() < 280 and 45 < pl.std() < 75
    # haemoglobin and platelets come from one blood count: missing together
    assert (f["hemoglobin"].isna() == f["platelets"].isna()).all()
    # realistic missingness: within the published 43–62% range overall for the lab/imaging fields
    lab = f[["afc", "fsh", "hemoglobin", "ovarian_cyst_size", "cycle_length"]].isna().mean().mean()
    assert 0.43 <= lab <= 0.62
    assert f["informed_consent"].isna().all() if "informed_consent" in f else True
    assert f["sex_hormones_normal"].dtype == "boolean"
    never = f["months_since_other_trial"]
    assert np.isinf(never).mean() > 0.3  # most never took part in a trial


def test_informed_consent_is_not_invented():
    sim = simulate(FET, 100, 1, default_params("fertility"))
    assert "informed_consent" in sim.not_simulated and "informed_consent" not in sim.frame
    assert "screening visit" in sim.notes["informed_consent"]
    sim = simulate(["made_up_field"], 10, 1)
    assert sim.not_simulated == ["made_up_field"]


def test_hpv_mix():
    f = simulate(HPV, 100_000, 5, default_params("hpv")).frame
    s = f["hpv_types"].dropna().astype(str)
    has_hr = s.str.split(";").map(lambda t: bool(set(t) & set(HR_TYPES)))
    assert 0.75 < has_hr.mean() < 0.9
    first = s.str.split(";").explode().value_counts()
    assert first.index[0] in {"16", "52"}  # the commonest types among Chinese women
    assert 0.15 < s.str.contains(";").mean() < 0.25
    assert f["pregnant"].dtype == "boolean"
    assert abs(f["pregnant"].mean() - 0.03) < 0.01


def test_every_parameter_has_a_source_or_says_assumption():
    for p in PARAMS:
        assert p.provenance == "assumption" or len(p.provenance) > 20, p.key
    sourced = [p for p in PARAMS if p.source]
    assert any("Bull" in p.source for p in sourced) and any("0.50 follicle" in p.source for p in sourced)


def test_params_validation_and_hash():
    p = default_params("hpv")
    assert params_hash(p) == params_hash(dict(reversed(list(p.items()))))
    assert params_hash(p) != params_hash({**p, "bmi.mean": 23})
    with pytest.raises(TrialkitError, match="bmi.sd"):
        validate_params({"bmi.sd": -1})
    with pytest.raises(TrialkitError, match="unknown simulation parameter"):
        validate_params({"nope": 1})
    with pytest.raises(TrialkitError, match="age.min"):
        validate_params({"age.min": 50, "age.max": 40})
    with pytest.raises(TrialkitError):
        simulate(["bmi"], 0, 1)
    with pytest.raises(TrialkitError):
        simulate(["bmi"], 10, -1)


def test_population_guess():
    assert population_for(["afc", "age"]) is POPULATIONS["fertility"]
    assert population_for(["hpv_types"]) is POPULATIONS["hpv"]
    assert population_for(["age"]) is POPULATIONS["general"]
