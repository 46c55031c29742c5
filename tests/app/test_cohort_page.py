"""The Cohort what-if page: simulated cohort labelled as such, live threshold sliders that never
regenerate the cohort, uploads checked row by row, demo mode without per-patient data."""
from __future__ import annotations

import pytest

PAGE = "pages/4_Cohort.py"
TRIAL = "NCT07176143"


def _texts(at) -> str:
    out = []
    for kind in ("header", "subheader", "markdown", "caption", "text", "info", "warning", "error"):
        out.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(out)


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture
def counting(monkeypatch):
    import trialkit.cohort.pipeline as pipeline

    calls = {"simulate": 0, "evaluate": 0}
    real_sim, real_eval = pipeline.simulate, pipeline.evaluate_frame

    def sim(*a, **k):
        calls["simulate"] += 1
        return real_sim(*a, **k)

    def ev(*a, **k):
        calls["evaluate"] += 1
        return real_eval(*a, **k)

    monkeypatch.setattr(pipeline, "simulate", sim)
    monkeypatch.setattr(pipeline, "evaluate_frame", ev)
    return calls


def open_tab(at, label: str) -> None:
    """Choose a tab of the lazy tab bar (its state is the session key ``cohort_tab``)."""
    at.session_state["cohort_tab"] = label
    at.run()
    assert not at.exception


def test_simulated_cohort_and_live_slider(apptest, counting):
    at = apptest(PAGE, trial=TRIAL)
    assert not at.exception
    text = _texts(at)
    assert "Simulated cohort" in text
    assert any("Simulated cohort" in m.label for m in at.metric)
    n = int(_metric(at, "Patients (Simulated cohort)").replace(",", ""))
    assert n == 50_000
    parts = [int(_metric(at, k).replace(",", "")) for k in ("Eligible", "Needs review", "Excluded")]
    assert sum(parts) == n
    assert counting == {"simulate": 1, "evaluate": 1}
    # tabs are lazy: only the open tab's content runs (the sliders live in the "What if" tab)
    assert not any(s.key.startswith("cohort_bound_") for s in at.slider if s.key)
    open_tab(at, "What if")
    # every numeric bound can be chosen; one slider (and one curve) is drawn at a time
    pick = at.selectbox(key="cohort_bound_pick")
    assert [o for o in pick.options if "BMI" in o] and [o for o in pick.options if "FSH" in o]
    assert [o for o in pick.options if "aemoglobin" in o]
    assert len([s for s in at.slider if s.key and s.key.startswith("cohort_bound_")]) == 1
    assert len(at.get("plotly_chart")) == 1
    # moving BMI max relaxes I3 without regenerating the cohort
    pick.set_value("bmi.max").run()
    before = parts[2]
    at.slider(key="cohort_bound_bmi.max").set_value(32.0).run()
    assert not at.exception
    after = int(_metric(at, "Excluded").replace(",", ""))
    assert after < before
    assert counting == {"simulate": 1, "evaluate": 1}, "moving a threshold must not regenerate the cohort"
    lines = "\n".join(t.value for t in at.text)
    assert "BMI ≤ 27 → ≤ 32 kg/m² (I3): +" in lines and "eligible or needing review" in lines
    # another bound's slider: the moved BMI bound stays in force, and comes back when chosen again
    at.selectbox(key="cohort_bound_pick").set_value("fsh.max").run()
    assert not at.exception
    assert int(_metric(at, "Excluded").replace(",", "")) == after
    assert "BMI ≤ 27 → ≤ 32 kg/m² (I3)" in "\n".join(t.value for t in at.text)
    at.selectbox(key="cohort_bound_pick").set_value("bmi.max").run()
    assert at.slider(key="cohort_bound_bmi.max").value == 32.0
    # charts carry the cohort label
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert specs and all("Simulated cohort" in s for s in specs)


def test_other_seed_regenerates_and_parameters_show_sources(apptest, counting):
    at = apptest(PAGE, trial=TRIAL)
    at.number_input(key="cohort_n").set_value(5000).run()
    assert int(_metric(at, "Patients (Simulated cohort)").replace(",", "")) == 5000
    assert counting["simulate"] == 2
    table = at.dataframe
    params = next(t.value for t in table if "parameter" in t.value.columns)
    assert set(params["source"]) >= {"assumption"}
    assert params["source"].str.contains("Bull").any()


GOOD = ("patient_id,age,bmi,fsh,hemoglobin\n"
        "p1,30,22,6,125\np2,30,29,6,125\np3,30,22,6,9.5 g/dL\np4,30,22,6,\np5,31,23,7,130\np6,32,24,8,131\n")


