"""Three-valued evaluation: boundaries on both sides of every bound of both seed trials, unknowns,
bad inputs, the candidate path agreeing with the vectorised frame path, and "what would change this"."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from trialkit.catalog import default_catalog
from trialkit.criteria.evaluate import (FAIL, PASS, UNKNOWN, candidate_frame, evaluate_candidate,
                                        evaluate_frame, nearest_changes, parse_candidate)
from trialkit.criteria.fields import FIELDS
from trialkit.criteria.rules import FactRule, RangeRule
from trialkit.criteria.ruleset import Ruleset, load_ruleset
from trialkit.errors import CandidateError
from trialkit.models import EligibilityCriterion


@pytest.fixture(scope="module")
def ivf():
    return load_ruleset(default_catalog().load("NCT07176143"))


@pytest.fixture(scope="module")
def hpv():
    return load_ruleset(default_catalog().load("NCT06610773"))


def status_of(ruleset, cid, **values):
    result = evaluate_candidate(ruleset, parse_candidate({k: str(v) for k, v in values.items()}))
    return next(c.status for c in result.criteria if c.id == cid)


def rule_code(ruleset, cid, field, **values):
    """The condition code of the rule on ``field`` in criterion ``cid`` (1 true, 0 unknown, -1 false)."""
    result = evaluate_candidate(ruleset, parse_candidate({k: str(v) for k, v in values.items()}))
    return next(o.code for o in result.rules[cid] if getattr(o.rule, "field", None) == field)


# -- NCT07176143: inclusion bounds (criterion passes only when every rule of it is true) ---------------------
IVF_INCLUSION = [
    # criterion, values, expected status
    ("I2", {"age": 19}, "fail"), ("I2", {"age": 19.9}, "fail"), ("I2", {"age": 20}, "pass"),
    ("I2", {"age": 38}, "pass"), ("I2", {"age": 38.1}, "fail"), ("I2", {"age": 39}, "fail"),
    ("I3", {"bmi": 17.9}, "fail"), ("I3", {"bmi": 18}, "pass"), ("I3", {"bmi": 27}, "pass"),
    ("I3", {"bmi": 27.1}, "fail"),
    ("I4", {"cycle_length": 26, "regular_cycle_months": 6}, "fail"),
    ("I4", {"cycle_length": 27, "regular_cycle_months": 6}, "pass"),
    ("I4", {"cycle_length": 35, "regular_cycle_months": 6}, "pass"),
    ("I4", {"cycle_length": 36, "regular_cycle_months": 6}, "fail"),
    ("I4", {"cycle_length": 28, "regular_cycle_months": 5}, "fail"),
    ("I4", {"cycle_length": 28}, "unknown"),
    ("I5", {"afc": 5, "fsh": 5, "sex_hormones_normal": "yes"}, "fail"),
    ("I5", {"afc": 6, "fsh": 5, "sex_hormones_normal": "yes"}, "pass"),
    ("I5", {"afc": 6, "fsh": 0.9, "sex_hormones_normal": "yes"}, "fail"),
    ("I5", {"afc": 6, "fsh": 1, "sex_hormones_normal": "yes"}, "pass"),
    ("I5", {"afc": 6, "fsh": 10, "sex_hormones_normal": "yes"}, "pass"),
    ("I5", {"afc": 6, "fsh": "10 mIU/mL", "sex_hormones_normal": "yes"}, "pass"),
    ("I5", {"afc": 6, "fsh": 10.4, "sex_hormones_normal": "yes"}, "fail"),
    ("I5", {"fsh": 5, "sex_hormones_normal": "yes"}, "unknown"),  # needs AFC
    ("I5", {"fsh": 10.4}, "fail"),  # one false condition decides an AND even with unknowns
    ("I6", {"months_since_negative_serology": 6}, "pass"),
    ("I6", {"months_since_negative_serology": 6.5}, "fail"),
    ("I6", {"months_since_negative_serology": "never"}, "fail"),
    ("I7", {"good_blastocysts": 1}, "fail"), ("I7", {"good_blastocysts": 2}, "pass"),
    ("I8", {"severe_iua_treated": "yes", "months_since_normal_hysteroscopy": 3}, "pass"),
    ("I8", {"severe_iua_treated": "yes", "months_since_normal_hysteroscopy": 3.5}, "fail"),
    ("I8", {"severe_iua_treated": "no", "months_since_normal_hysteroscopy": 1}, "fail"),
    ("I9", {"cancelled_fet_thin_endometrium": "yes"}, "pass"),
    ("I9", {"cancelled_fet_thin_endometrium": "no"}, "fail"),
    ("SEX", {"sex": "female"}, "pass"), ("SEX", {"sex": "male"}, "fail"), ("SEX", {}, "unknown"),
]


@pytest.mark.parametrize("cid,values,expected", IVF_INCLUSION)
def test_ivf_inclusion_boundaries(ivf, cid, values, expected):
    assert status_of(ivf, cid, **values) == expected


# Exclusions: an excluding condition that is true fails the criterion. E1 and E10 also carry a judgment
# rule, so when their numbers do not exclude they stay unknown (never pass) until a clinician decides.
IVF_EXCLUSION = [
    ("E1", "ovarian_cyst_size", {"ovarian_cyst_size": 19.9}, -1, "unknown"),
    ("E1", "ovarian_cyst_size", {"ovarian_cyst_size": 20}, 1, "fail"),
    ("E1", "ovarian_cyst_size", {"ovarian_cyst_size": "2 cm"}, 1, "fail"),
    ("E1", "fibroid_size", {"fibroid_size": 30}, -1, "unknown"),
    ("E1", "fibroid_size", {"fibroid_size": 30.1}, 1, "fail"),
    ("E10", "platelets", {"platelets": 99.9}, 1, "fail"),
    ("E10", "platelets", {"platelets": 100}, -1, "unknown"),
    ("E10", "platelets", {"platelets": "150 10^3/uL"}, -1, "unknown"),
    ("E10", "platelets", {"platelets": "99 K/uL"}, 1, "fail"),
    ("E10", "hemoglobin", {"hemoglobin": 99.9}, 1, "fail"),
    ("E10", "hemoglobin", {"hemoglobin": 100}, -1, "unknown"),
    ("E10", "hemoglobin", {"hemoglobin": "9.99 g/dL"}, 1, "fail"),
    ("E10", "hemoglobin", {"hemoglobin": "10 g/dL"}, -1, "unknown"),
    ("E16", "months_since_other_trial", {"months_since_other_trial": 3}, 1, "fail"),
    ("E16", "months_since_other_trial", {"months_since_other_trial": 3.1}, -1, "pass"),
    ("E16", "months_since_other_trial", {"months_since_other_trial": "never"}, -1, "pass"),
    ("E16", "months_since_other_trial", {}, 0, "unknown"),
    ("E7", "months_since_abnormal_cytology", {"months_since_abnormal_cytology": 12}, 1, "fail"),
    ("E7", "months_since_abnormal_cytology", {"months_since_abnormal_cytology": 12.5}, -1, "pass"),
    ("E4", "unexplained_vaginal_bleeding", {"unexplained_vaginal_bleeding": "yes"}, 1, "fail"),
    ("E4", "unexplained_vaginal_bleeding", {"unexplained_vaginal_bleeding": "no"}, -1, "pass"),
]


@pytest.mark.parametrize("cid,field,values,code,expected", IVF_EXCLUSION)
def test_ivf_exclusion_boundaries(ivf, cid, field, values, code, expected):
    assert rule_code(ivf, cid, field, **values) == code
    assert status_of(ivf, cid, **values) == expected


HPV_TABLE = [
    ("I1", {"sex": "female", "age": 24, "sexual_history_years": 3}, "fail"),
    ("I1", {"sex": "female", "age": 25, "sexual_history_years": 3}, "pass"),
    ("I1", {"sex": "female", "age": 60, "sexual_history_years": 3}, "pass"),
    ("I1", {"sex": "female", "age": 61, "sexual_history_years": 3}, "fail"),
    ("I1", {"sex": "female", "age": 30, "sexual_history_years": 2}, "fail"),  # "more than 2 years"
    ("I1", {"sex": "female", "age": 30, "sexual_history_years": 2.5}, "pass"),
    ("I1", {"sex": "male", "age": 30, "sexual_history_years": 3}, "fail"),
    ("I1", {"age": 30, "sexual_history_years": 3}, "unknown"),
    ("I2", {"hpv_types": "16", "hpv_persistent_infection": "yes"}, "pass"),
    ("I2", {"hpv_types": "HPV52, HPV6", "hpv_persistent_infection": "yes"}, "pass"),
    ("I2", {"hpv_types": "68", "hpv_persistent_infection": "yes"}, "pass"),
    ("I2", {"hpv_types": "6,11", "hpv_persistent_infection": "yes"}, "fail"),
    ("I2", {"hpv_types": "none", "hpv_persistent_infection": "yes"}, "fail"),
    ("I2", {"hpv_persistent_infection": "yes"}, "unknown"),
    ("I3", {"months_since_other_trial": 0, "recent_anti_hpv_therapy": "no"}, "fail"),
    ("I3", {"months_since_other_trial": "never", "recent_anti_hpv_therapy": "no"}, "pass"),
    ("I3", {"months_since_other_trial": "never", "recent_anti_hpv_therapy": "yes"}, "fail"),
    ("E1", {"preparing_pregnancy": "no", "pregnant": "yes", "breastfeeding": "no"}, "fail"),
    ("E1", {"preparing_pregnancy": "no", "pregnant": "no", "breastfeeding": "no"}, "pass"),
    ("E1", {"pregnant": "no"}, "unknown"),
    ("E2", {"hsil_or_cervical_cancer": "yes"}, "fail"), ("E2", {"hsil_or_cervical_cancer": "no"}, "pass"),
    ("E3", {"hpv_vaccinated": "yes"}, "fail"), ("E3", {"hpv_vaccinated": "no"}, "pass"),
    ("E9", {"months_since_other_trial": 3}, "fail"), ("E9", {"months_since_other_trial": 4}, "pass"),
    ("E10", {"age": 30}, "unknown"),
]


@pytest.mark.parametrize("cid,values,expected", HPV_TABLE)
def test_hpv_boundaries(hpv, cid, values, expected):
    assert status_of(hpv, cid, **values) == expected


# -- whole candidates ------------------------------------------------------------------------------------
FULL_IVF = {"sex": "female", "informed_consent": "yes", "age": "30", "bmi": "22", "cycle_length": "28",
            "regular_cycle_months": "12", "afc": "10", "fsh": "7 mIU/mL", "sex_hormones_normal": "yes",
            "months_since_negative_serology": "2", "good_blastocysts": "3", "severe_iua_treated": "yes",
            "months_since_normal_hysteroscopy": "1", "cancelled_fet_thin_endometrium": "yes",
            "ovarian_cyst_size": "0", "fibroid_size": "0", "recurrent_implantation_failure": "no",
            "unexplained_vaginal_bleeding": "no", "active_pid": "no", "months_since_abnormal_cytology": "never",
            "thromboembolism_history": "no", "platelets": "250 10^3/uL", "hemoglobin": "13 g/dL",
            "recurrent_miscarriage": "no", "chromosomal_abnormality": "no", "teratogenic_exposure": "no",
            "months_since_other_trial": "never"}


def test_full_ivf_candidate_needs_only_judgment(ivf):
    result = evaluate_candidate(ivf, parse_candidate(FULL_IVF))
    assert result.status == "needs_review"
    assert result.failed_ids() == []
    judgment = [c.id for c in ivf.criteria if any(r.kind == "judgment" for r in c.rules)]
    assert result.unknown_ids() == judgment
    assert set(judgment) == {"I1", "E1", "E2", "E6", "E8", "E10", "E11", "E14", "E17", "E18"}
    for cid in judgment:
        assert "needs a clinician's judgment" in next(c.reason for c in result.criteria if c.id == cid)
    assert result.judgment_only_ids() == judgment
    partial = evaluate_candidate(ivf, parse_candidate({k: v for k, v in FULL_IVF.items() if k != "bmi"}))
    assert "I3" in partial.unknown_ids() and "I3" not in partial.judgment_only_ids()


@pytest.mark.parametrize("change,failed", [
    ({"age": "39"}, ["I2"]), ({"fsh": "10.4"}, ["I5"]), ({"hemoglobin": "9.8 g/dL"}, ["E10"]),
    ({"platelets": "99"}, ["E10"]), ({"sex": "male"}, ["SEX"]), ({"months_since_other_trial": "2"}, ["E16"]),
])
def test_one_change_makes_ineligible(ivf, change, failed):
    result = evaluate_candidate(ivf, parse_candidate({**FULL_IVF, **change}))
    assert result.status == "ineligible"
    assert result.failed_ids() == failed


def test_reasons_are_readable(ivf):
    result = evaluate_candidate(ivf, parse_candidate({"fsh": "10.4", "hemoglobin": "9.8 g/dL"}))
    reasons = {c.id: c.reason for c in result.criteria}
    assert reasons["I5"] == "FSH 10.4 IU/L is above the maximum of 10 IU/L"
    assert reasons["E10"] == "Haemoglobin 98 g/L is below 100 g/L (excludes)"
    assert reasons["I3"] == "needs BMI"
    i5 = next(c for c in evaluate_candidate(ivf, {"fsh": 5.0}).criteria if c.id == "I5")
    assert i5.status == "unknown" and i5.reason.startswith("needs AFC")
    assert reasons["E17"].startswith("needs a clinician's judgment")


def test_eligible_when_everything_passes():
    rs = Ruleset("NCT00000000", [
        EligibilityCriterion(id="I1", kind="inclusion", text="Age 18-65",
                             rules=[RangeRule(field="age", minimum=18, maximum=65)]),
        EligibilityCriterion(id="E1", kind="exclusion", text="Pregnant",
                             rules=[FactRule(field="pregnant")]),
    ])
    assert evaluate_candidate(rs, {"age": 30.0, "pregnant": False}).status == "eligible"
    assert evaluate_candidate(rs, {"age": 30.0}).status == "needs_review"
    assert evaluate_candidate(rs, {"age": 30.0, "pregnant": True}).status == "ineligible"
    assert evaluate_candidate(rs, {}).status == "needs_review"


def test_to_json_shape(ivf):
    out = evaluate_candidate(ivf, parse_candidate({"age": "39"})).to_json("NCT07176143")
    assert out["trial"] == "NCT07176143" and out["status"] == "ineligible"
    assert [c["id"] for c in out["criteria"]] == [c.id for c in ivf.criteria]
    assert set(out["criteria"][0]) == {"id", "kind", "status", "reason"}
    assert {c["status"] for c in out["criteria"]} <= {"pass", "fail", "unknown"}


# -- bad inputs -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pairs,words", [
    ({"shoe_size": "42"}, "unknown field 'shoe_size'"),  # weight is a field since issue 15
    ({"fsh": "3 g/dL"}, "fsh: unit 'g/dL'"),
    ({"pregnant": "maybe"}, "pregnant: 'maybe' is not yes or no"),
    ({"sex": "x"}, "sex: 'x' is not female or male"),
    ({"hpv_types": "16,abc"}, "hpv_types: 'abc'"),
    ({"age": "old"}, "age: 'old' is not a number"),
    ({"afc": "6.5"}, "afc"),
])
def test_bad_inputs(pairs, words):
    with pytest.raises(CandidateError, match=words):
        parse_candidate(pairs)


def test_unknown_words_leave_a_field_out():
    assert parse_candidate({"age": "unknown", "fsh": "", "pregnant": "?"}) == {}


def test_evaluate_candidate_refuses_unknown_field(ivf):
    with pytest.raises(CandidateError):
        evaluate_candidate(ivf, {"shoe_size": 42.0})


# -- one core: the frame path and the candidate path agree ---------------------------------------------------
def _random_candidates(ruleset, n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        cand = {}
        for name in ruleset.fields_used():
            spec = FIELDS[name]
            if rng.random() < 0.3:
                continue  # unknown
            if spec.kind == "number":
                cand[name] = math.inf if spec.allow_never and rng.random() < 0.2 else \
                    float(round(rng.uniform(spec.low, spec.high), 1 if not spec.integer else 0))
            elif spec.kind == "yesno":
                cand[name] = bool(rng.random() < 0.2)
            elif spec.kind == "sex":
                cand[name] = "female" if rng.random() < 0.8 else "male"
            else:
                cand[name] = frozenset(rng.choice(["16", "52", "6", "11"], size=rng.integers(0, 3),
                                                  replace=False).tolist())
        out.append(cand)
    return out


@pytest.mark.parametrize("which", ["ivf", "hpv"])
def test_frame_and_candidate_paths_agree(which, request):
    rs = request.getfixturevalue(which)
    cands = _random_candidates(rs, 200, seed=7)
    ev = evaluate_frame(rs, candidate_frame(cands))
    for i, cand in enumerate(cands):
        one = evaluate_candidate(rs, cand)
        codes = [{"pass": PASS, "unknown": UNKNOWN, "fail": FAIL}[c.status] for c in one.criteria]
        assert ev.codes[i].tolist() == codes
        assert {1: "eligible", 0: "needs_review", -1: "ineligible"}[int(ev.status[i])] == one.status


def test_frame_contract_dtypes(hpv):
    frame = pd.DataFrame({
        "age": pd.array([30.0, np.nan, 24.0], dtype="float64"),
        "sex": pd.array(["female", pd.NA, "female"], dtype="string"),
        "sexual_history_years": [5.0, 5.0, 5.0],
        "hpv_types": pd.array(["16;52", "", pd.NA], dtype="string"),
        "pregnant": pd.array([False, pd.NA, True], dtype="boolean"),
    })
    ev = evaluate_frame(hpv, frame)
    assert ev.codes.dtype == np.int8 and ev.codes.shape == (3, len(hpv.criteria))
    assert ev.status.dtype == np.int8 and ev.status.shape == (3,)
    col = {cid: ev.codes[:, j].tolist() for j, cid in enumerate(ev.criterion_ids)}
    assert col["I1"] == [PASS, UNKNOWN, FAIL]
    i2_set = ev.rule_codes[ev.criterion_ids.index("I2")][0].tolist()
    assert i2_set == [1, -1, 0]  # "" means no HPV, NA unknown
    e1_pregnant = ev.rule_codes[ev.criterion_ids.index("E1")][1].tolist()
    assert e1_pregnant == [-1, 0, 1]
    assert ev.status.tolist() == [UNKNOWN, FAIL, FAIL]  # row 2: no HPV fails I2
    # a column that is absent is unknown for everyone
    assert ev.rule_codes[ev.criterion_ids.index("E3")][0].tolist() == [0, 0, 0]


def test_frame_refuses_text_in_a_number_column(ivf):
    with pytest.raises(CandidateError, match="age"):
        evaluate_frame(ivf, pd.DataFrame({"age": ["thirty"]}))


# -- what would change this -------------------------------------------------------------------------------------
def test_nearest_changes(ivf):
    cand = parse_candidate({**FULL_IVF, "age": "39", "fsh": "10.4", "hemoglobin": "99.9",
                            "ovarian_cyst_size": "25", "fibroid_size": "35", "months_since_other_trial": "2"})
    result = evaluate_candidate(ivf, cand)
    changes = {(s.criterion_id, s.field): s for s in nearest_changes(ivf, cand, result) if s.action == "change"}
    assert changes[("I2", "age")].value == 38
    assert changes[("I5", "fsh")].value == 10
    assert changes[("E10", "hemoglobin")].value == 100  # "<100 g/L" excludes: 100 passes
    assert changes[("E1", "ovarian_cyst_size")].value == 19  # "≥20 mm" excludes: 19 mm (1 mm steps)
    assert changes[("E1", "fibroid_size")].value == 30  # ">30 mm" excludes: 30 passes
    assert changes[("E16", "months_since_other_trial")].value == 4
    assert changes[("I5", "fsh")].text == "I5: lower FSH from 10.4 IU/L to 10 IU/L"
    # each suggested value clears the rule it is for
    for (cid, field), s in changes.items():
        again = evaluate_candidate(ivf, {**cand, field: s.value})
        outcome = next(o for o in again.rules[cid] if getattr(o.rule, "field", None) == field)
        assert outcome.code == (-1 if cid.startswith("E") else 1), (cid, field)


def test_unknowns_say_what_would_decide(ivf):
    result = evaluate_candidate(ivf, {})
    sugg = nearest_changes(ivf, {}, result)
    texts = [s.text for s in sugg]
    assert "I5: FSH: between 1 and 10 IU/L meets it, anything else fails" in texts
    assert "E10: Haemoglobin: below 100 g/L excludes, anything else clears it" in texts
    assert any(s.action == "judgment" and s.criterion_id == "E17" for s in sugg)
    assert not any(s.action == "change" for s in sugg)


def test_set_column_spellings(hpv):
    frame = pd.DataFrame({"hpv_types": pd.array(["16;52", "16,52", "HPV16", "6;11", "", "016", pd.NA],
                                                dtype="string")})
    ev = evaluate_frame(hpv, frame)
    assert ev.rule_codes[ev.criterion_ids.index("I2")][0].tolist() == [1, 1, 1, -1, -1, 1, 0]
