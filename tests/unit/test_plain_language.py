"""The plain-language summary and rule wording: built from the trial's fields, nothing invented."""
import re

import pytest

from trialkit.catalog import default_catalog
from trialkit.criteria.rules import FactRule, JudgmentRule, RangeRule, SetRule, WindowRule
from trialkit.models import ArmGroup, EligibilityCriterion, Enrollment, Location, Trial
from trialkit.plain_language import describe_criterion, describe_rule, plain_summary

TOPICS = ["What the study is about", "Status", "Who can join", "What participants receive", "How many people",
          "Where", "Who runs it"]


def _summary(trial) -> dict[str, str]:
    lines = plain_summary(trial)
    assert [line.topic for line in lines] == TOPICS
    return {line.topic: line for line in lines}


@pytest.fixture
def seeds(data_dir):
    cat = default_catalog()
    return {n: cat.load(n) for n in ("NCT06610773", "NCT07176143")}


def test_nct07176143_in_plain_words(seeds):
    t = seeds["NCT07176143"]
    s = _summary(t)
    assert "Women aged 20 to 38 years can take part." in s["Who can join"].text
    assert "Healthy volunteers are not accepted." in s["Who can join"].text
    assert f"all {len(t.inclusion)} inclusion criteria" in s["Who can join"].text
    assert f"none of the {len(t.exclusion)} exclusion criteria" in s["Who can join"].text
    assert s["Status"].text == "It has not started recruiting participants yet."
    receive = s["What participants receive"].text
    for arm in t.arm_groups:  # every arm, with its regimen as the record words it
        assert f"\u201c{arm.label}\u201d" in receive
        assert arm.description.rstrip(".") in receive
    assert "not decided at random" in receive  # NON_RANDOMIZED
    assert s["How many people"].text == "The study plans to include 60 people (an estimate)."
    assert s["Where"].text == "Study locations are not stated." and not s["Where"].stated
    assert "Sun Yat-sen University" in s["Who runs it"].text


def test_nct06610773_says_not_stated_where_the_record_is_silent(seeds):
    s = _summary(seeds["NCT06610773"])
    assert s["What participants receive"].text == "What participants receive is not stated."
    assert not s["What participants receive"].stated
    assert s["How many people"].text == "The number of participants is not stated."
    assert "Women aged 25 to 60 years can take part." in s["Who can join"].text
    assert "recruiting" in s["Status"].text
    assert "phase 1 / phase 2" in s["What the study is about"].text
    assert "the study type is not stated" in s["What the study is about"].text
    # the one site has no city or country in the record: say so, do not guess
    assert s["Where"].text == "At 1 site: \u201cShanghai East Hospital\u201d (city and country not stated)."


def test_an_empty_record_invents_nothing():
    s = _summary(Trial(nct_id="NCT00000001"))
    for topic in TOPICS:
        assert "not stated" in s[topic].text, topic
        assert not re.search(r"\d", s[topic].text), f"{topic}: a number from nowhere: {s[topic].text}"
    assert not any(line.stated for line in plain_summary(Trial(nct_id="NCT00000001")))


def test_status_counts_and_places_come_from_the_record():
    t = Trial(nct_id="NCT00000002", overall_status="TERMINATED", why_stopped="Sponsor decision",
              enrollment=Enrollment(count=1, type="ACTUAL"),
              arm_groups=[ArmGroup(label="Only arm", type="EXPERIMENTAL")],
              locations=[Location(facility=f"Site {i}", country=c)
                         for i, c in enumerate(["France"] * 3 + ["Spain"] * 2 + [None])])
    s = _summary(t)
    assert s["Status"].text == "It was stopped early (terminated). Reason given: \u201cSponsor decision\u201d."
    assert s["How many people"].text == "1 person took part (actual number)."
    assert s["Where"].text == ("At 6 sites in 2 countries: France (3) and Spain (2); "
                               "the country of 1 site is not stated.")
    assert "\u201cOnly arm\u201d (experimental): what this group receives is not stated." in s["What participants receive"].text


@pytest.mark.parametrize("rule, kind, words", [
    (RangeRule(field="age", minimum=20, maximum=38), "inclusion", "Age must be from 20 to 38 years (both included)."),
    (RangeRule(field="bmi", minimum=18, maximum=27), "inclusion", "BMI must be from 18 to 27 kg/m² (both included)."),
    (RangeRule(field="afc", minimum=6), "inclusion", "AFC must be 6 or more."),
    (RangeRule(field="fsh", minimum=1, maximum=10, maximum_inclusive=False), "inclusion",
     "FSH must be at least 1 and less than 10 IU/L."),
    (RangeRule(field="platelets", maximum=100, maximum_inclusive=False), "exclusion",
     "Excluded when platelets are less than 100×10⁹/L."),
    (RangeRule(field="hemoglobin", maximum=100, maximum_inclusive=False), "exclusion",
     "Excluded when haemoglobin is less than 100 g/L."),
    (RangeRule(field="ovarian_cyst_size", minimum=20), "exclusion", "Excluded when ovarian cyst is 20 mm or more."),
    (RangeRule(field="fibroid_size", minimum=30, minimum_inclusive=False), "exclusion",
     "Excluded when uterine fibroid is more than 30 mm."),
    (SetRule(field="hpv_types", any_of=["16", "18"]), "inclusion", "HPV types must include at least one of: 16, 18."),
    (SetRule(field="sex", any_of=["female"]), "inclusion", "Sex must be female."),
    (FactRule(field="pregnant"), "exclusion", "Excluded when \u201cPregnant\u201d is yes."),
    (FactRule(field="informed_consent"), "inclusion", "\u201cSigned informed consent\u201d must be yes."),
    (WindowRule(field="months_since_other_trial", within=3), "exclusion",
     "Excluded when last other drug/device trial was within the last 3 months."),
    (WindowRule(field="months_since_abnormal_cytology", within=1, unit="years"), "exclusion",
     "Excluded when abnormal cervical cytology (TCT) was within the last 1 year."),
    (JudgmentRule(question="Other conditions the investigator considers inappropriate"), "exclusion",
     "Needs a clinician's judgment: Other conditions the investigator considers inappropriate."),
])
def test_rules_in_words(rule, kind, words):
    assert describe_rule(rule, kind) == words


def test_unreviewed_rules_say_so_and_criteria_say_how_rules_combine():
    rule = RangeRule(field="age", minimum=18, reviewed=False)
    assert describe_rule(rule, "inclusion") == "Age must be 18 years or more. (Drafted automatically; not yet reviewed.)"
    both = [RangeRule(field="platelets", maximum=100, maximum_inclusive=False),
            RangeRule(field="hemoglobin", maximum=100, maximum_inclusive=False)]
    ex = EligibilityCriterion(id="E10", kind="exclusion", text="Platelets <100, Hb <100", rules=both)
    assert describe_criterion(ex)[0] == "Any one of these excludes the person:"
    assert len(describe_criterion(ex)) == 3
    inc = EligibilityCriterion(id="I5", kind="inclusion", text="AFC ≥6; FSH 1-10",
                               rules=[RangeRule(field="afc", minimum=6), RangeRule(field="fsh", minimum=1, maximum=10)])
    assert describe_criterion(inc)[0] == "All of these must hold:"
    assert describe_criterion(EligibilityCriterion(id="I1", kind="inclusion", text="x")) == []
