"""The Cohort page's database source (issue 14): the embedded SYNTHETIC OMOP database works with no setup,
is labelled synthetic, answers a slider from the cached curve, and a bad source gets a clear error."""
from __future__ import annotations

PAGE = "pages/4_Cohort.py"
TRIAL = "NCT07176143"


def _texts(at) -> str:
    out = []
    for kind in ("caption", "info", "warning", "error", "markdown"):
        out.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(out)


def _metric(at, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def test_embedded_synthetic_omop_database(apptest):
    at = apptest(PAGE, trial=TRIAL, timeout=240)
    at.radio(key="cohort_source").set_value("Database (OMOP CDM or FHIR export)").run(timeout=240)
    assert not at.exception, at.exception
    text = _texts(at)
    assert "SYNTHETIC" in text
    n = _metric(at, "Persons")
    assert n == 20_000
    assert sum(_metric(at, k) for k in ("Eligible", "Needs review", "Ineligible")) == n
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert specs and all("SYNTHETIC" in s for s in specs)
    # the embedded database is named by its file: the server's own folders appear nowhere on the page
    from trialkit.omop.synthetic import ensure_default

    where = str(ensure_default().parent)
    assert all(ensure_default().name in s and where not in s for s in specs) and where not in text
    before = _metric(at, "Eligible or needs review at this threshold")
    key = next(s.key for s in at.slider if s.key.startswith("cohort_db_bound_"))
    sl = at.slider(key=key)
    sl.set_value(sl.max if key.endswith(".max") else sl.min).run(timeout=240)
    assert not at.exception
    assert _metric(at, "Eligible or needs review at this threshold") >= before


def test_bad_database_source_says_why(apptest, tmp_path):
    at = apptest(PAGE, trial=TRIAL, timeout=120)
    at.radio(key="cohort_source").set_value("Database (OMOP CDM or FHIR export)").run(timeout=240)
    at.radio(key="cohort_db_kind").set_value("Folder of OMOP parquet files").run(timeout=120)
    at.text_input(key="cohort_db_source").set_value(str(tmp_path)).run(timeout=120)
    assert not at.exception
    assert any("not an OMOP folder" in e.value for e in at.error)


def _fhir_export(folder, n_bmi_ok: int = 3, n_bmi_high: int = 2) -> int:
    """A small FHIR Bulk Data export (NDJSON): women aged 30 with a BMI Observation (LOINC 39156-5)."""
    import json

    folder.mkdir(exist_ok=True)
    patients, obs = [], []
    for i in range(n_bmi_ok + n_bmi_high):
        pid = f"p{i}"
        patients.append({"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1995-06-15"})
        obs.append({"resourceType": "Observation", "status": "final", "subject": {"reference": f"Patient/{pid}"},
                    "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}]},
                    "effectiveDateTime": "2025-11-01",
                    "valueQuantity": {"value": 22.0 if i < n_bmi_ok else 31.0, "unit": "kg/m2",
                                      "system": "http://unitsofmeasure.org", "code": "kg/m2"}})
    (folder / "Patient.000.ndjson").write_text("\n".join(json.dumps(p) for p in patients) + "\n")
    (folder / "Observation.000.ndjson").write_text("\n".join(json.dumps(o) for o in obs) + "\n")
    return len(patients)


def _fhir_page(apptest, folder):
    import datetime as dt

    at = apptest(PAGE, trial=TRIAL, timeout=120)
    at.radio(key="cohort_source").set_value("Database (OMOP CDM or FHIR export)").run(timeout=240)
    at.radio(key="cohort_db_kind").set_value("FHIR Bulk export (folder of NDJSON)").run(timeout=120)
    at.date_input(key="cohort_fhir_index").set_value(dt.date(2026, 1, 1)).run(timeout=120)
    at.text_input(key="cohort_fhir_source").set_value(str(folder)).run(timeout=120)
    return at


def test_fhir_bulk_export_source(apptest, tmp_path):
    """The database source reads a FHIR Bulk export through trialkit.fhir.cohort.fhir_cohort: the page's own
    tabs, counts and what-if sliders then work on it; unknown fields are said."""
    n = _fhir_export(tmp_path / "export")
    at = _fhir_page(apptest, tmp_path / "export")
    assert not at.exception, at.exception
    label = next(m.label for m in at.metric if m.label.startswith("Patients (FHIR cohort"))
    assert _metric(at, label) == n
    parts = {k: _metric(at, k) for k in ("Eligible", "Needs review", "Excluded")}
    assert sum(parts.values()) == n
    assert parts["Excluded"] == 2  # BMI 31 > 27 (I3)
    assert "Unknown for everyone in this cohort" in _texts(at)  # e.g. FSH: no Observation
    at.session_state["cohort_tab"] = "What if"
    at.run(timeout=120)
    at.selectbox(key="cohort_bound_pick").set_value("bmi.max").run(timeout=120)
    sl = at.slider(key="cohort_bound_bmi.max")
    assert sl.max > 31
    sl.set_value(sl.max).run(timeout=120)
    assert not at.exception
    assert _metric(at, "Excluded") == 0


def test_fhir_bad_export_says_why(apptest, tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "Patient.000.ndjson").write_text('{"resourceType": "Patient", "id": "p1"}\n{oops\n')
    at = _fhir_page(apptest, tmp_path / "bad")
    assert not at.exception
    assert any("FHIR export cannot be used" in e.value and "line 2" in e.value and "not valid JSON" in e.value
               for e in at.error)
