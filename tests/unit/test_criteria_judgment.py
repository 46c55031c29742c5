"""A clinician's answer to a judgment rule as a candidate input (``judgment.<CRITERION_ID>=yes|no``): the same
meaning as a fact (yes = the condition asked about holds), in parse_candidate, evaluate_candidate,
evaluate_frame, nearest_changes, the check CLI, shared scenarios, and the cohort's optimistic upper bound."""
from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pandas as pd
import pytest

from trialkit.catalog import default_catalog
from trialkit.cli import main
from trialkit.cohort.params import default_params, population_for
from trialkit.cohort.pipeline import assumed_answers, run, simulated_cohort
from trialkit.criteria.evaluate import (candidate_frame, evaluate_candidate, evaluate_frame, nearest_changes,
                                        parse_candidate)
from trialkit.criteria.judgment import FAVOURABLE_LABEL, favourable_answers, judgment_criteria
from trialkit.criteria.rules import FactRule, JudgmentRule, RangeRule
from trialkit.criteria.ruleset import Ruleset, load_ruleset
from trialkit.errors import CandidateError
from trialkit.models import EligibilityCriterion
from trialkit.scenario import ScenarioError, clean_scenario
from tests.unit.test_criteria_evaluate import FULL_IVF

TRIALS = ("NCT07176143", "NCT06610773")

#: Every value of NCT06610773 that a value can decide, all passing (the judgment questions left open).
FULL_HPV = {"age": "30", "sex": "female", "hpv_types": "16,52", "sexual_history_years": "5",
            "hpv_persistent_infection": "yes", "months_since_other_trial": "never",
            "recent_anti_hpv_therapy": "no", "contraception_agreed": "yes", "informed_consent": "yes",
            "pregnant": "no", "breastfeeding": "no", "preparing_pregnancy": "no", "hsil_or_cervical_cancer": "no",
            "hpv_vaccinated": "no", "severe_drug_allergy": "no", "biologic_allergy": "no",
            "prior_cervical_treatment": "no", "recent_immune_drugs": "no", "acute_genital_inflammation": "no"}
FULL = {"NCT07176143": FULL_IVF, "NCT06610773": FULL_HPV}


@pytest.fixture(scope="module")
def rulesets():
    cat = default_catalog()
    return {t: load_ruleset(cat.load(t)) for t in TRIALS}


@pytest.fixture(scope="module")
def ivf(rulesets):
    return rulesets["NCT07176143"]


def favourable_pairs(ruleset) -> dict[str, str]:
    return {k: "yes" if v else "no" for k, v in favourable_answers(ruleset).items()}


def verdict(ruleset, cid, pairs):
    result = evaluate_candidate(ruleset, parse_candidate(pairs, ruleset))
    c = next(c for c in result.criteria if c.id == cid)
    return c.status, c.reason


