"""Rulesets: the seed trials' reviewed rules files, structured sex/age limits, fallbacks, overrides."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trialkit.catalog import default_catalog
from trialkit.criteria.evaluate import evaluate_candidate, parse_candidate
from trialkit.criteria.fields import FIELDS
from trialkit.criteria.rules import JudgmentRule, RangeRule, SetRule, WindowRule
from trialkit.criteria.ruleset import apply_overrides, load_ruleset, read_rules_file
from trialkit.ctgov import load_study
from trialkit.errors import CandidateError, RuleFormatError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ("NCT06610773", "NCT07176143")
CONTRACT_FIELDS = {"age", "sex", "bmi", "cycle_length", "afc", "fsh", "good_blastocysts", "ovarian_cyst_size",
                   "hemoglobin", "platelets", "hpv_types", "pregnant", "hsil_or_cervical_cancer", "hpv_vaccinated"}


@pytest.fixture(scope="module")
def seeds():
    cat = default_catalog()
    return {n: cat.load(n) for n in SEEDS}


def test_rules_files_validate():
    for n in SEEDS:
        rf = read_rules_file(ROOT / "data" / "rules" / f"{n}.json")
        assert rf.nct_id == n


@pytest.mark.parametrize("nct", SEEDS)
def test_every_criterion_has_reviewed_rules_with_spans(seeds, nct):
    trial = seeds[nct]
    rs = load_ruleset(trial)
    assert rs.problems == []
    ids = [c.id for c in rs.criteria if c.id not in {"SEX", "AGE"}]
    assert ids == [c.id for c in trial.criteria]  # protocol order, none missing
    for c in rs.criteria:
        assert c.rules, c.id
        assert not c.rules_unreviewed
        for r in c.rules:
            if r.source_text:
                s, e = r.span
                assert c.text[s:e].lower() == r.source_text.lower()
    assert rs.reviewed_count == rs.total


def test_fields_used_cover_the_contract(seeds):
    used = set()
    for n in SEEDS:
        used |= set(load_ruleset(seeds[n]).fields_used())
    assert CONTRACT_FIELDS <= used
    assert used <= set(FIELDS)


def test_numbers_as_the_text_says(seeds):
    ivf = {c.id: c for c in load_ruleset(seeds["NCT07176143"]).criteria}

    def ranges(cid):
        return {(r.field, r.minimum, r.maximum, r.minimum_inclusive, r.maximum_inclusive)
                for r in ivf[cid].rules if isinstance(r, RangeRule)}

    assert ("age", 20, 38, True, True) in ranges("I2")
    assert ("bmi", 18, 27, True, True) in ranges("I3")
    assert ranges("I4") == {("cycle_length", 27, 35, True, True), ("regular_cycle_months", 6, None, True, True)}
    assert ranges("I5") == {("afc", 6, None, True, True), ("fsh", 1, 10, True, True)}
    assert ranges("I7") == {("good_blastocysts", 2, None, True, True)}
    assert ranges("E1") == {("ovarian_cyst_size", 20, None, True, True), ("fibroid_size", 30, None, False, True)}
    assert ranges("E10") == {("platelets", None, 100, True, False), ("hemoglobin", None, 100, True, False)}
    # E1 and E10 mix numbers and judgment: they carry both
    for cid in ("E1", "E10"):
        assert any(isinstance(r, JudgmentRule) for r in ivf[cid].rules)
    e16 = ivf["E16"].rules
    assert len(e16) == 1 and isinstance(e16[0], WindowRule) and e16[0].within == 3
    hpv = {c.id: c for c in load_ruleset(seeds["NCT06610773"]).criteria}
    hr = next(r for r in hpv["I2"].rules if isinstance(r, SetRule))
    assert hr.field == "hpv_types" and len(hr.any_of) == 15 and {"16", "18", "68"} <= set(hr.any_of)
    assert any(isinstance(r, JudgmentRule) for r in hpv["E10"].rules)


def test_structured_limits(seeds):
    ivf = load_ruleset(seeds["NCT07176143"])
    # NCT07176143's text states no sex: the structured FEMALE becomes its own criterion, first
    assert ivf.criteria[0].id == "SEX" and ivf.criteria[0].kind == "inclusion"
    assert ivf.criteria[0].rules[0].any_of == ["female"]
    # its structured age 20-38 equals I2's text: nothing added, no separate AGE criterion
    assert "AGE" not in [c.id for c in ivf.criteria]
    assert sum(1 for r in ivf.criterion("I2").rules if getattr(r, "field", None) == "age") == 1
    # NCT06610773 I1 "Women aged 25-60" carries both limits already
    hpv = load_ruleset(seeds["NCT06610773"])
    assert [c.id for c in hpv.criteria][0] == "I1"


def test_structured_age_that_differs_is_added_to_the_criterion(seeds):
    trial = seeds["NCT07176143"]
    elig = trial.eligibility.model_copy(update={"maximum_age_years": 40.0, "maximum_age": "40 Years"})
    rs = load_ruleset(trial.model_copy(update={"eligibility": elig}))
    ages = [r for r in rs.criterion("I2").rules if getattr(r, "field", None) == "age"]
    assert len(ages) == 2 and {r.maximum for r in ages} == {38, 40}
    r = evaluate_candidate(rs, {"age": 39.0})
    assert "I2" in r.failed_ids()


def test_structured_age_without_a_criterion_becomes_AGE(tmp_path):
    trial = load_study(ROOT.parent / "shared" / "ctgov" / "NCT03934567.json")  # 18+, no age in the text
    rs = load_ruleset(trial)
    assert rs.criteria[0].id == "AGE"
    assert rs.criteria[0].rules[0].minimum == 18 and rs.criteria[0].rules[0].maximum is None
    assert evaluate_candidate(rs, {"age": 17.0}).failed_ids()[:1] == ["AGE"]


def test_imported_trial_gets_drafted_unreviewed_rules():
    trial = load_study(ROOT.parent / "shared" / "ctgov" / "NCT04267848.json")
    rs = load_ruleset(trial)
    assert rs.unreviewed_count == len(trial.criteria)
    assert all(c.rules_unreviewed for c in rs.criteria if c.id not in {"SEX", "AGE"})
    assert rs.executable_count >= 6
    assert "drafted" in rs.source


@pytest.fixture
def rules_dir(tmp_path, monkeypatch):
    d = tmp_path / "rules"
    d.mkdir()
    for n in SEEDS:
        shutil.copy(ROOT / "data" / "rules" / f"{n}.json", d / f"{n}.json")
    monkeypatch.setenv("TRIALKIT_RULES_DIR", str(d))
    return d


def test_rules_whose_words_left_the_text_are_not_trusted(seeds, rules_dir):
    trial = seeds["NCT07176143"]
    crit = [c.model_copy(update={"text": "Body mass index (BMI) 18-30 kg/m²."}) if c.id == "I3" else c
            for c in trial.criteria]
    changed = trial.model_copy(update={"eligibility": trial.eligibility.model_copy(update={"criteria": crit})})
    rs = load_ruleset(changed)
    i3 = rs.criterion("I3")
    assert i3.rules_unreviewed
    assert any("I3" in p for p in rs.problems)
    assert evaluate_candidate(rs, {"bmi": 29.0}).criteria[3].status != "fail"  # drafted: 18-30


@pytest.mark.parametrize("mutate,words", [
    (lambda d: d["criteria"]["I2"][0].update(kind="wrong"), "criteria.I2"),
    (lambda d: d["criteria"]["I2"][0].update(field="shoe_size"), "unknown field 'shoe_size'"),
    (lambda d: d["criteria"]["I2"][0].update(minimum=50), "minimum"),
    (lambda d: d["criteria"]["I2"].append({"kind": "fact", "field": "age"}), "cannot read 'age'"),
    (lambda d: d.update(nct_id="NCT00000001"), "does not match"),
    (lambda d: d["criteria"]["I2"][0].update(code="__import__('os')"), "criteria.I2"),
])
def test_bad_rules_file(seeds, rules_dir, mutate, words):
    path = rules_dir / "NCT07176143.json"
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))
    with pytest.raises(RuleFormatError, match=words):
        load_ruleset(seeds["NCT07176143"])


def test_rules_file_not_json(seeds, rules_dir):
    (rules_dir / "NCT07176143.json").write_text("{nope")
    with pytest.raises(RuleFormatError, match="NCT07176143.json: not JSON"):
        load_ruleset(seeds["NCT07176143"])


# -- overrides (contracts §4 --override FIELD.min=V) --------------------------------------------------------
def test_apply_overrides_moves_bounds(seeds):
    rs = load_ruleset(seeds["NCT07176143"])
    wider = apply_overrides(rs, {"bmi.max": 30, "fsh.min": 0.5})
    assert evaluate_candidate(rs, {"bmi": 29.0}).criteria[3].status == "fail"
    assert evaluate_candidate(wider, {"bmi": 29.0}).criteria[3].status == "pass"
    assert evaluate_candidate(wider, {"bmi": 30.1}).criteria[3].status == "fail"
    r = next(r for r in wider.criterion("I5").rules if getattr(r, "field", None) == "fsh")
    assert (r.minimum, r.maximum) == (0.5, 10)
    # the original is untouched
    assert next(r for r in rs.criterion("I3").rules).maximum == 27
    # an exclusion threshold moves too ("<100 g/L" -> "<90 g/L")
    lower = apply_overrides(rs, {"hemoglobin.max": 90})
    assert "E10" not in evaluate_candidate(lower, parse_candidate({"hemoglobin": "95"})).failed_ids()


@pytest.mark.parametrize("overrides,words", [
    ({"shoe.max": 3}, "unknown field 'shoe'"),
    ({"bmi.mid": 3}, "FIELD.min or FIELD.max"),
    ({"bmi": 3}, "FIELD.min or FIELD.max"),
    ({"pregnant.max": 1}, "not a numeric field"),
    ({"afc.max": 20}, "no range rule of NCT07176143 has a maximum on afc"),
    ({"creatinine.max": 2}, "no range rule"),
    ({"bmi.min": 30}, "minimum 30 above maximum 27"),
    ({"bmi.max": "x"}, "not a number"),
])
def test_apply_overrides_refuses(seeds, overrides, words):
    rs = load_ruleset(seeds["NCT07176143"])
    with pytest.raises(CandidateError, match=words):
        apply_overrides(rs, overrides)


def test_counts(seeds):
    ivf = load_ruleset(seeds["NCT07176143"])
    assert ivf.total == 28 and ivf.executable_count == 21 and ivf.judgment_only_count == 7
    hpv = load_ruleset(seeds["NCT06610773"])
    assert hpv.total == 15 and hpv.executable_count == 13


def test_thresholds_for_sliders(seeds):
    ivf = load_ruleset(seeds["NCT07176143"])
    assert ivf.thresholds("fsh") == [("I5", "min", 1, True), ("I5", "max", 10, True)]
    assert ivf.thresholds("months_since_abnormal_cytology") == [("E7", "within", 12.0, True)]
    assert ivf.describe_thresholds("hemoglobin") == ["E10 excludes below 100 g/L"]
