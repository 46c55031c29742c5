"""What-if page (AppTest): the URL sets the scenario, moving a slider changes the verdict and the URL."""
from __future__ import annotations

PAGE = "pages/3_What_if.py"


def verdict(at) -> str:
    words = ("Eligible", "Ineligible", "Needs review")
    found = [m.value for m in at.markdown if m.value.startswith("## :") and any(w in m.value for w in words)]
    assert len(found) == 1, found
    return next(w for w in ("Needs review", "Ineligible", "Eligible") if w in found[0])


def table(at):
    return at.dataframe[0].value


def test_slider_move_changes_verdict(apptest):
    at = apptest(PAGE, trial="NCT07176143", age="30")
    assert not at.exception
    assert verdict(at) == "Needs review"
    assert at.session_state["wi_state_age"] is True
    assert at.slider(key="wi_age").value == 30
    at.slider(key="wi_age").set_value(39).run()
    assert not at.exception
    assert verdict(at) == "Ineligible"
    t = table(at)
    row = t[t["Criterion"] == "I2"].iloc[0]
    assert row["Result"] == "FAIL" and row["Reason"] == "Age 39 years is above the maximum of 38 years"
    assert at.query_params["age"] == "39"  # the scenario is in the URL
    assert any("I2: lower Age from 39 years to 38 years" in m.value.replace("\\", "") for m in at.markdown)
    at.slider(key="wi_age").set_value(38).run()
    assert verdict(at) == "Needs review"


def test_link_sets_the_scenario(apptest):
    at = apptest(PAGE, trial="NCT07176143", fsh="10.4", hemoglobin="98", months_since_other_trial="never")
    assert not at.exception
    assert verdict(at) == "Ineligible"
    t = table(at)
    assert t[t["Criterion"] == "I5"].iloc[0]["Reason"] == "FSH 10.4 IU/L is above the maximum of 10 IU/L"
    assert t[t["Criterion"] == "E16"].iloc[0]["Result"] == "pass"
    assert at.radio(key="wi_state_months_since_other_trial").value == "never"
    # every criterion is in the table, with its text
    assert len(t) == 28 and set(t.columns) == {"Criterion", "Result", "Reason", "Kind", "Criterion text"}


def test_clear_makes_it_unknown(apptest):
    at = apptest(PAGE, trial="NCT07176143", age="39")
    assert verdict(at) == "Ineligible"
    assert not at.button(key="wi_clear_age").disabled
    at.button(key="wi_clear_age").click().run()
    assert verdict(at) == "Needs review"
    assert "age" not in at.query_params
    assert at.button(key="wi_clear_age").disabled  # nothing left to clear
    assert any("Age" in c.value or "unknown (move the slider" in c.value for c in at.caption)


def test_an_unknown_slider_moves_at_once_and_becomes_known(apptest):
    """No "known" box to tick first: the first move of an unknown slider sets the value."""
    at = apptest(PAGE, trial="NCT07176143")
    assert at.session_state["wi_state_age"] is False and "age" not in at.query_params
    assert not at.slider(key="wi_age").disabled
    at.slider(key="wi_age").set_value(39).run()
    assert not at.exception
    assert at.session_state["wi_state_age"] is True and at.query_params["age"] == "39"
    assert verdict(at) == "Ineligible"
    # a time since an event: moving the slider chooses "months ago"
    at.slider(key="wi_months_since_other_trial").set_value(1).run()
    assert at.radio(key="wi_state_months_since_other_trial").value == "value"
    assert at.query_params["months_since_other_trial"] == "1"
    at.button(key="wi_clear_months_since_other_trial").click().run()
    assert at.radio(key="wi_state_months_since_other_trial").value == "unknown"
    assert "months_since_other_trial" not in at.query_params


def test_database_work_waits_for_the_button(apptest, monkeypatch):
    """Recording a screening and the referral open in a dialog when asked, not on every slider move."""
    from ui import record_screening, referral

    calls = []
    monkeypatch.setattr(record_screening, "render", lambda *a, **k: calls.append("record"))
    monkeypatch.setattr(referral, "render", lambda *a, **k: calls.append("referral"))
    at = apptest(PAGE, trial="NCT07176143", age="30")
    at.slider(key="wi_age").set_value(39).run()
    assert calls == []
    at.button(key="wi_referral_open").click().run()
    assert not at.exception and calls == ["referral"]


def test_hpv_trial_facts_and_types(apptest):
    at = apptest(PAGE, trial="NCT06610773", age="30", hpv_types="16,52")
    assert not at.exception
    assert at.multiselect(key="wi_hpv_types").value == ["16", "52"]
    assert verdict(at) == "Needs review"
    at.selectbox(key="wi_pregnant").set_value("yes").run()
    assert verdict(at) == "Ineligible"
    assert at.query_params["pregnant"] == "yes"
    t = table(at)
    assert t[t["Criterion"] == "E1"].iloc[0]["Reason"] == "Pregnant: yes (excludes)"


def test_bad_link_value_is_named_and_ignored(apptest):
    at = apptest(PAGE, trial="NCT07176143", fsh="3 g/dL", age="30")
    assert not at.exception
    assert any("fsh" in w.value and "g/dL" in w.value for w in at.warning)
    assert verdict(at) == "Needs review"
    assert at.session_state["wi_state_fsh"] is False


