"""`python -m trialkit list` and `show` as contracts §4 says, run as a user would run them."""
import json
import subprocess
import sys

import pytest

from tests.conftest import CTGOV, ROOT


def run(*args, env_dir=None):
    import os
    env = dict(os.environ)
    if env_dir:
        env["TRIALKIT_DATA_DIR"] = str(env_dir)
    return subprocess.run([sys.executable, "-m", "trialkit", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=120)


def test_list(data_dir):
    out = run("list", "--json", env_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert [t["nct_id"] for t in json.loads(out.stdout)] == ["NCT06610773", "NCT07176143"]
    plain = run("list", env_dir=data_dir)
    assert "NCT07176143\tNOT_YET_RECRUITING\thBMSC Uterine Artery Infusion" in plain.stdout


def test_show_seed_json(data_dir):
    out = run("show", "NCT07176143", "--json", env_dir=data_dir)
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert s["nct_id"] == "NCT07176143" and s["status"] == "NOT_YET_RECRUITING"
    assert (s["minimum_age_years"], s["maximum_age_years"], s["enrollment"]) == (20, 38, 60)
    assert s["sex"] == "FEMALE" and s["sponsor"] == "Sun Yat-sen University" and s["phases"] == []
    assert [c["id"] for c in s["criteria"]] == [f"I{i}" for i in range(1, 10)] + [f"E{i}" for i in range(1, 19)]
    assert s["sites"] == []


def test_show_a_file_with_no_maximum_age(data_dir):
    out = run("show", str(CTGOV / "NCT03064438.json"), "--json", env_dir=data_dir)
    s = json.loads(out.stdout)
    assert s["maximum_age_years"] is None and s["minimum_age_years"] == 18
    assert s["sites"][0].keys() == {"facility", "city", "country"}
    assert all("\\>" not in c["text"] and not c["text"].startswith("* ") for c in s["criteria"])


@pytest.mark.parametrize("args, message", [
    (("show", "NCT00000000", "--json"), "not in the catalog"),
    (("show", "banana", "--json"), "neither an NCT id"),
    (("show", "/nonexistent/x.json", "--json"), "cannot read file"),
    (("show",), "error"),
    (("frobnicate",), "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(data_dir, args, message):
    out = run(*args, env_dir=data_dir)
    assert out.returncode == 2
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stdout == ""


def test_show_a_classic_api_file(tmp_path, data_dir):
    p = tmp_path / "classic.json"
    p.write_text('{"FullStudiesResponse": {"FullStudies": []}}')
    out = run("show", str(p), "--json", env_dir=data_dir)
    assert out.returncode == 2 and "classic.json" in out.stderr and "FullStudiesResponse" in out.stderr
