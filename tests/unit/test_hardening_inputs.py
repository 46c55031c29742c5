"""Issue 12, part B: input that used to crash, exports that kept spreadsheet formulas, demo mode's audit trail,
forecasts past pandas' last date. Each block names the finding it pins down (every test here failed on the
code before the fix)."""
from __future__ import annotations

import ast
import csv
import io
import json
import math
import re
import tomllib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from trialkit.cli import main
from trialkit.errors import CandidateError, StudyFormatError, TrialkitError

ROOT = Path(__file__).resolve().parents[2]
SEED = "NCT07176143"


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(list(args))
    return rc, out.getvalue(), err.getvalue()


def one_line_exit_2(rc: int, err: str) -> str:
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


# -- finding 2: unit text pint cannot tokenise is the ordinary refused unit -----------------------------------
BAD_UNITS = ["g/dL)", "/mm3)", "Kg/ mm", "mIU/(mL", "g/dL**"]
BAD_VALUES = ["9 g/dL)", "90,000/mm3)", "9 Kg/ mm", "10 mIU/(mL", "9 g/dL**"]
FIELDS = ["hemoglobin", "platelets", "fsh", "bmi"]


@pytest.mark.parametrize("unit", BAD_UNITS)
@pytest.mark.parametrize("field", FIELDS)
def test_units_convert_raises_only_candidate_error(field, unit):
    from trialkit.criteria.fields import get_field
    from trialkit.criteria.units import convert

    with pytest.raises(CandidateError) as exc:
        convert(get_field(field), 9.0, unit)
    assert str(exc.value).startswith(f"{field}: unit {unit!r}")


@pytest.mark.parametrize("value", BAD_VALUES)
def test_to_canonical_refuses_untokenisable_units(value):
    from trialkit.criteria.units import to_canonical

    with pytest.raises(CandidateError, match=r"^hemoglobin: unit '"):
        to_canonical("hemoglobin", value)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_check_cli_refuses_untokenisable_units(data_dir, value):
    rc, _, err = cli("check", SEED, "--set", "age=30", "--set", f"hemoglobin={value}", "--json")
    line = one_line_exit_2(rc, err)
    assert "hemoglobin" in line and "unit" in line


@pytest.mark.parametrize("value", BAD_VALUES)
def test_cohort_csv_refuses_untokenisable_units(data_dir, tmp_path, value):
    from trialkit.cohort.io import CohortFileError, read_cohort_csv

    raw = f'patient_id,age,hemoglobin\np1,30,98\np2,31,"{value}"\n'.encode()
    with pytest.raises(CohortFileError) as exc:
        read_cohort_csv(raw)
    assert exc.value.problems[0].startswith("row 3: hemoglobin: unit ")
    f = tmp_path / "cohort.csv"
    f.write_bytes(raw)
    rc, _, err = cli("cohort", SEED, "--cohort", str(f), "--json")
    # the cohort command lists each problem, then one error line (its contract); no traceback
    assert rc == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: ") and "row 3: hemoglobin: unit" in err


# -- finding 4: NaN, Infinity, 1e400, a huge integer in a study JSON ----------------------------------------
def _study_text() -> str:
    return (ROOT / "data" / "trials" / f"{SEED}.json").read_text(encoding="utf-8")


def _with_count(token: str) -> bytes:
    text = _study_text()
    d = json.loads(text)
    d["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 123456789
    return json.dumps(d).replace("123456789", token).encode()


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 4301, "1.5e999"])
def test_study_json_refuses_non_finite_numbers_naming_file_and_field(token):
    from trialkit.ctgov import parse_bytes

    with pytest.raises(StudyFormatError) as exc:
        parse_bytes(_with_count(token), source="bad.json")
    assert exc.value.source == "bad.json"
    assert exc.value.field == "protocolSection.designModule.enrollmentInfo.count"
    assert "not a finite number" in str(exc.value)