def test_executable_count_shown(apptest):
    at = apptest(PAGE, trial="NCT07176143")
    assert any("21 of 28 criteria have executable rules" in c.value for c in at.caption)


def test_imported_trial_says_rules_are_unreviewed(data_dir, apptest):
    from pathlib import Path

    from trialkit.catalog import default_catalog

    raw = (Path(__file__).resolve().parents[3] / "shared" / "ctgov" / "NCT03377387.json").read_bytes()
    default_catalog().add(raw, source_name="NCT03377387.json")
    at = apptest(PAGE, trial="NCT03377387", age="17")
    assert not at.exception
    assert any("nobody has reviewed" in w.value for w in at.warning)
    assert any("8 of 26 criteria have executable rules" in c.value for c in at.caption)
    assert verdict(at) == "Ineligible"
    assert at.slider(key="wi_hemoglobin").label == "Haemoglobin (g/L)"
    at.slider(key="wi_hemoglobin").set_value(75).run()
    t = table(at)
    assert t[t["Criterion"] == "I9"].iloc[0]["Reason"] == "Haemoglobin 75 g/L is below the minimum of 80 g/L"


def test_a_late_url_echo_does_not_undo_a_slider_move(apptest):
    at = apptest(PAGE, trial="NCT07176143", age="30")
    at.slider(key="wi_age").set_value(39).run()
    at.slider(key="wi_age").set_value(37)
    at.query_params["age"] = "39"  # the browser still shows the URL of the previous run
    at.run()
    assert at.slider(key="wi_age").value == 37 and verdict(at) == "Needs review"
    assert at.query_params["age"] == "37"
    at.query_params["age"] = "45"  # a URL this session never wrote: a new scenario, it wins
    at.run()
    assert at.slider(key="wi_age").value == 45 and verdict(at) == "Ineligible"


def test_only_judgment_left(apptest):
    from tests.unit.test_criteria_evaluate import FULL_IVF

    at = apptest(PAGE, trial="NCT07176143", **FULL_IVF)
    assert not at.exception
    assert verdict(at) == "Needs review"
    assert any("needs a clinician's judgment (I1, E1, E2" in i.value for i in at.info)


def test_answering_the_judgment_questions_makes_her_eligible(apptest):
    from tests.unit.test_criteria_evaluate import FULL_IVF

    at = apptest(PAGE, trial="NCT07176143", **FULL_IVF)
    assert not at.exception
    assert verdict(at) == "Needs review"
    assert any(m.value == "**Clinician's judgment**" for m in at.markdown)
    ids = ["I1", "E1", "E2", "E6", "E8", "E10", "E11", "E14", "E17", "E18"]
    radios = {r.key: r for r in at.radio if r.key.startswith("wi_judgment.")}
    assert list(radios) == [f"wi_judgment.{i}" for i in ids]
    assert all(r.value == "unknown" and r.options == ["unknown", "yes", "no"] for r in radios.values())
    assert radios["wi_judgment.E17"].label.replace("\\", "").startswith("E17 (exclusion): Does any condition")
    for i in ids:
        at.radio(key=f"wi_judgment.{i}").set_value("yes" if i == "I1" else "no")
    at.run()
    assert not at.exception
    assert verdict(at) == "Eligible"
    t = table(at)
    assert t[t["Criterion"] == "E17"].iloc[0]["Reason"] == "clinician's judgment: no"
    assert at.query_params["judgment.E17"] == "no" and at.query_params["judgment.I1"] == "yes"
    at.radio(key="wi_judgment.E17").set_value("yes").run()  # the excluding condition is present
    assert verdict(at) == "Ineligible"
    assert table(at).set_index("Criterion").loc["E17", "Result"] == "FAIL"
    assert any("E17: would pass if the clinician's answer were no" in m.value.replace("\\", "") for m in at.markdown)
    at.radio(key="wi_judgment.E17").set_value("unknown").run()
    assert verdict(at) == "Needs review" and "judgment.E17" not in at.query_params


def test_judgment_answers_come_from_the_link(apptest):
    at = apptest(PAGE, trial="NCT06610773", **{"judgment.E6": "yes", "judgment.I2": "no", "judgment.E10": "perhaps"})
    assert not at.exception
    assert at.radio(key="wi_judgment.E6").value == "yes"
    assert at.radio(key="wi_judgment.E10").value == "unknown"
    assert verdict(at) == "Ineligible"
    t = table(at)
    assert t[t["Criterion"] == "E6"].iloc[0]["Reason"] == "clinician's judgment: yes (excludes)"
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert any("judgment.I2" in w and "has no judgment rule" in w for w in warnings)
    assert any("judgment.E10" in w and "is not yes or no" in w for w in warnings)


def test_judgment_answers_do_not_follow_a_trial_switch(apptest):
    """E10 of one trial is not E10 of another: a clinician's answers stay with their trial."""
    at = apptest(PAGE, trial="NCT07176143", age="30", **{"judgment.E10": "yes", "judgment.E17": "no"})
    assert at.radio(key="wi_judgment.E10").value == "yes"
    at.query_params["trial"] = "NCT06610773"  # what the sidebar's trial chooser does
    at.run()
    assert not at.exception
    assert at.radio(key="wi_judgment.E10").value == "unknown"
    assert "judgment.E10" not in at.query_params and "judgment.E17" not in at.query_params
    assert at.query_params["age"] == "30"  # a plain field means the same in both trials
    assert not any("judgment" in w.value for w in at.warning)
