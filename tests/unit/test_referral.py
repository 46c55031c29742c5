"""Referral summary of a what-if check: trial, criteria results, what would change; no personal identifiers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
import re

import pytest

from trialkit import referral
from trialkit.ctgov import load_study

T = "NCT07176143"


@dataclass
class _Crit:  # the shape of the engine's per-criterion result (id, kind, status, reason)
    id: str
    kind: str
    status: str
    reason: str


@dataclass
class _Result:  # the shape of the engine's CandidateResult
    status: str
    criteria: list[_Crit] = field(default_factory=list)

    def failed_ids(self):
        return [c.id for c in self.criteria if c.status == "fail"]

    def unknown_ids(self):
        return [c.id for c in self.criteria if c.status == "unknown"]


def _result(trial, fail=(), unknown=()):
    crits = [_Crit(c.id, c.kind, "fail" if c.id in fail else "unknown" if c.id in unknown else "pass",
                   f"reason for {c.id}") for c in trial.criteria]
    status = "ineligible" if fail else "needs_review" if unknown else "eligible"
    return _Result(status, crits)


@pytest.fixture
def trial(data_dir):
    return load_study(data_dir / "trials" / f"{T}.json")


def _result_from_engine(trial, pairs):
    """The real engine's result, candidate and nearest changes."""
    from trialkit.criteria.evaluate import evaluate_candidate, nearest_changes, parse_candidate
    from trialkit.criteria.ruleset import load_ruleset

    ruleset = load_ruleset(trial)
    cand = parse_candidate(pairs)
    result = evaluate_candidate(ruleset, cand)
    return result, cand, [s.text for s in nearest_changes(ruleset, cand, result)]


def test_referral_lists_results_and_what_would_change(trial):
    res = _result(trial, fail=["I2"], unknown=["I5"])
    r = referral.build_referral(trial, res, {"age": "41", "sex": "female"}, today=date(2026, 3, 1))
    assert r.verdict_label == "Ineligible" and r.filename_stem == f"{T}_referral_2026-03-01"
    assert r.what_would_change == ["I2 fails: reason for I2", "I5 is undecided: reason for I5"]
    md = r.to_markdown()
    assert f"# Referral summary: {T}" in md and "**Pre-screening result:** Ineligible" in md
    assert "| I2 | inclusion | Fail | reason for I2 |" in md
    assert len(re.findall(r"(?m)^\| [IE]\d+ \|", md)) == len(trial.criteria)
    assert "| age | 41 |" in md
    txt = r.to_text()
    assert "I5 (inclusion): Unknown - reason for I5" in txt and "age = 41" in txt
    assert "Guihua Liu" in txt  # the study's central contact, as the registry lists it


def test_referral_never_carries_identifiers(trial):
    cand = {"age": 30, "name": "Ann Example", "email": "ann@example.org", "patient_id": "P-001",
            "bmi": "22", "notes": "phone +44 20 7946 0958", "pregnant": False, "afc": None}
    r = referral.build_referral(trial, _result(trial), cand)
    assert r.values == {"age": "30", "bmi": "22", "pregnant": "no"}
    assert r.values_left_out == 4
    for text in (r.to_markdown(), r.to_text()):
        assert "Ann" not in text and "example.org" not in text and "P-001" not in text and "7946" not in text
        assert "4 value(s) that looked identifying were left out" in text
    assert r.verdict_label == "Eligible" and "Nothing: every criterion passes." in r.to_markdown()


def test_markdown_is_inert_for_hostile_criteria(trial):
    t = trial.model_copy(deep=True)
    t.eligibility.criteria[0].text = "[click](javascript:alert(1)) ![x](http://evil/x.png) <script>x</script> | a"
    md = referral.build_referral(t, _result(t, fail=[t.criteria[0].id])).to_markdown()
    assert "](javascript" not in md and "<script>" not in md and "![x](" not in md
    assert r"\[click\]\(javascript:alert\(1\)\)" in md.replace("\\:", ":")