# -- the table: yes/no per kind, alone and beside values ------------------------------------------------
CASES = [
    # trial, criterion, pairs, status, reason
    # exclusion, judgment only (E17): yes = the excluding condition is present -> fail; no -> pass
    ("NCT07176143", "E17", {"judgment.E17": "yes"}, "fail", "clinician's judgment: yes (excludes)"),
    ("NCT07176143", "E17", {"judgment.E17": "no"}, "pass", "clinician's judgment: no"),
    ("NCT07176143", "E17", {"judgment.E17": "unknown"}, "unknown", "needs a clinician's judgment: Does any"),
    ("NCT07176143", "E17", {}, "unknown", "needs a clinician's judgment: Does any"),
    ("NCT07176143", "E17", {"judgment.E17": False}, "pass", "clinician's judgment: no"),
    ("NCT07176143", "E17", {"judgment.e17": "Y"}, "fail", "clinician's judgment: yes (excludes)"),
    # exclusion mixing numbers and judgment (E10): numbers clear it, the answer decides it
    ("NCT07176143", "E10", {"platelets": "250", "hemoglobin": "130", "judgment.E10": "no"}, "pass",
     "Platelets 250×10⁹/L is not below 100×10⁹/L; Haemoglobin 130 g/L is not below 100 g/L; "
     "clinician's judgment: no"),
    ("NCT07176143", "E10", {"platelets": "250", "hemoglobin": "130", "judgment.E10": "yes"}, "fail",
     "clinician's judgment: yes (excludes)"),
    ("NCT07176143", "E10", {"platelets": "250", "hemoglobin": "130"}, "unknown", "needs a clinician's judgment"),
    # a value that excludes is not undone by a favourable answer; an unknown value stays unknown
    ("NCT07176143", "E10", {"platelets": "99", "hemoglobin": "130", "judgment.E10": "no"}, "fail",
     "Platelets 99×10⁹/L is below 100×10⁹/L (excludes)"),
    ("NCT07176143", "E10", {"judgment.E10": "no"}, "unknown", "needs Platelets"),
    ("NCT07176143", "E10", {"judgment.E10": "yes"}, "fail", "clinician's judgment: yes (excludes)"),
    # inclusion mixing a fact and judgment (I1): yes = the requirement is met
    ("NCT07176143", "I1", {"informed_consent": "yes", "judgment.I1": "yes"}, "pass",
     "Signed informed consent: yes; clinician's judgment: yes"),
    ("NCT07176143", "I1", {"informed_consent": "yes", "judgment.I1": "no"}, "fail",
     "clinician's judgment: no (must be yes)"),
    ("NCT07176143", "I1", {"informed_consent": "yes"}, "unknown", "needs a clinician's judgment: Does she fully"),
    ("NCT07176143", "I1", {"judgment.I1": "yes"}, "unknown", "needs Signed informed consent (yes/no)"),
    ("NCT07176143", "I1", {"judgment.I1": "no"}, "fail", "clinician's judgment: no (must be yes)"),
    # the HPV trial: inclusion I5 and exclusions E6, E10
    ("NCT06610773", "I5", {"informed_consent": "yes", "judgment.I5": "yes"}, "pass",
     "Signed informed consent: yes; clinician's judgment: yes"),
    ("NCT06610773", "I5", {"informed_consent": "yes", "judgment.I5": "no"}, "fail",
     "clinician's judgment: no (must be yes)"),
    ("NCT06610773", "E6", {"judgment.E6": "yes"}, "fail", "clinician's judgment: yes (excludes)"),
    ("NCT06610773", "E6", {"judgment.E6": "no"}, "pass", "clinician's judgment: no"),
    ("NCT06610773", "E10", {"judgment.E10": "no"}, "pass", "clinician's judgment: no"),
    ("NCT06610773", "E10", {"judgment.E10": ""}, "unknown", "needs a clinician's judgment: Is there another"),
]


@pytest.mark.parametrize("nct,cid,pairs,status,reason", CASES)
def test_answers_per_kind(rulesets, nct, cid, pairs, status, reason):
    got_status, got_reason = verdict(rulesets[nct], cid, pairs)
    assert got_status == status
    assert got_reason.startswith(reason), got_reason


@pytest.mark.parametrize("nct,key,words", [
    ("NCT07176143", "judgment.E99", "judgment.E99: NCT07176143 has no criterion E99"),
    ("NCT07176143", "judgment.I2", "judgment.I2: criterion I2 has no judgment rule"),
    ("NCT07176143", "judgment.SEX", "judgment.SEX: criterion SEX has no judgment rule"),
    ("NCT06610773", "judgment.E17", "judgment.E17: NCT06610773 has no criterion E17"),
    ("NCT06610773", "judgment.E1", "judgment.E1: criterion E1 has no judgment rule"),
    ("NCT07176143", "judgment.E10.2", "judgment.E10.2: one answer covers all"),
    ("NCT07176143", "judgment.", "judgment.: write judgment.CRITERION_ID"),
    ("NCT07176143", "judgment.the investigator", "judgment.the investigator: write judgment.CRITERION_ID"),
])
def test_bad_keys_name_the_key(rulesets, nct, key, words):
    rs = rulesets[nct]
    with pytest.raises(CandidateError, match=words.replace(".", r"\.").replace("(", r"\(")):
        parse_candidate({key: "yes"}, rs)
    # the engine checks its own keys too, whoever built the candidate
    with pytest.raises(CandidateError, match=key.replace(".", r"\.")):
        evaluate_candidate(rs, {key: True})


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_bad_answers_name_the_key(ivf, value):
    with pytest.raises(CandidateError, match=r"judgment\.E17: .* is not yes or no"):
        parse_candidate({"judgment.E17": value}, ivf)