def test_upload_good_and_bad(apptest):
    at = apptest(PAGE, trial=TRIAL)
    at.radio(key="cohort_source").set_value("Upload a CSV").run()
    at.file_uploader[0].set_value(("mine.csv", b"patient_id,age,bmi\np1,thirty,22\np2,30,x kg\n", "text/csv")).run()
    assert not at.exception
    assert any("problem" in e.value for e in at.error)
    problems = "\n".join(at.dataframe[-1].value["problem"])
    assert "row 2: age: 'thirty' is not a number" in problems and "row 3: bmi:" in problems
    at.file_uploader[0].set_value(("mine.csv", GOOD.encode(), "text/csv")).run()
    assert not at.exception
    assert _metric(at, "Patients (Uploaded cohort (mine.csv))") == "6"
    assert "Simulated cohort:" not in "\n".join(i.value for i in at.info)


def test_demo_mode_hides_per_patient_data(apptest):
    at = apptest(PAGE, trial=TRIAL, demo="1")
    assert not at.exception
    open_tab(at, "Per-patient results")
    assert "per-patient tables and downloads are turned off" in _texts(at)
    assert not any(b.key == "cohort_prepare" for b in at.button)


def test_per_patient_download_says_simulated(apptest):
    at = apptest(PAGE, trial=TRIAL)
    at.number_input(key="cohort_n").set_value(2000).run()
    open_tab(at, "Per-patient results")
    at.button(key="cohort_prepare").click().run()
    assert not at.exception
    buttons = at.get("download_button")
    assert any("Download per-patient results" in b.proto.label for b in buttons)
    preview = next(d.value for d in at.dataframe if "status" in d.value.columns)
    assert set(preview["cohort"]) == {"Simulated cohort"}
    assert set(preview["status"]) <= {"eligible", "needs_review", "ineligible"}


def test_judgment_upper_bound_box(apptest, counting):
    """Ticking the optimistic upper bound re-evaluates the same cohort (never regenerates it) and says so."""
    at = apptest(PAGE, trial="NCT06610773")
    assert not at.exception
    parts = [int(_metric(at, k).replace(",", "")) for k in ("Eligible", "Needs review", "Excluded")]
    box = at.checkbox(key="cohort_assume_judgment")
    assert box.value is False and "every clinician's judgment assumed favourable" in box.label
    box.check().run()
    assert not at.exception
    assert counting == {"simulate": 1, "evaluate": 2}
    assert not any(m.label == "Eligible" for m in at.metric)
    upper = [int(_metric(at, k).replace(",", "")) for k in ("Eligible (upper bound)", "Needs review", "Excluded")]
    assert upper[2] == parts[2] and upper[0] + upper[1] == parts[0] + parts[1] and upper[0] >= parts[0]
    assert any("Optimistic upper bound: every clinician's judgment assumed favourable" in w.value.replace("\\", "")
               for w in at.warning)
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert specs and all("assumed favourable (upper bound)" in s for s in specs)
    at.checkbox(key="cohort_assume_judgment").uncheck().run()
    assert [int(_metric(at, k).replace(",", "")) for k in ("Eligible", "Needs review", "Excluded")] == parts
    assert counting["simulate"] == 1


def test_judgment_upper_bound_makes_complete_patients_eligible(apptest):
    from tests.unit.test_criteria_judgment import FULL_HPV

    cols = ["patient_id", *FULL_HPV]
    rows = [",".join(["p1", *(f'"{v}"' for v in FULL_HPV.values())]),
            ",".join(["p2", *(f'"{v}"' for v in {**FULL_HPV, "pregnant": "yes"}.values())]),
            ",".join(["p3", *(f'"{v}"' for v in FULL_HPV.values())])]
    data = ("\n".join([",".join(cols), *rows]) + "\n").encode()
    at = apptest(PAGE, trial="NCT06610773")
    at.radio(key="cohort_source").set_value("Upload a CSV").run()
    at.file_uploader[0].set_value(("complete.csv", data, "text/csv")).run()
    assert not at.exception
    assert [_metric(at, k) for k in ("Eligible", "Needs review", "Excluded")] == ["0", "2", "1"]
    at.checkbox(key="cohort_assume_judgment").check().run()
    assert not at.exception
    assert [_metric(at, k) for k in ("Eligible (upper bound)", "Needs review", "Excluded")] == ["2", "0", "1"]
