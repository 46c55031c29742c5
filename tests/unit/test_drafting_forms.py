"""Issue 15 forms: × ULN ratio rules and their evaluation, lists, two-sided and "or" limits, spellings,
conditions and negations, and the ``rules draft --jsonl`` command (contracts §9)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from trialkit.criteria.evaluate import evaluate_candidate, parse_candidate
from trialkit.criteria.extract import draft_rules, draft_thresholds
from trialkit.criteria.rules import RangeRule
from trialkit.criteria.ruleset import Ruleset
from trialkit.models import EligibilityCriterion


def crit(text, kind="inclusion"):
    return EligibilityCriterion(id="I1" if kind == "inclusion" else "E1", kind=kind, text=text)


def bounds(text, kind="inclusion", executable=True):
    if executable:
        rules = [r for r in draft_rules(crit(text, kind)) if isinstance(r, RangeRule)]
    else:
        rules = [t.rule for t in draft_thresholds(text, kind)]
    return [(r.field, r.minimum, r.maximum, r.minimum_inclusive, r.maximum_inclusive) for r in rules]


@pytest.mark.parametrize("text,kind,expected", [
    ("ECOG 0 or 1", "inclusion", [("ecog", 0, 1, True, True)]),
    ("ECOG performance status 0-1", "inclusion", [("ecog", 0, 1, True, True)]),
    ("Karnofsky performance status ≥ 70%", "inclusion", [("karnofsky", 70, None, True, True)]),
    ("BMI <18.5 or >35 kg/m2", "exclusion", [("bmi", None, 18.5, True, False), ("bmi", 35, None, False, True)]),
    ("Age ≥ 18 years and ≤ 75 years", "inclusion", [("age", 18, None, True, True), ("age", None, 75, True, True)]),
    ("Platelets ≥ 100 x10(9)/L", "inclusion", [("platelets", 100, None, True, True)]),
    ("ANC ≥1500 cells/µL", "inclusion", [("anc", 1.5, None, True, True)]),
    ("platelets < 75,000/ml", "inclusion", [("platelets", None, 75, True, False)]),  # per mL read as per µL
    ("Hemoglobin >_ 9 g/dL", "inclusion", [("hemoglobin", 90, None, True, True)]),
    ("LVEF =/> 50%", "inclusion", [("lvef", 50, None, True, True)]),
    ("FSH ≥ or = 10", "inclusion", [("fsh", 10, None, True, True)]),
    ("eGFR ≥ 45 mL/min/1.73 m2", "inclusion", [("egfr", 45, None, True, True)]),
    ("HbA1c 7.0-10.5%", "inclusion", [("hba1c", 7.0, 10.5, True, True)]),
    ("QTcF ≤ 470 msec", "inclusion", [("qtc", None, 470, True, True)]),
    ("Fasting glucose > 7.0 mmol/L", "exclusion", [("glucose", pytest.approx(126.1, abs=0.1), None, False, True)]),
    ("Serum creatinine > 176 µmol/L", "exclusion", [("creatinine", pytest.approx(1.99, abs=0.01), None, False, True)]),
    ("Albumin < 3.0 g/dL", "exclusion", [("albumin", None, 30, True, False)]),
    ("Uncontrolled hypertension (blood pressure > 160/100 mmHg)", "exclusion",
     [("sbp", 160, None, False, True), ("dbp", 100, None, False, True)]),
    ("Total bilirubin ≤ 1.5 x institutional upper limit of normal", "inclusion",
     [("bilirubin_x_uln", None, 1.5, True, True)]),
    ("Absolute neutrophil count ≥ 1.5 x 10^9/L (1,500/mm³)", "inclusion", [("anc", 1.5, None, True, True)]),
    ("Life expectancy of at least 12 weeks", "inclusion", [("life_expectancy", pytest.approx(2.76, abs=0.01), None, True, True)]),
])
def test_forms(text, kind, expected):
    assert bounds(text, kind) == expected


@pytest.mark.parametrize("text,kind", [
    ("Hemoglobin < 9 g/dL unless due to thalassemia", "exclusion"),  # conditional: not a rule for everyone
    ("HbA1c ≤ 53 mmol/mol", "inclusion"),  # IFCC is another scale, not a unit of the % value
    ("Total bilirubin ≥ 0.5 x lower limit of normal", "inclusion"),
    ("Patients with HbA1c < 7% are eligible", "exclusion"),  # an exclusion worded as what is allowed
    ("BMI >40 Kg/ mm", "exclusion"),  # a unit that cannot be read: no rule, no crash
])
def test_refused_rather_than_inverted(text, kind):
    assert bounds(text, kind) == []


def test_conditional_alternative_is_not_applied_to_everyone():
    text = "AST/ALT ≤ 2.5 × ULN (≤ 5 × ULN for patients with liver metastases)"
    # reported (what the protocol states for most patients) but not executed: it would fail the exception
    assert bounds(text, executable=False) == [("ast_x_uln", None, 2.5, True, True), ("alt_x_uln", None, 2.5, True, True)]
    assert all(t.has_exception for t in draft_thresholds(text, "inclusion"))
    assert bounds(text) == []
    text = "QTc interval >450 ms for men or 470 ms for women"
    assert bounds(text, "exclusion") == []


def test_inclusion_worded_as_exclusion_is_complemented_never_inverted():
    assert bounds("Patients with hemoglobin < 9 g/dL will be excluded") == [("hemoglobin", 90, None, True, True)]


def test_or_between_fields_in_an_inclusion_is_not_executed_but_reported():
    text = "Creatinine ≤ 1.5 mg/dL or creatinine clearance ≥ 60 mL/min"
    assert bounds(text) == []
    rules = draft_rules(crit(text))
    assert [r.kind for r in rules] == ["judgment"]
    ths = draft_thresholds(text, "inclusion")
    assert [t.or_group for t in ths] == [1, 1]


def test_uln_rule_evaluates_from_ratio_or_from_value_and_lab_uln():
    c = crit("ALT ≤ 2.5 × ULN").model_copy(update={"rules": draft_rules(crit("ALT ≤ 2.5 × ULN"))})
    rs = Ruleset("NCT00000000", [c])
    assert evaluate_candidate(rs, parse_candidate({"alt_x_uln": "2"})).criteria[0].status == "pass"
    assert evaluate_candidate(rs, parse_candidate({"alt": "120", "alt_uln": "40"})).criteria[0].status == "fail"
    assert evaluate_candidate(rs, parse_candidate({"alt": "80", "alt_uln": "40"})).criteria[0].status == "pass"
    assert evaluate_candidate(rs, parse_candidate({"alt": "80"})).criteria[0].status == "unknown"  # no lab ULN


def test_uln_ratio_in_a_cohort_frame():
    import pandas as pd

    from trialkit.criteria.evaluate import evaluate_frame

    c = crit("ALT ≤ 2.5 × ULN").model_copy(update={"rules": draft_rules(crit("ALT ≤ 2.5 × ULN"))})
    frame = pd.DataFrame({"alt": [50.0, 150.0, None], "alt_uln": [40.0, 40.0, 40.0]})
    assert evaluate_frame(Ruleset("NCT00000000", [c]), frame).codes[:, 0].tolist() == [1, -1, 0]


def test_rules_draft_command(tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "a", "kind": "inclusion", "text": "ALT ≤ 2.5 × ULN; platelets ≥ 100,000/mm3"}),
        "not json",
        json.dumps({"id": "c", "kind": "exclusion", "text": "BMI >40 Kg/ mm"}),
        json.dumps({"id": "d", "kind": "inclusion", "text": "ECOG 0 or 1"}),
        json.dumps({"id": "e", "kind": "inclusion", "text": "HbA1c between 7.0% and 10.5%"}),
    ]) + "\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "trialkit", "rules", "draft", "--jsonl", str(f)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    rows = [json.loads(x) for x in out]
    assert len(rows) == 5
    assert [(r["field"], r["unit"], r["minimum"], r["maximum"]) for r in rows[4]["rules"]] == [("hba1c", "%", 7.0, 10.5)]
    a = rows[0]["rules"]
    assert (a[0]["field"], a[0]["unit"], a[0]["maximum"]) == ("alt", "x ULN", 2.5)
    assert (a[1]["field"], a[1]["unit"], a[1]["minimum"]) == ("platelets", "10^9/L", 100.0)
    assert rows[1]["error"].startswith("line 2") and rows[1]["rules"] == []
    assert rows[2] == {"id": "c", "rules": [], "error": None}
    assert (rows[3]["rules"][0]["unit"], rows[3]["rules"][0]["minimum"], rows[3]["rules"][0]["maximum"]) == ("", 0, 1)


def test_rules_draft_missing_file_exits_2_with_one_line(tmp_path):
    p = subprocess.run([sys.executable, "-m", "trialkit", "rules", "draft", "--jsonl", str(tmp_path / "nope.jsonl")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "nope.jsonl" in p.stderr