def test_custom_what_would_change_lines(trial):
    r = referral.build_referral(trial, _result(trial, fail=["I3"]), None,
                                what_would_change=["BMI 27 kg/m² or lower would pass I3"])
    assert r.what_would_change == ["BMI 27 kg/m² or lower would pass I3"] and r.values == {}


def test_with_the_real_engine_when_available(trial):
    result, cand, lines = _result_from_engine(trial, {"age": "45", "sex": "female", "hpv_types": "16,52"})
    r = referral.build_referral(trial, result, cand, what_would_change=lines)
    assert r.verdict_label == "Ineligible"  # 45 is above the maximum age of 38
    assert "I2" in result.failed_ids() and any(c.id == "I2" and c.status == "fail" for c in r.criteria)
    assert {c.id for c in r.criteria} >= {c.id for c in trial.criteria}
    assert r.values["age"] == "45" and r.values["hpv_types"] == "16,52"
    assert r.what_would_change == lines and lines


def test_drafted_automatically_flag_comes_from_the_ruleset(data_dir):
    """An imported trial's rules are drafted from its text: the referral says so (read from the ruleset; the
    trial's own criteria never carry rules). A trial with reviewed rules files does not say it."""
    from pathlib import Path

    from trialkit.catalog import default_catalog
    from trialkit.criteria.evaluate import evaluate_candidate
    from trialkit.criteria.ruleset import load_ruleset

    raw = (Path(__file__).resolve().parents[3] / "shared" / "ctgov" / "NCT03377387.json").read_bytes()
    cat = default_catalog()
    imported, _, _ = cat.add(raw, source_name="NCT03377387.json")
    rs = load_ruleset(imported)
    assert rs.unreviewed_count and not any(c.rules_unreviewed for c in imported.criteria)
    r = referral.build_referral(imported, evaluate_candidate(rs, {"age": 30.0}), {"age": 30.0})
    assert r.unreviewed_rules and "automatically drafted" in r.to_markdown()
    curated = cat.load("NCT07176143")
    rc = load_ruleset(curated)
    r2 = referral.build_referral(curated, evaluate_candidate(rc, {}), {}, ruleset=rc)
    assert not r2.unreviewed_rules and "automatically drafted" not in r2.to_markdown()


def test_referral_in_chinese_keeps_the_registry_words_and_english_files_unchanged(trial):
    """On a Chinese page the study team gets the summary in Chinese (headings, results, verdict); the
    registry's own words (title, criteria) stay as registered, and English (the default) does not change."""
    from trialkit.i18n import language

    res = _result(trial, fail=["I2"], unknown=["I5"])
    english = referral.build_referral(trial, res, {"age": 41}, today=date(2026, 9, 1))
    md_en, text_en = english.to_markdown(), english.to_text()
    with language("zh"):
        zh = referral.build_referral(trial, res, {"age": 41}, today=date(2026, 9, 1))
        md, text = zh.to_markdown(), zh.to_text()
    assert md.startswith(f"# 转介摘要：{T}")
    for words in ("**试验：**", "**预筛选结果：** 不合格（trialkit 假设分析核查，2026-09-01）", "## 各条标准的结果",
                  "| 编号 | 类别 | 结果 | 理由 | 标准 |", "| I2 | 入选 | 未通过 |", "## 怎样会改变结果", "I2 未通过：reason for I2"):
        assert words in md, words
    assert referral.md_cell(trial.title) in md  # the registry's title as registered
    assert "I5（入选）：未知 — reason for I5" in text and text.startswith(f"转介摘要：{T}")
    for english_words in ("Referral summary", "Criteria results", "Pre-screening", "What would change", "fails:"):
        assert english_words not in md and english_words not in text
    assert md_en.startswith(f"# Referral summary: {T}") and "**Pre-screening result:** Ineligible" in md_en
    assert referral.build_referral(trial, res, {"age": 41}, today=date(2026, 9, 1)).to_text() == text_en