def test_study_json_with_nan_in_trials_folder_is_skipped_and_reported(data_dir):
    (data_dir / "trials" / "NCT00000001.json").write_bytes(_with_count("NaN"))
    rc, out, err = cli("list")
    assert rc == 0
    assert SEED in out and "NCT06610773" in out
    assert "skipped:" in err and "NCT00000001.json" in err and "enrollmentInfo.count" in err


def test_show_and_check_refuse_a_study_file_with_infinity(data_dir, tmp_path):
    f = tmp_path / "inf.json"
    f.write_bytes(_with_count("Infinity"))
    for argv in (("show", str(f), "--json"), ("check", str(f), "--set", "age=30")):
        rc, _, err = cli(*argv)
        assert "inf.json" in one_line_exit_2(rc, err)


# -- finding 5: one CSV writer that neutralises formulas ------------------------------------------------------
def test_csv_export_neutralises_formulas_and_keeps_numbers():
    from trialkit.csv_export import csv_text

    df = pd.DataFrame({"text": ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx",
                                "\rx", "plain", "-3", None],
                       "n": [-1, 2, 3, 4, 5, 6, 7, 8, 9], "x": [-1.5] * 9})
    text = csv_text(df)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 10 and rows[6][0] == "'\rx"  # a bare CR is quoted, never a line break
    back = pd.read_csv(io.StringIO(text, newline=""), keep_default_na=False)
    assert list(back["text"]) == ["'=HYPERLINK(\"http://x\")", "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)", "'\tx",
                                  "'\rx", "plain", "-3", ""]
    assert back["n"].tolist() == [-1, *range(2, 10)] and back["n"].dtype.kind == "i"
    assert back["x"].dtype.kind == "f" and (back["x"] == -1.5).all()


def test_csv_export_neutralises_column_names_and_write_csv(tmp_path):
    from trialkit.csv_export import write_csv

    p = write_csv(pd.DataFrame({"=evil": ["ok"]}), tmp_path / "o.csv")
    assert p.read_bytes() == b"'=evil\r\nok\r\n"


def _py_files():
    for d in ("pages", "ui", "trialkit"):
        yield from sorted((ROOT / d).rglob("*.py"))
    yield ROOT / "app.py"


def test_every_csv_export_goes_through_csv_export():
    """No ``to_csv`` or csv writer outside trialkit/csv_export.py; every CSV download button's module imports it."""
    offenders = []
    for f in _py_files():
        if f == ROOT / "trialkit" / "csv_export.py":
            continue
        src = f.read_text(encoding="utf-8")
        tree = ast.parse(src)
        uses_writer = "trialkit.csv_export" in src
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            if name in {"to_csv", "writer", "DictWriter"}:
                if "# not an export:" in src.splitlines()[node.lineno - 1]:
                    continue  # a data stream between programs (e.g. COPY into PostgreSQL), said so where it is
                offenders.append(f"{f.relative_to(ROOT)}:{node.lineno}: {name}")
            if name == "download_button":
                texts = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
                is_csv = any(t.lower() in {"text/csv"} or t.lower().endswith(".csv") or "(csv" in t.lower()
                             for t in texts) and not any(t == "application/zip" for t in texts)
                if is_csv and not uses_writer:
                    offenders.append(f"{f.relative_to(ROOT)}:{node.lineno}: CSV download without csv_export")
    assert offenders == []