def test_the_same_answer_twice_is_refused(ivf):
    with pytest.raises(CandidateError, match="given twice"):
        parse_candidate({"judgment.E17": "no", "judgment.e17": "yes"}, ivf)


def test_unanswered_is_left_out(ivf):
    assert parse_candidate({"judgment.E17": "unknown", "judgment.I1": "", "judgment.E2": "no"}, ivf) == \
        {"judgment.E2": False}


def test_several_judgment_rules_share_one_answer():
    """One answer covers every judgment rule of a criterion: OR for an exclusion, AND for an inclusion."""
    rs = Ruleset("NCT00000000", [
        EligibilityCriterion(id="I1", kind="inclusion", text="Able to comply; motivated",
                             rules=[JudgmentRule(question="Can she comply?"),
                                    JudgmentRule(question="Is she motivated?")]),
        EligibilityCriterion(id="E1", kind="exclusion", text="Heart or lung disease",
                             rules=[JudgmentRule(question="Heart disease?"), JudgmentRule(question="Lung disease?")]),
    ])
    ok = evaluate_candidate(rs, parse_candidate({"judgment.I1": "yes", "judgment.E1": "no"}, rs))
    assert ok.status == "eligible"
    assert [c.reason for c in ok.criteria] == ["clinician's judgment: yes", "clinician's judgment: no"]
    bad = evaluate_candidate(rs, parse_candidate({"judgment.I1": "no", "judgment.E1": "yes"}, rs))
    assert bad.failed_ids() == ["I1", "E1"]
    open_ = evaluate_candidate(rs, {})
    sugg = nearest_changes(rs, {}, open_)
    assert [s.field for s in sugg] == ["judgment.I1", "judgment.E1"]  # one question per criterion, not per rule
    assert "“Can she comply?” / “Is she motivated?”" in sugg[0].text


# -- eligible at last ----------------------------------------------------------------------------------
@pytest.mark.parametrize("nct", TRIALS)
def test_full_candidate_with_favourable_judgments_is_eligible(rulesets, nct):
    rs = rulesets[nct]
    open_ = evaluate_candidate(rs, parse_candidate(FULL[nct], rs))
    assert open_.status == "needs_review"
    assert open_.unknown_ids() == [c.id for c in judgment_criteria(rs)] == open_.judgment_only_ids()
    cand = parse_candidate({**FULL[nct], **favourable_pairs(rs)}, rs)
    result = evaluate_candidate(rs, cand)
    assert result.status == "eligible" and result.label == "Eligible"
    assert result.failed_ids() == [] and result.unknown_ids() == []
    assert nearest_changes(rs, cand, result) == []
    # any single unfavourable answer makes her ineligible, on that criterion alone
    for c in judgment_criteria(rs):
        key = f"judgment.{c.id}"
        flipped = {**FULL[nct], **favourable_pairs(rs), key: "no" if c.kind == "inclusion" else "yes"}
        r = evaluate_candidate(rs, parse_candidate(flipped, rs))
        assert r.status == "ineligible" and r.failed_ids() == [c.id]


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            rc = main(list(args))
        except SystemExit as exc:  # argparse's own errors (a bad choice)
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("nct", TRIALS)
def test_check_cli_eligible_with_favourable_judgments(rulesets, nct):
    sets = [a for k, v in {**FULL[nct], **favourable_pairs(rulesets[nct])}.items() for a in ("--set", f"{k}={v}")]
    rc, out, _ = cli("check", nct, *sets, "--json")
    assert rc == 0
    doc = json.loads(out)
    assert doc["status"] == "eligible" and all(c["status"] == "pass" for c in doc["criteria"])
    rc, out, _ = cli("check", nct, *sets[:-2])  # the last answer left out: needs review
    assert rc == 0 and f"{nct}: Needs review" in out and "a clinician's answer to “" in out


def test_check_cli_answer_reasons(ivf):
    rc, out, _ = cli("check", "NCT07176143", "--set", "judgment.E17=yes", "--set", "judgment.E2=no", "--json")
    assert rc == 0
    by_id = {c["id"]: c for c in json.loads(out)["criteria"]}
    assert by_id["E17"] == {"id": "E17", "kind": "exclusion", "status": "fail",
                            "reason": "clinician's judgment: yes (excludes)"}
    assert by_id["E2"]["status"] == "pass" and by_id["E2"]["reason"] == "clinician's judgment: no"


