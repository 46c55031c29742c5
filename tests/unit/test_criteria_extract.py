"""Drafted rules for imported trials: common patterns, units, refusals, the 8 real ctgov records."""
from __future__ import annotations

from pathlib import Path

import pytest

from trialkit.criteria.extract import draft_rules, draft_summary
from trialkit.criteria.rules import JudgmentRule, RangeRule, WindowRule
from trialkit.criteria.text import split_criteria
from trialkit.ctgov import load_study
from trialkit.models import EligibilityCriterion

CTGOV = Path(__file__).resolve().parents[3] / "shared" / "ctgov"


def crit(text, kind="inclusion"):
    return EligibilityCriterion(id="I1" if kind == "inclusion" else "E1", kind=kind, text=text)


def ranges(text, kind="inclusion"):
    return [(r.field, r.minimum, r.maximum, r.minimum_inclusive, r.maximum_inclusive)
            for r in draft_rules(crit(text, kind)) if isinstance(r, RangeRule)]


@pytest.mark.parametrize("text,expected", [
    ("Age 18 - 80 years", ("age", 18, 80, True, True)),
    ("Age between 20 and 38 years.", ("age", 20, 38, True, True)),
    ("Patient's age is 5-8 years old at the time of the treatment", ("age", 5, 8, True, True)),
    ("Aged ≥18 years at signing of informed consent.", ("age", 18, None, True, True)),
    ("Age >= 18 years", ("age", 18, None, True, True)),
    ("Age > 17 years", ("age", 17, None, False, True)),
    ("Participant is at least 18 years of age", ("age", 18, None, True, True)),
    ("Adults 18 years of age or older", ("age", 18, None, True, True)),
    ("Age no more than 65 years", ("age", None, 65, True, True)),
    ("Age < 75 years", ("age", None, 75, True, False)),
    ("BMI between 18.5 and 30 kg/m2", ("bmi", 18.5, 30, True, True)),
    ("Body mass index (BMI) 18-27 kg/m²", ("bmi", 18, 27, True, True)),
    ("BMI =< 35 kg/m2", ("bmi", None, 35, True, True)),
    ("BMI ≤ 32,5 kg/m²", ("bmi", None, 32.5, True, True)),  # decimal comma
    ("Hemoglobin >= 8 gm/dl", ("hemoglobin", 80, None, True, True)),
    ("hemoglobin ≥ 8.0 g/dl", ("hemoglobin", 80, None, True, True)),
    ("Platelet count >= 100,000/mm^3", ("platelets", 100, None, True, True)),  # thousands separator
    ("platelets ≥ 50,000/ul", ("platelets", 50, None, True, True)),
    ("Platelets ≥ 100 x 10^9/L", ("platelets", 100, None, True, True)),
    ("Absolute neutrophil count (ANC) >= 1,500/mm^3", ("anc", 1.5, None, True, True)),
    ("FSH ≤ 10 mIU/mL on day 3", ("fsh", None, 10, True, True)),
    ("Creatinine ≤1.5 mg/dl", ("creatinine", None, 1.5, True, True)),
    ("Eastern Cooperative Oncology Group (ECOG) performance status of 0 to 2", ("ecog", 0, 2, True, True)),
    ("ECOG performance status must be 0, 1, or 2", ("ecog", 0, 2, True, True)),
    ("Left ventricular ejection fraction (LVEF) ≥50% by ECHO", ("lvef", 50, None, True, True)),
])
def test_patterns(text, expected):
    assert expected in ranges(text)


def test_escaped_signs_come_unescaped_from_the_splitter():
    md = "Inclusion Criteria:\n\n* Age \\>= 18 years\n* Hemoglobin \\> 9,5 g/dL\n\nExclusion Criteria:\n\n* BMI \\< 18"
    split = split_criteria(md)
    got = {c.id: ranges(c.text, c.kind) for c in split.criteria}
    assert got["I1"] == [("age", 18, None, True, True)]
    assert got["I2"] == [("hemoglobin", 95, None, False, True)]
    assert got["E1"] == [("bmi", None, 18, True, False)]


def test_exclusion_keeps_the_excluding_condition():
    # "Platelet count < 100×10⁹/L" in an exclusion: the condition that excludes is platelets < 100
    assert ranges("Platelet count <100×10⁹/L", "exclusion") == [("platelets", None, 100, True, False)]
    assert ranges("thrombocytopenia < 100.000/µl", "exclusion") == [("platelets", None, 100, True, False)]
    assert ranges("Impaired kidney function (creatinin > 2,5 mg/dl) at the time of treatment", "exclusion") == \
        [("creatinine", 2.5, None, False, True)]


@pytest.mark.parametrize("text", [
    "Total bilirubin ≥ 0.5 x lower limit of normal",  # a multiple of the LLN: no field for it
    "Hemoglobin < 9 g/dL unless due to thalassemia",  # a conditional threshold is not a rule for everyone
    "anaemia with Hb< 8.5 mg/dl",  # typo for g/dl: 0.085 g/L is not a plausible threshold
    "FSH < 10 g/dL",  # a unit that does not fit
    "Clinically significant systemic diseases (e.g., diabetes, tuberculosis)",
])
def test_refusals_leave_judgment(text):
    rules = draft_rules(crit(text))
    assert not [r for r in rules if isinstance(r, RangeRule)]
    assert isinstance(rules[-1], JudgmentRule)


def test_drafted_rules_are_unreviewed_with_spans():
    text = "Hematologic parameters: absolute neutrophil count (ANC) ≥ 1000/ul, platelets ≥ 50,000/ul, hemoglobin ≥ 8.0 g/dl"
    rules = draft_rules(crit(text))
    assert [r.field for r in rules if isinstance(r, RangeRule)] == ["anc", "platelets", "hemoglobin"]
    for r in rules:
        assert r.reviewed is False
        s, e = r.span
        assert text[s:e] == r.source_text


def test_the_rest_of_a_criterion_stays_judgment():
    rules = draft_rules(crit("Participant is male or non-pregnant and non-lactating female at least 18 years of age"))
    assert isinstance(rules[0], RangeRule) and isinstance(rules[-1], JudgmentRule)
    assert len(draft_rules(crit("Age 18 - 80 years"))) == 1  # nothing left over


def test_trial_participation_window():
    rules = draft_rules(crit("Participation in a different clinical trial within the last 30 days", "exclusion"))
    w = [r for r in rules if isinstance(r, WindowRule)]
    assert w and w[0].field == "months_since_other_trial" and (w[0].within, w[0].unit) == (30, "days")


def test_ctgov_files():
    files = sorted(CTGOV.glob("NCT*.json"))
    assert len(files) == 8
    total = executable = 0
    for f in files:
        s = draft_summary(load_study(f))
        total += s["criteria"]
        executable += s["executable"]
    assert total == 162
    assert executable >= 28  # 28 of 162 when written; a regression would lower it


def test_uln_limits_are_ratio_rules_never_absolute_numbers():
    assert ranges("AST/ALT ≤ 3.0 x upper limit of normal (ULN)") == [
        ("ast_x_uln", None, 3.0, True, True), ("alt_x_uln", None, 3.0, True, True)]
    # issue 15: "bilirubin greater than 2 times ULN" was drafted as bilirubin > 2 mg/dL
    assert ranges("bilirubin greater than 2 times ULN", "exclusion") == [("bilirubin_x_uln", 2.0, None, False, True)]
    assert ranges("Total bilirubin =< 1.5 x upper limit of normal (ULN)") == [("bilirubin_x_uln", None, 1.5, True, True)]