def test_cohort_out_neutralises_formulas(data_dir, tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("patient_id,age\n=1+1,30\n@x,31\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    rc, _, err = cli("cohort", SEED, "--cohort", str(src), "--out", str(out))
    assert rc == 0, err
    ids = pd.read_csv(out, dtype=str)["patient_id"].tolist()
    assert ids == ["'=1+1", "'@x"]


# -- finding 6: demo mode shows the audit trail as counts only ---------------------------------------------------
def _trail() -> pd.DataFrame:
    return pd.DataFrame({
        "at": ["2026-01-02T10:00:00+00:00", "2026-01-02T11:00:00+00:00", "2026-01-03T09:00:00+00:00"] + [
            "2026-01-04T09:00:00+00:00"] * 6,
        "user": ["alice"] * 9, "nct_id": [SEED] * 9,
        "action": ["screening.add", "screening.add", "log.replace"] + ["screening.correct"] * 6,
        "subject_id": ["SCR-001", "SCR-002", None] + [f"SCR-1{i}" for i in range(6)],
        "summary": ["added SCR-001 at site 3"] * 9, "detail": ["{}"] * 9})


def test_demo_audit_view_is_counts_per_day_and_kind():
    from trialkit.disclosure import AUDIT_COUNT_COLUMNS, audit_view

    for export in (False, True):
        v = audit_view(_trail(), demo=True, export=export)
        assert tuple(v.columns) == AUDIT_COUNT_COLUMNS
        assert v.to_dict(orient="records") == [
            {"day": "2026-01-02", "action": "screening.add", "events": "<5"},
            {"day": "2026-01-03", "action": "log.replace", "events": "<5"},
            {"day": "2026-01-04", "action": "screening.correct", "events": "6"}]
        assert "SCR" not in v.to_csv() and "alice" not in v.to_csv()


def test_audit_view_outside_demo_keeps_every_event():
    from trialkit.disclosure import audit_view

    shown = audit_view(_trail(), demo=False)
    assert list(shown.columns) == ["at", "user", "action", "subject_id", "summary"] and len(shown) == 9
    assert shown["at"].iloc[0] == "2026-01-02 10:00:00 UTC"
    assert list(audit_view(_trail(), demo=False, export=True).columns) == list(_trail().columns)


# -- finding 9: forecasts past pandas' last timestamp -----------------------------------------------------------
def test_forecast_target_beyond_2262_is_not_reached_within_100_years(data_dir):
    rc, out, err = cli("forecast", SEED, "--target", "5000", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["median_date"] is None and d["p10_date"] is None and d["p90_date"] is None
    assert "not reached within 100 years" in d["not_reached_reason"]
    rc, out, err = cli("forecast", SEED, "--target", "5000")
    assert rc == 0, err
    assert "median not reached within 100 years" in out


def test_forecast_reachable_target_has_no_not_reached_reason(data_dir):
    rc, out, _ = cli("forecast", SEED, "--target", "40", "--json")
    d = json.loads(out)
    assert rc == 0 and d["median_date"] and d["not_reached_reason"] is None


def test_report_with_an_unreachable_target_says_so(data_dir, tmp_path):
    f = data_dir / "trials" / f"{SEED}.json"
    d = json.loads(f.read_text(encoding="utf-8"))
    d["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 5000
    f.write_text(json.dumps(d), encoding="utf-8")
    out = tmp_path / "r.html"
    rc, _, err = cli("report", SEED, "--out", str(out))
    assert rc == 0, err
    assert "not reached within 100 years" in out.read_text(encoding="utf-8")


# -- finding 12: cohort CSV numbers, blank lines, the upload limit ----------------------------------------------
@pytest.mark.parametrize("cell", ["inf", "-inf", "1e400", "Infinity"])
def test_cohort_csv_refuses_non_finite_numbers(cell):
    from trialkit.cohort.io import CohortFileError, read_cohort_csv

    with pytest.raises(CohortFileError) as exc:
        read_cohort_csv(f"age,bmi\n30,25\n31,{cell}\n".encode())
    assert exc.value.problems == [f"row 3: bmi: {cell!r} is not a finite number"]


@pytest.mark.parametrize("cell", ["nan", "NaN"])
def test_cohort_csv_nan_is_unknown_as_everywhere(cell):
    """One meaning per written value (issue 13): "nan" is one of the words for unknown, in a CSV too."""
    from trialkit.cohort.io import read_cohort_csv

    f = read_cohort_csv(f"age,bmi\n30,25\n31,{cell}\n".encode())
    assert f.frame["bmi"].isna().tolist() == [False, True]


def test_cohort_csv_never_still_means_never_for_time_since_fields():
    from trialkit.cohort.io import read_cohort_csv

    c = read_cohort_csv(b"age,months_since_other_trial\n30,never\n31,inf\n32,4\n")
    assert list(c.frame["months_since_other_trial"]) == [math.inf, math.inf, 4.0]


def test_cohort_csv_blank_lines_keep_the_file_line_number():
    from trialkit.cohort.io import CohortFileError, read_cohort_csv

    with pytest.raises(CohortFileError) as exc:
        read_cohort_csv(b"patient_id,age\n\np1,30\n\n\np2,abc\np1,31\n")
    assert exc.value.problems == ["row 6: age: 'abc' is not a number", "row 7: patient_id: 'p1' appears on an earlier row"]
    ok = read_cohort_csv(b"patient_id,age\n\np1,30\n\n")
    assert ok.n == 1 and list(ok.patient_ids) == ["p1"]


def test_cohort_upload_limit_matches_the_server():
    from trialkit.cohort.io import MAX_BYTES

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert MAX_BYTES == cfg["server"]["maxUploadSize"] * 1024 * 1024


# -- finding 13: ASCII NCT ids, finite overrides, negative enrollment, strict JSON ---------------------------
@pytest.mark.parametrize("nct", ["NCT٠٠٠٠٠٠٠٣", "NCT０００００００３", "NCT0000000３", "NCT00000003\n", "NCT۰۰۰۰۰۰۰۳"])
def test_nct_ids_take_ascii_digits_only(nct):
    from trialkit.ctgov import NCT_ID, parse_study

    assert NCT_ID.match(nct) is None
    if nct.strip() != nct:
        return  # the loader trims whitespace around an id; the pattern alone must still refuse it
    d = json.loads(_study_text())
    d["protocolSection"]["identificationModule"]["nctId"] = nct
    with pytest.raises(StudyFormatError):
        parse_study(d, source="x.json")


def test_cli_refuses_non_ascii_nct_ids(data_dir):
    rc, _, err = cli("show", "NCT٠٠٠٠٠٠٠٣")
    one_line_exit_2(rc, err)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "1e400"])
def test_override_refuses_non_finite_bounds(data_dir, value):
    rc, _, err = cli("cohort", SEED, "--n", "200", "--seed", "1", "--override", f"bmi.max={value}")
    assert "not a finite number" in one_line_exit_2(rc, err)


def test_negative_enrollment_is_refused():
    from trialkit.ctgov import parse_bytes

    with pytest.raises(StudyFormatError) as exc:
        parse_bytes(_with_count("-5"), source="neg.json")
    assert exc.value.field == "protocolSection.designModule.enrollmentInfo.count"


def test_show_json_never_prints_infinity(data_dir, tmp_path):
    d = json.loads(_study_text())
    d["protocolSection"]["eligibilityModule"]["maximumAge"] = "9" * 400 + " Years"
    f = tmp_path / "age.json"
    f.write_text(json.dumps(d), encoding="utf-8")
    rc, out, err = cli("show", str(f), "--json")
    assert "maximumAge" in one_line_exit_2(rc, err) and "Infinity" not in out


def test_print_json_is_strict():
    from trialkit.cli import print_json

    with pytest.raises(TrialkitError):
        print_json({"x": float("inf")})


# -- finding 14: the sidebar names a broken file inside the catalog, not by its server path ------------------------
def test_catalog_name_is_relative(data_dir):
    from trialkit.catalog import Catalog
    from ui.common import _catalog_name

    cat = Catalog(data_dir / "trials", data_dir / "imported")
    assert _catalog_name(data_dir / "trials" / "NCT1.json", cat) == "NCT1.json"
    assert _catalog_name(data_dir / "imported" / "NCT1" / "v.json", cat) == str(Path("NCT1") / "v.json")
    assert _catalog_name(Path("/elsewhere/x.json"), cat) == "x.json"