@pytest.mark.parametrize("value,words", [
    ("judgment.E99=yes", "judgment.E99: NCT07176143 has no criterion E99"),
    ("judgment.I2=no", "judgment.I2: criterion I2 has no judgment rule"),
    ("judgment.E17=perhaps", "judgment.E17: 'perhaps' is not yes or no"),
])
def test_check_cli_bad_keys_exit_2(value, words):
    rc, out, err = cli("check", "NCT07176143", "--set", value)
    assert rc == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1


# -- what would change this -------------------------------------------------------------------------------
def test_nearest_changes_for_judgment(ivf):
    cand = parse_candidate({"judgment.E17": "yes", "judgment.I1": "no", "informed_consent": "yes"}, ivf)
    result = evaluate_candidate(ivf, cand)
    sugg = {s.criterion_id: s for s in nearest_changes(ivf, cand, result)}
    assert sugg["E17"].action == "change" and sugg["E17"].field == "judgment.E17" and sugg["E17"].value is False
    assert sugg["E17"].text == "E17: would pass if the clinician's answer were no"
    assert sugg["I1"].value is True and sugg["I1"].text == "I1: would pass if the clinician's answer were yes"
    e2 = sugg["E2"]
    assert e2.action == "judgment" and e2.field == "judgment.E2"
    assert e2.text == ("E2: a clinician's answer to “Are there clinically significant uterine or adnexal "
                       "abnormalities?” decides it (no clears it, yes excludes)")
    hpv_i5 = nearest_changes(*(lambda rs: (rs, {}, evaluate_candidate(rs, {})))(
        load_ruleset(default_catalog().load("NCT06610773"))))
    assert any(s.field == "judgment.I5" and s.text.endswith("decides it (yes meets it, no fails)") for s in hpv_i5)


# -- frame and candidate paths agree -------------------------------------------------------------------
def test_frame_and_candidate_paths_agree(rulesets):
    rng = np.random.default_rng(7)
    for nct in TRIALS:
        rs = rulesets[nct]
        keys = [f"judgment.{c.id}" for c in judgment_criteria(rs)]
        cands = []
        for i in range(60):
            base = parse_candidate(FULL[nct], rs) if i % 2 else {"age": 30.0}
            answers = {k: bool(v) for k, v in zip(keys, rng.integers(0, 2, len(keys))) if rng.random() < 0.7}
            cands.append({**base, **answers})
        frame = candidate_frame(cands)
        for k in keys:
            if k in frame:
                assert frame[k].dtype == "boolean"
        ev = evaluate_frame(rs, frame)
        for i, cand in enumerate(cands):
            one = evaluate_candidate(rs, cand)
            assert [c.status for c in one.criteria] == [{1: "pass", 0: "unknown", -1: "fail"}[int(x)]
                                                        for x in ev.codes[i]]
            assert one.status == {1: "eligible", 0: "needs_review", -1: "ineligible"}[int(ev.status[i])]


def test_frame_column_absent_or_na_is_unknown(ivf):
    frame = pd.DataFrame({"judgment.E17": pd.array([True, False, pd.NA], dtype="boolean")})
    ev = evaluate_frame(ivf, frame)
    j = ev.criterion_ids.index("E17")
    assert ev.codes[:, j].tolist() == [-1, 1, 0]
    assert ev.codes[:, ev.criterion_ids.index("E18")].tolist() == [0, 0, 0]  # no column: unknown
    with pytest.raises(CandidateError, match="judgment.E17"):
        evaluate_frame(ivf, pd.DataFrame({"judgment.E17": ["perhaps", "no"]}))


def test_assumed_answers_fill_only_absent_columns(ivf):
    fav = favourable_answers(ivf)
    assert fav["judgment.I1"] is True and fav["judgment.E17"] is False and len(fav) == 10
    frame = pd.DataFrame({"judgment.E17": pd.array([True, pd.NA], dtype="boolean")})
    ev = evaluate_frame(ivf, frame, assumed=fav)
    assert ev.codes[:, ev.criterion_ids.index("E17")].tolist() == [-1, 0]  # the column wins, NA stays unknown
    assert ev.codes[:, ev.criterion_ids.index("E18")].tolist() == [1, 1]


