"""``python -m trialkit forecast`` (contracts §4)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from trialkit.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_forecast_json_has_the_contract_keys_and_is_reproducible(data_dir, capsys):
    code, out, err = _run(capsys, "forecast", "NCT07176143", "--target", "60", "--sims", "400", "--json",
                          "--by", "2030-01-01")
    assert code == 0, err
    j = json.loads(out)
    for k in ("median_date", "p10_date", "p90_date", "model", "reason", "by_arm", "screening", "prob_by_date"):
        assert k in j
    assert j["data"] == "simulated demo data"
    assert set(j["by_arm"]) == {"Stem cell therapy group", "Control group"}
    code2, out2, _ = _run(capsys, "forecast", "NCT07176143", "--target", "60", "--sims", "400", "--json",
                          "--by", "2030-01-01")
    assert code2 == 0 and json.loads(out2) == j
    # an explicit as-of equal to the log's end gives the same forecast
    code3, out3, _ = _run(capsys, "forecast", "NCT07176143", "--target", "60", "--sims", "400", "--json",
                          "--by", "2030-01-01", "--as-of", j["as_of"])
    assert code3 == 0 and json.loads(out3) == j
    # looking back 90 days: the cut is honoured and fewer (or as many) patients were enrolled then
    back = (dt.date.fromisoformat(j["as_of"]) - dt.timedelta(days=90)).isoformat()
    code4, out4, err4 = _run(capsys, "forecast", "NCT07176143", "--target", "60", "--sims", "400", "--json",
                             "--as-of", back)
    assert code4 == 0, err4
    then = json.loads(out4)
    assert then["as_of"] == back and then["enrolled"] <= j["enrolled"]


def test_forecast_what_ifs_and_backtest(data_dir, capsys):
    code, out, err = _run(capsys, "forecast", "NCT07176143", "--sims", "400", "--json")
    assert code == 0, err  # target defaults to the registry's enrollment count (60)
    base = json.loads(out)
    assert base["target"] == 60
    code, out, err = _run(capsys, "forecast", "NCT07176143", "--sims", "400", "--json", "--backtest",
                          "--add-site", f"{base['as_of']}:Extra A", "--add-site", base["as_of"],
                          "--add-site", base["as_of"])
    assert code == 0, err
    more = json.loads(out)
    assert more["median_date"] < base["median_date"]
    assert [s["site_name"] for s in more["sites"] if s["state"] == "added"][0] == "Extra A"
    assert more["backtest"]["checks"] >= 1 and 0 <= more["backtest"]["held"] <= more["backtest"]["checks"]


def test_forecast_single_site_trial_falls_back(data_dir, capsys):
    code, out, err = _run(capsys, "forecast", "NCT06610773", "--target", "40", "--sims", "400", "--json")
    assert code == 0, err
    j = json.loads(out)
    assert j["model"] == "single_rate" and "planned duration" in j["reason"]


@pytest.mark.parametrize("argv, message", [
    (["forecast", "NCT06610773"], "--target"),  # the registry states no target
    (["forecast", "NCT07176143", "--as-of", "2026-13-01"], "not a date"),
    (["forecast", "NCT07176143", "--move-site", "S01"], "SITE_ID=YYYY-MM-DD"),
    (["forecast", "NCT07176143", "--move-site", "S01=2030-01-01"], "not a planned site"),
    (["forecast", "nonsense"], "not an NCT id"),
])
def test_bad_input_exits_2_with_one_line(data_dir, capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_no_log_exits_2(data_dir, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, out, err = _run(capsys, "forecast", "NCT07176143", "--target", "60", "--db", url, "--json")
    assert code == 2 and "no enrollment log" in err and len(err.strip().splitlines()) == 1
