"""Imported studies whose criteria used to crash the drafting load, and their What-if page works (issue 15).

The record is a copy of the real NCT03377387 (shared/ctgov) with the two criteria issue 15 reports as
crash-inducing appended to its exclusion list, and a copy with headings the splitter used to miss; both are
test fixtures written to a temporary data directory (the shared file is never modified)."""
from __future__ import annotations

import json
from pathlib import Path

PAGE = "pages/3_What_if.py"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "ctgov" / "NCT03377387.json"


def _import(eligibility_text: str, nct: str) -> None:
    from trialkit.catalog import default_catalog

    data = json.loads(SHARED.read_text(encoding="utf-8"))
    data["protocolSection"]["identificationModule"]["nctId"] = nct
    data["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = eligibility_text
    default_catalog().add(json.dumps(data).encode("utf-8"), source_name=f"{nct}.json")


def test_crash_inducing_criteria_load_and_the_whatif_page_works(data_dir, apptest):
    text = json.loads(SHARED.read_text(encoding="utf-8"))["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    text += "\n* platelets < 90,000/mm3)\n* BMI >40 Kg/ mm\n"
    _import(text, "NCT03377387")
    at = apptest(PAGE, trial="NCT03377387", age="40")
    assert not at.exception
    assert any("nobody has reviewed" in w.value for w in at.warning)
    at.slider(key="wi_platelets").set_value(71).run()
    assert not at.exception
    t = at.dataframe[0].value
    rows = t[t["Reason"].str.contains("Platelets 71", na=False)]
    assert len(rows) >= 1  # the drafted "platelets < 90,000/mm3" rule reads the slider


def test_headingless_text_says_kind_cannot_be_told(data_dir, apptest):
    _import("* Age 18 to 65 years\n* Hemoglobin < 9 g/dL\n", "NCT03377387")
    at = apptest("pages/2_Criteria.py", trial="NCT03377387")
    assert not at.exception
    assert any("cannot be told" in w.value for w in at.warning)
    at = apptest(PAGE, trial="NCT03377387", age="40")
    assert not at.exception


def _criteria_page(apptest):
    """The Criteria page with the (lazy) review panel open: its inputs are built only while it is open."""
    from ui.rule_review import PANEL_KEY

    at = apptest("pages/2_Criteria.py", trial="NCT03377387")
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == "rr_criterion"]  # closed: nothing of the panel is sent
    at.session_state[PANEL_KEY] = True
    at.run()
    assert not at.exception
    return at


def test_review_accept_saves_reviewed_rules_with_who_and_when(data_dir, apptest, tmp_path, monkeypatch):
    from trialkit.criteria.ruleset import load_ruleset, read_rules_file
    from trialkit.ctgov import load_study

    monkeypatch.setenv("TRIALKIT_RULES_DIR", str(tmp_path / "rules"))
    from trialkit.catalog import default_catalog

    default_catalog().add(SHARED.read_bytes(), source_name="NCT03377387.json")
    at = _criteria_page(apptest)
    at.selectbox(key="rr_criterion").set_value("I9").run()
    at.button(key="rr_accept_I9").click().run()
    assert not at.exception
    assert any("rules saved as reviewed" in s.value for s in at.success)
    path = tmp_path / "rules" / "NCT03377387.json"
    rf = read_rules_file(path)
    assert [r.field for r in rf.criteria["I9"]] == ["wbc", "anc", "platelets", "hemoglobin", None][:len(rf.criteria["I9"])]
    assert rf.reviews["I9"].by.startswith("local:") and rf.reviews["I9"].decision == "accept"
    # reviewed everywhere: the ruleset every page, the report and the CLI read
    trial = load_study(SHARED)
    rs = load_ruleset(trial)
    i9 = rs.criterion("I9")
    assert not i9.rules_unreviewed and all(r.reviewed for r in i9.rules)
    # the audit trail has who and when
    from trialkit.enrollment.audit import read_audit
    from ui import loaders

    audit = read_audit(loaders.engine(), "NCT03377387")
    assert (audit["action"] == "review_rules").any()
    # judgment only, then an edited bound in another unit
    at.button(key="rr_judgment_I9").click().run()
    assert [r.kind for r in read_rules_file(path).criteria["I9"]] == ["judgment"]
    at.selectbox(key="rr_criterion").set_value("I7").run()
    at.text_input(key="rr_min_I7").input("55")
    at.text_input(key="rr_words_I7").input("(LVEF) ≥50%")
    form_buttons = [b for b in at.button if "Save rule" in (b.label or "")]
    form_buttons[0].click().run()
    assert not at.exception
    got = read_rules_file(path).criteria["I7"]
    assert [(r.field, r.minimum) for r in got if r.kind == "range"] == [("lvef", 55.0)]


def test_review_refuses_words_not_in_the_text(data_dir, apptest, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALKIT_RULES_DIR", str(tmp_path / "rules"))
    from trialkit.catalog import default_catalog

    default_catalog().add(SHARED.read_bytes(), source_name="NCT03377387.json")
    at = _criteria_page(apptest)
    at.selectbox(key="rr_criterion").set_value("I7").run()
    at.text_input(key="rr_min_I7").input("55")
    at.text_input(key="rr_words_I7").input("LVEF at least 55 percent")
    [b for b in at.button if "Save rule" in (b.label or "")][0].click().run()
    assert any("not in the criterion's text" in e.value for e in at.error)
    assert not (tmp_path / "rules" / "NCT03377387.json").exists()


def test_read_only_mode_turns_review_off(data_dir, apptest, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALKIT_RULES_DIR", str(tmp_path / "rules"))
    from trialkit.catalog import default_catalog

    default_catalog().add(SHARED.read_bytes(), source_name="NCT03377387.json")
    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    at = _criteria_page(apptest)
    assert at.button(key="rr_accept_I1").disabled
    assert any("read-only" in i.value for i in at.info)


def test_changed_words_need_review_again(tmp_path, monkeypatch):
    from trialkit.criteria import review
    from trialkit.criteria.ruleset import load_ruleset
    from trialkit.ctgov import load_study

    monkeypatch.setenv("TRIALKIT_RULES_DIR", str(tmp_path / "rules"))
    trial = load_study(SHARED)
    c = trial.criteria[0]
    review.save_review(trial, c.id, [review.judgment_rule(c.kind)], user="dr.a", decision="judgment_only")
    assert not load_ruleset(trial).criterion(c.id).rules_unreviewed
    e = trial.eligibility
    amended = [c.model_copy(update={"text": c.text + " (amended)"}), *e.criteria[1:]]
    changed = trial.model_copy(update={"eligibility": e.model_copy(update={"criteria": amended})})
    rs = load_ruleset(changed)
    assert rs.criterion(c.id).rules_unreviewed
    assert any("need review again" in p for p in rs.problems)


def test_whatif_page_survives_arbitrary_criteria_text(data_dir, apptest):
    """The property test's last step: generated eligibility text through import, ruleset and the What-if page."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    pieces = ["Inclusion Criteria:", "Exclusion Criteria:", "\n* ", "\n1. ", "\n   a) ", "platelets < 90,000/mm3)",
              "BMI >40 Kg/ mm", "ALT ≤ 2.5 × ULN", "ECOG 0 or 1", "<", "≥", "x10(9)/L", "unless", "\\>=", "**",
              "age", "18", "years", "\x00", "<script>", "[link](javascript:x)"]

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(pieces), min_size=1, max_size=25).map("".join))
    def run(text):
        _import(text, "NCT03377387")
        at = apptest(PAGE, trial="NCT03377387", age="40")
        assert not at.exception, text

    run()