# -- shared scenarios and referrals ------------------------------------------------------------------------
def test_scenarios_accept_judgment_answers():
    assert clean_scenario({"age": 30, "judgment.E17": False, "judgment.I1": "yes", "judgment.E2": "unknown"}) == \
        {"age": "30", "judgment.E17": "no", "judgment.I1": "yes"}


@pytest.mark.parametrize("scenario,words", [
    ({"judgment.E17": "Ann Smith"}, "yes or no"),
    ({"judgment.E17": "+44 20 7946 0958"}, "yes or no"),
    ({"judgment.AnnSmith": "yes"}, "judgment.CRITERION_ID"),
    ({"judgment.E17.2": "yes"}, "judgment.CRITERION_ID"),
])
def test_scenarios_refuse_bad_judgment_keys(scenario, words):
    with pytest.raises(ScenarioError, match=words):
        clean_scenario(scenario)


def test_referral_carries_the_answers(ivf):
    from trialkit import referral

    trial = default_catalog().load("NCT07176143")
    cand = parse_candidate({**FULL_IVF, **favourable_pairs(ivf)}, ivf)
    result = evaluate_candidate(ivf, cand)
    r = referral.build_referral(trial, result, result.candidate)
    assert r.verdict_label == "Eligible" and r.values_left_out == 0
    assert r.values["judgment.E17"] == "no" and r.values["judgment.I1"] == "yes"
    assert "judgment\\.E17" in r.to_markdown()


# -- cohort: optimistic upper bound ----------------------------------------------------------------------
def complete_params(ruleset) -> dict:
    """Simulation parameters with no missing values, so only the judgment questions are left open."""
    p = default_params(population_for(ruleset.fields_used()).key)
    return {k: (0.0 if k.startswith("missing.") else v) for k, v in p.items()}


@pytest.mark.parametrize("nct", TRIALS)
def test_cohort_upper_bound_raises_eligible_above_zero(rulesets, nct):
    trial = default_catalog().load(nct)
    params = complete_params(rulesets[nct])
    plain = run(trial, ("simulate", 20_000, 5, params))
    upper = run(trial, ("simulate", 20_000, 5, params), assume_judgment="favourable")
    assert plain.summary.eligible == 0 and plain.assumption is None
    assert upper.summary.eligible > 0
    assert upper.assumption.startswith(FAVOURABLE_LABEL)
    # favourable answers only settle open questions: nobody excluded before is let in, nobody is excluded
    assert upper.summary.ineligible == plain.summary.ineligible
    assert upper.summary.eligible + upper.summary.needs_review == plain.summary.eligible + plain.summary.needs_review
    assert upper.summary.eligible == plain.summary.needs_review  # complete data: only judgment was open
    table = upper.results()
    assert (table["assumption"] == upper.assumption).all()


@pytest.mark.parametrize("nct", TRIALS)
def test_cohort_cli_flag(rulesets, nct, tmp_path):
    rc, out, _ = cli("cohort", nct, "--n", "5000", "--seed", "2", "--json")
    base = json.loads(out)
    assert rc == 0 and "assumption" not in base  # the contract JSON is unchanged by default
    rc, out, err = cli("cohort", nct, "--n", "5000", "--seed", "2", "--assume-judgment", "favourable", "--json",
                       "--out", str(tmp_path / "p.csv"))
    up = json.loads(out)
    assert rc == 0 and up["assumption"].startswith(FAVOURABLE_LABEL)
    assert up["ineligible"] == base["ineligible"] and up["eligible"] >= base["eligible"]
    assert set(up) - {"assumption"} == set(base)
    written = pd.read_csv(tmp_path / "p.csv")
    assert (written["assumption"] == up["assumption"]).all()
    rc, out, _ = cli("cohort", nct, "--n", "2000", "--seed", "2", "--assume-judgment", "favourable")
    assert rc == 0 and "ASSUMPTION: optimistic upper bound" in out
    rc, _, err = cli("cohort", nct, "--n", "2000", "--seed", "2", "--assume-judgment", "maybe")
    assert rc == 2 and "--assume-judgment" in err


