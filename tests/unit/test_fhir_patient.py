"""trialkit.fhir: reading/validating Bundles and NDJSON, a patient -> candidate, an export -> cohort, CLI."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from trialkit.fhir.patient import candidate_from_bundle, completed_years, latest_record_date
from trialkit.fhir.resources import FhirFormatError, read_bundle, read_ndjson_folder

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "fhir"
BUNDLES = SHARED / "bundles"
BULK = SHARED / "bulk" / "sample-bulk-fhir-datasets-100-patients"
FLOYD = BUNDLES / "Floyd_Connelly_66843218-a9f9-4f16-8347-bdc2a0d14265.json"
JORDAN = BUNDLES / "Jordan_Cruickshank_5de38439-d320-46d3-854d-3c098e88de4c.json"
MCODE = BUNDLES / "mcode-ctms-patient_data.json"
shared = pytest.mark.skipif(not FLOYD.is_file(), reason="../shared/fhir is not here (a user's clone)")


# -- hand-made patients (every rule of the mapping, independent of ../shared) ----------------------------
def _bundle(*resources) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": [{"fullUrl": f"urn:uuid:{i}", "resource": r} for i, r in enumerate(resources)]}
                      ).encode()


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1990-06-15"}


def _obs(code, value, unit, when, status="final", system="http://loinc.org", **extra):
    r = {"resourceType": "Observation", "status": status, "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": system, "code": code}]}, "effectiveDateTime": when}
    if value is not None:
        r["valueQuantity"] = {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    r.update(extra)
    return r


def _cond(code, status, onset, abated=None):
    r = {"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]},
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                        "code": status}]}, "onsetDateTime": onset}
    if abated:
        r["abatementDateTime"] = abated
    return r


def _cand(*resources, day="2024-06-14", **kw):
    return candidate_from_bundle(read_bundle(_bundle(PATIENT, *resources)), index_date=dt.date.fromisoformat(day),
                                 **kw)


def test_age_in_completed_years_at_the_index_date():
    assert _cand(day="2024-06-14").values["age"] == 33
    assert _cand(day="2024-06-15").values["age"] == 34
    assert completed_years(dt.date(2000, 2, 29), dt.date(2001, 2, 28)) == 0


def test_latest_value_within_lookback_converted_from_ucum():
    c = _cand(_obs("718-7", 9.8, "g/dL", "2024-05-01"), _obs("718-7", 12.0, "g/dL", "2024-01-01"),
              _obs("718-7", 15.0, "g/dL", "2024-07-01"),  # after the index date: not used
              _obs("777-3", 150, "10*3/uL", "2024-06-01"), _obs("15067-2", 7, "m[IU]/mL", "2024-06-01"))
    assert c.values["hemoglobin"] == pytest.approx(98.0)
    assert c.values["platelets"] == pytest.approx(150.0)
    assert c.values["fsh"] == pytest.approx(7.0)
    assert "718-7" in c.evidence["hemoglobin"] and "2024-05-01" in c.evidence["hemoglobin"]


def test_value_older_than_the_lookback_is_unknown_and_noted():
    c = _cand(_obs("39156-5", 24.0, "kg/m2", "2022-01-01"))
    assert "bmi" not in c.values
    assert any(n.startswith("bmi: 1 record(s), none between") for n in c.notes)
    assert _cand(_obs("39156-5", 24.0, "kg/m2", "2022-01-01"), lookback_days=1000).values["bmi"] == 24.0


def test_unconvertible_unit_is_unknown_and_listed_never_an_older_value():
    c = _cand(_obs("718-7", 12.0, "g/dL", "2024-01-01"), _obs("718-7", 9.8, "mL", "2024-05-01"))
    assert "hemoglobin" not in c.values
    assert len(c.unusable) == 1 and "hemoglobin" in c.unusable[0] and "'mL'" in c.unusable[0]


def test_entered_in_error_is_ignored_and_components_are_read():
    bp = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
          "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
          "effectiveDateTime": "2024-06-01",
          "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                         "valueQuantity": {"value": 128, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]}
    c = _cand(_obs("39156-5", 24.0, "kg/m2", "2024-05-01"),
              _obs("39156-5", 40.0, "kg/m2", "2024-06-01", status="entered-in-error"), bp)
    assert c.values["bmi"] == 24.0
    from trialkit.criteria.fields import FIELDS
    if "sbp" in FIELDS:
        assert c.values["sbp"] == 128


def test_pregnancy_active_resolved_and_absent():
    assert _cand(_cond("72892002", "active", "2024-03-01")).values["pregnant"] is True
    resolved = _cand(_cond("72892002", "resolved", "2023-01-01", "2023-09-01"))
    assert "pregnant" not in resolved.values  # absence of an active pregnancy is unknown, not no
    assert any("pregnant: no active condition" in n and "resolved" in n for n in resolved.notes)
    assert _cand(_cond("72892002", "active", "2024-03-01", "2024-05-01")).values.get("pregnant") is None
    assert _cand(absent_means_no=True).values["pregnant"] is False


def test_gender_other_is_unknown_sex():
    c = candidate_from_bundle(read_bundle(_bundle({**PATIENT, "gender": "other"})), index_date=dt.date(2024, 1, 1))
    assert "sex" not in c.values and any(n.startswith("sex:") for n in c.notes)


# -- malformed input: named by file, entry/line and field -------------------------------------------------
def test_malformed_observation_named_by_entry_and_field():
    bad = _obs("718-7", "abc", "g/dL", "2024-05-01")
    with pytest.raises(FhirFormatError, match=r"mine\.json: entry 1 \(Observation\): field valueQuantity\.value"):
        read_bundle(_bundle(PATIENT, bad), source="mine.json")


@pytest.mark.parametrize("data, match", [
    (b"{not json", r"up\.json: line 1: not valid JSON"),
    (json.dumps({"resourceType": "Patient"}).encode(), "expected a FHIR Bundle, found 'Patient'"),
    (json.dumps({"resourceType": "Bundle", "type": "collection",
                 "entry": [{"resource": {"resourceType": "Nonsense"}}]}).encode(), "not an R4 resource type"),
])
def test_not_a_bundle(data, match):
    with pytest.raises(FhirFormatError, match=match):
        read_bundle(data, source="up.json")


def test_bundle_with_two_patients_is_refused_for_one_candidate():
    with pytest.raises(FhirFormatError, match="expected one Patient in the bundle, found 2"):
        candidate_from_bundle(read_bundle(_bundle(PATIENT, {**PATIENT, "id": "p2"})))


def test_malformed_ndjson_line_named_by_file_line_and_field(tmp_path):
    lines = [json.dumps(PATIENT), json.dumps({**PATIENT, "id": "p2", "birthDate": "15/06/1990"})]
    (tmp_path / "Patient.000.ndjson").write_text("\n".join(lines) + "\n")
    with pytest.raises(FhirFormatError, match=r"Patient\.000\.ndjson: line 2 \(Patient/p2\): field birthDate"):
        read_ndjson_folder(tmp_path)
    (tmp_path / "Patient.000.ndjson").write_text(json.dumps(PATIENT) + "\n{oops\n")
    with pytest.raises(FhirFormatError, match=r"Patient\.000\.ndjson: line 2: not valid JSON"):
        read_ndjson_folder(tmp_path)


def test_folder_without_patients(tmp_path):
    (tmp_path / "Observation.000.ndjson").write_text("")
    with pytest.raises(FhirFormatError, match="no Patient NDJSON file"):
        read_ndjson_folder(tmp_path)


# -- the real bundles in ../shared ----------------------------------------------------------------------
@shared
def test_floyd_connelly_bundle():
    read = read_bundle(FLOYD)
    assert read.ignored["Claim"] > 0  # counted, not parsed
    day = latest_record_date(read)
    assert day == dt.date(2020, 1, 15)
    c = candidate_from_bundle(read, index_date=day)
    assert c.synthetic and c.values["sex"] == "male" and c.values["age"] == 40
    assert c.values["bmi"] == pytest.approx(30.323288138, abs=1e-6)
    assert c.values["creatinine"] > 0 and 100 < c.values["hemoglobin"] < 200  # g/dL -> g/L
    assert not c.unusable


@shared
def test_jordan_platelets_k_per_ul_and_creatinine_2160_0():
    c = candidate_from_bundle(read_bundle(JORDAN), index_date=dt.date(2020, 11, 30), lookback_days=3650)
    assert c.values["age"] == 55 and 50 < c.values["platelets"] < 1000
    assert "creatinine" in c.values


@shared
def test_every_synthea_bundle_loads():
    for path in sorted(BUNDLES.glob("*.json")):
        if path != MCODE:
            c = candidate_from_bundle(read_bundle(path), index_date=dt.date(2021, 3, 1), lookback_days=3650)
            assert c.synthetic and {"age", "sex", "bmi"} <= set(c.values), path.name


@shared
def test_mcode_bundle_is_malformed_and_says_where():
    with pytest.raises(FhirFormatError, match=r"mcode-ctms-patient_data\.json: entry 2 \(Observation/.*\): "
                                              r"field value\[x\] \(valueCodeableConcept, valueQuantity\)"):
        read_bundle(MCODE)


# -- the Bulk export as a cohort ---------------------------------------------------------------------------
@shared
def test_bulk_export_as_cohort():
    from trialkit.catalog import default_catalog
    from trialkit.cohort.pipeline import run

    res = run(default_catalog().load("NCT07176143"), ("fhir", str(BULK), dt.date(2024, 8, 6)))
    c = res.cohort
    assert c.n == 100  # 120 patients, 20 deceased before the export date left out
    assert "synthetic" in c.label and "Immunization 1,818" in c.provenance and "20 deceased" in c.provenance
    assert c.fhir.deceased == 20
    assert "bmi" in c.missing_fields  # this export has Patient/Immunization only
    s = res.summary
    assert s.n == 100 and s.eligible + s.needs_review + s.ineligible == 100
    # sex and age come from the records: the women 20-38 on 2024-08-06 are the ones not failed on SEX/I2
    assert s.funnel[0]["id"] == "SEX"
    women = int((c.frame["sex"] == "female").sum())
    assert s.funnel[0]["remaining"] == women


# -- command line --------------------------------------------------------------------------------------------
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "trialkit", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


@shared
def test_check_fhir_json():
    p = _cli("check", "NCT07176143", "--fhir", str(FLOYD), "--index-date", "2020-01-15", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["status"] == "ineligible" and out["fhir"]["synthetic"]
    assert out["fhir"]["values"]["age"] == 40
    sex = next(c for c in out["criteria"] if c["id"] == "SEX")
    assert sex["status"] == "fail"


@shared
def test_check_fhir_bad_bundle_exits_2_with_one_line():
    p = _cli("check", "NCT07176143", "--fhir", str(MCODE), "--json")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "entry 2" in p.stderr and "Traceback" not in p.stderr
    p = _cli("check", "NCT07176143", "--fhir", str(FLOYD), "--index-date", "15/01/2020")
    assert p.returncode == 2 and "--index-date" in p.stderr and p.stderr.count("\n") == 1


@shared
def test_cohort_fhir_json_and_out(tmp_path):
    out = tmp_path / "o.csv"
    p = _cli("cohort", "NCT07176143", "--fhir", str(BULK), "--index-date", "2024-08-06", "--json", "--out", str(out))
    assert p.returncode == 0, p.stderr
    js = json.loads(p.stdout)
    assert js["n"] == 100 and set(js) >= {"eligible", "needs_review", "ineligible", "funnel", "sole_exclusions",
                                          "shapley"}
    import pandas as pd
    table = pd.read_csv(out)
    assert len(table) == 100 and {"patient_id", "status", "failed", "unknown", "age", "sex"} <= set(table.columns)
    assert table["cohort"].str.contains("synthetic").all()
    p = _cli("cohort", "NCT07176143", "--fhir", str(BULK), "--n", "5", "--seed", "1", "--json")
    assert p.returncode == 2 and "give one cohort source" in p.stderr and "--fhir" in p.stderr
