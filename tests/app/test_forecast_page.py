"""AppTest of the Forecast page (issue 6) on the simulated demo logs of both seed trials."""
from __future__ import annotations

import json
import re

from tests.app.test_enrollment_pages import all_text

PAGE = "pages/7_Forecast.py"


def k(name: str, at) -> str:
    """Widget keys carry the trial (so a switch of trial does not keep the other trial's inputs)."""
    trial = at.query_params["trial"]
    return f"{name}_{trial[0] if isinstance(trial, list) else trial}"


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_forecast_page_shows_fan_model_and_calibration(apptest):
    at = apptest(PAGE, trial="NCT07176143", timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    text = all_text(at)
    assert "simulated demo data" in text
    assert "Model: Poisson–gamma site model" in text
    assert at.number_input(key=k("fc_target", at)).value == 60  # default: the registry's enrollment count
    assert re.match(r"\d{4}-\d{2}-\d{2}$", metric(at, "Median date target reached"))
    assert "80% band (10%–90%)" in text
    assert metric(at, "P(target by").endswith("%")
    # the calibration and model-details expanders are lazy: nothing of them is built until opened
    assert "Past 80% bands that held" not in text and len(at.get("plotly_chart")) == 1
    assert len(at.dataframe) == 1  # the arms table
    at.session_state["fc_calibration"] = True
    at.session_state["fc_details"] = True
    at.run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    assert "Past 80% bands that held" in all_text(at)
    assert len(at.dataframe) == 4  # + parameters, sites, backtest table
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert any(t.startswith("Predicted cumulative enrollment") and "simulated demo data" in t for t in titles)
    assert any(t.startswith("Backtest") for t in titles)
    fan = next(c for c in charts if c["layout"]["title"]["text"].startswith("Predicted"))
    assert any(s.get("y0") == 60 for s in fan["layout"]["shapes"])  # the target line
    arms = at.dataframe[0].value
    assert set(arms["Arm"]) == {"Stem cell therapy group", "Control group"}


def test_what_if_moves_the_forecast(apptest):
    at = apptest(PAGE, trial="NCT07176143", timeout=180)
    before = metric(at, "Median date target reached")
    at.number_input(key=k("fc_add_n", at)).set_value(4)
    at.run(timeout=180)
    assert not at.exception
    after = metric(at, "Median date target reached")
    assert after < before
    delta = next(m for m in at.metric if m.label.startswith("Median date")).delta
    assert delta and delta.startswith("-") and "vs. no what-if" in delta
    # move the planned site S05 far into the future: later than with it on plan
    at.number_input(key=k("fc_add_n", at)).set_value(0)
    at.selectbox(key=k("fc_move_site", at)).set_value("S05")
    at.date_input(key=k("fc_move_date", at)).set_value(at.date_input(key=k("fc_as_of", at)).value.replace(
        year=at.date_input(key=k("fc_as_of", at)).value.year + 3))
    at.run(timeout=180)
    assert not at.exception
    assert metric(at, "Median date target reached") >= before


def test_looking_back_with_as_of(apptest):
    at = apptest(PAGE, trial="NCT07176143", timeout=180)
    enrolled_now = metric(at, "Enrolled")
    as_of = at.date_input(key=k("fc_as_of", at)).value
    at.date_input(key=k("fc_as_of", at)).set_value(as_of.replace(month=as_of.month - 3) if as_of.month > 3
                                           else as_of.replace(year=as_of.year - 1, month=as_of.month + 9))
    at.run(timeout=180)
    assert not at.exception
    then = metric(at, "Enrolled")
    assert int(then.split("/")[0]) <= int(enrolled_now.split("/")[0])
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    fan = next(c for c in charts if c["layout"]["title"]["text"].startswith("Predicted"))
    assert any(t.get("name") == "Enrolled after as-of (what happened)" for t in fan["data"])


def test_single_site_trial_states_the_fallback_and_needs_a_target(apptest):
    at = apptest(PAGE, trial="NCT06610773", timeout=180)
    assert not at.exception
    assert "states no enrollment target" in all_text(at)
    at.number_input(key=k("fc_target", at)).set_value(40)
    at.run(timeout=180)
    assert not at.exception
    text = all_text(at)
    assert "Single-rate Bayesian model" in text and "falls back" in text
    assert "planned duration" in text


def test_demo_mode_suppresses_small_counts(apptest):
    at = apptest(PAGE, trial="NCT07176143", demo="1", timeout=180)
    assert not at.exception
    table = at.dataframe[0].value
    for v in table["Enrolled now"]:
        assert v == "<5" or v == "0" or int(v.replace(",", "")) >= 5


def test_bad_by_date_is_a_message_not_a_crash(apptest):
    at = apptest(PAGE, trial="NCT07176143", timeout=180)
    as_of = at.date_input(key=k("fc_as_of", at)).value
    at.date_input(key=k("fc_by", at)).set_value(as_of.replace(year=as_of.year - 1))
    at.run(timeout=180)
    assert not at.exception
    assert any("before the as-of date" in re.sub(r"\\(.)", r"\1", e.value) for e in at.error)


def test_trial_without_a_log_says_so(apptest, data_dir):
    import shutil

    from tests.conftest import CTGOV

    shutil.copy(CTGOV / "NCT04267848.json", data_dir / "trials" / "NCT04267848.json")
    at = apptest(PAGE, trial="NCT04267848", timeout=180)
    assert not at.exception
    assert "has no enrollment log yet" in all_text(at)
    assert not at.get("plotly_chart")