def test_cohort_cli_flag_with_a_complete_csv(rulesets, tmp_path):
    """A hand-made cohort: the flag turns the patients held only by judgment questions into eligible ones."""
    rs = rulesets["NCT07176143"]
    rows = [dict(FULL_IVF, patient_id="p1"), dict(FULL_IVF, patient_id="p2", age="45"),
            dict(FULL_IVF, patient_id="p3", informed_consent="")]
    path = tmp_path / "cohort.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    rc, out, _ = cli("cohort", "NCT07176143", "--cohort", str(path), "--json")
    assert rc == 0 and (json.loads(out)["eligible"], json.loads(out)["needs_review"]) == (0, 2)
    rc, out, _ = cli("cohort", "NCT07176143", "--cohort", str(path), "--json", "--assume-judgment", "favourable")
    d = json.loads(out)
    # p1 eligible; p2 too old; p3's consent is a column of the file (empty = unknown): the file wins
    assert (d["eligible"], d["needs_review"], d["ineligible"]) == (1, 1, 1)
    assert "informed_consent" not in assumed_answers(rs, run(default_catalog().load("NCT07176143"),
                                                              ("file", str(path))).cohort, "favourable")


def test_default_simulated_cohort_keeps_consent_unknown(rulesets):
    rs = rulesets["NCT06610773"]
    cohort = simulated_cohort(rs, 1000, 1)
    assert "informed_consent" not in cohort.frame.columns
    answers = assumed_answers(rs, cohort, "favourable")
    assert answers["informed_consent"] is True and answers["judgment.E10"] is False
    assert assumed_answers(rs, cohort, None) is None
    assert any(isinstance(r, FactRule) and r.field == "informed_consent" for c in rs.criteria for r in c.rules)
    assert not any(isinstance(r, RangeRule) and r.field == "informed_consent" for c in rs.criteria for r in c.rules)


def test_cohort_csv_with_clinicians_answers(rulesets, tmp_path):
    """A site's own cohort can carry the answers: a yes/no column judgment.<ID>; the file beats the bound."""
    rs = rulesets["NCT06610773"]
    base = dict(FULL_HPV)
    rows = [dict(base, patient_id="p1", **{"judgment.I5": "yes", "judgment.E6": "no", "judgment.e10": "no"}),
            dict(base, patient_id="p2", **{"judgment.I5": "yes", "judgment.E6": "yes", "judgment.e10": "no"}),
            dict(base, patient_id="p3", **{"judgment.I5": "", "judgment.E6": "no", "judgment.e10": "no"})]
    path = tmp_path / "answers.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    trial = default_catalog().load("NCT06610773")
    plain = run(trial, ("file", str(path)))
    assert "judgment.E10" in plain.cohort.frame.columns  # spelled as the engine spells it
    assert (plain.summary.eligible, plain.summary.needs_review, plain.summary.ineligible) == (1, 1, 1)
    upper = run(trial, ("file", str(path)), assume_judgment="favourable")
    # p3's empty I5 answer stays unknown: a column of the file is never overridden by the assumption
    assert (upper.summary.eligible, upper.summary.needs_review, upper.summary.ineligible) == (1, 1, 1)
    res = plain.results()
    assert res.set_index("patient_id").loc["p2", "failed"] == "E6"


@pytest.mark.parametrize("header_cell,cell,words", [
    ("judgment.I1", "yes", "row 1: judgment.I1: criterion I1 has no judgment rule"),
    ("judgment.E42", "yes", "row 1: judgment.E42: NCT06610773 has no criterion E42"),
    ("judgment.doctor says", "yes", "row 1: judgment.doctor says: write judgment.CRITERION_ID"),
    ("judgment.E6", "maybe", "row 2: judgment.E6: 'maybe' is not yes or no"),
])
def test_cohort_csv_bad_judgment_columns(header_cell, cell, words, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(f"patient_id,age,{header_cell}\np1,30,{cell}\n", encoding="utf-8")
    rc, out, err = cli("cohort", "NCT06610773", "--cohort", str(path), "--json")
    assert rc == 2 and out == ""
    assert words in err


@pytest.mark.parametrize("written, meaning", [("t", True), ("f", False), ("yes", True), ("0", False),
                                              ("-", None), ("nan", None), ("", None)])
def test_an_answer_means_what_the_answer_kind_says(written, meaning):
    """One meaning per written value: the engine's judgment answers read words exactly as trialkit.values does
    (before, `check --set judgment.E17=t` was refused while a CSV cell `t` was yes)."""
    from trialkit import values
    from trialkit.criteria.judgment import parse_answer

    assert parse_answer("judgment.E17", written) is meaning
    assert values.answer.parse("judgment.E17", written) is meaning
