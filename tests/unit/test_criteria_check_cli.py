"""``python -m trialkit check`` (contracts §4): JSON shape, exit codes, one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from trialkit.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_json(data_dir, capsys):
    code, out, err = run(capsys, "check", "NCT07176143", "--set", "age=39", "--set", "fsh=10.4 mIU/mL",
                         "--set", "hemoglobin=9.8 g/dL", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["trial"] == "NCT07176143" and doc["status"] == "ineligible"
    by_id = {c["id"]: c for c in doc["criteria"]}
    assert by_id["I2"] == {"id": "I2", "kind": "inclusion", "status": "fail",
                           "reason": "Age 39 years is above the maximum of 38 years"}
    assert by_id["I5"]["reason"] == "FSH 10.4 IU/L is above the maximum of 10 IU/L"
    assert by_id["E10"]["status"] == "fail"
    assert by_id["I3"] == {"id": "I3", "kind": "inclusion", "status": "unknown", "reason": "needs BMI"}


def test_check_needs_review_exit_0(data_dir, capsys):
    code, out, _ = run(capsys, "check", "NCT06610773", "--set", "age=30", "--set", "hpv_types=16,52", "--json")
    assert code == 0 and json.loads(out)["status"] == "needs_review"


def test_check_text_output(data_dir, capsys):
    code, out, _ = run(capsys, "check", "NCT07176143", "--set", "age=39")
    assert code == 0
    assert "NCT07176143: Ineligible" in out
    assert "I2: lower Age from 39 years to 38 years" in out


def test_check_a_file(data_dir, capsys):
    f = ROOT.parent / "shared" / "ctgov" / "NCT04267848.json"
    code, out, _ = run(capsys, "check", str(f), "--set", "age=17", "--set", "platelets=90 K/uL", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["trial"] == "NCT04267848" and doc["status"] == "ineligible"
    fails = {c["id"] for c in doc["criteria"] if c["status"] == "fail"}
    assert {"I12", "I21"} <= fails


@pytest.mark.parametrize("args,words", [
    (["--set", "shoe=42"], "unknown field 'shoe'"),
    (["--set", "fsh=3 g/dL"], "fsh: unit 'g/dL' does not fit FSH (IU/L)"),
    (["--set", "pregnant=perhaps"], "pregnant: 'perhaps' is not yes or no"),
    (["--set", "age"], "write FIELD=VALUE"),
    (["--set", "age=30", "--set", "age=31"], "given twice"),
])
def test_bad_input_exits_2_with_one_line(data_dir, capsys, args, words):
    code, out, err = run(capsys, "check", "NCT07176143", *args, "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err


def test_unknown_trial(data_dir, capsys):
    code, _, err = run(capsys, "check", "NCT99999999", "--set", "age=30")
    assert code == 2 and "not in the catalog" in err


def test_as_a_process(data_dir):
    p = subprocess.run([sys.executable, "-m", "trialkit", "check", "NCT07176143", "--set", "fsh=abc"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "fsh" in p.stderr
