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
    at.radio(key="cohort_source").set_value("Database (OMOP CDM)").run(timeout=240)
    assert not at.exception, at.exception
    text = _texts(at)
    assert "SYNTHETIC" in text
    n = _metric(at, "Persons")
    assert n == 20_000
    assert sum(_metric(at, k) for k in ("Eligible", "Needs review", "Ineligible")) == n
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert specs and all("SYNTHETIC" in s for s in specs)
    before = _metric(at, "Eligible or needs review at this threshold")
    key = next(s.key for s in at.slider if s.key.startswith("cohort_db_bound_"))
    sl = at.slider(key=key)
    sl.set_value(sl.max if key.endswith(".max") else sl.min).run(timeout=240)
    assert not at.exception
    assert _metric(at, "Eligible or needs review at this threshold") >= before


def test_bad_database_source_says_why(apptest, tmp_path):
    at = apptest(PAGE, trial=TRIAL, timeout=120)
    at.radio(key="cohort_source").set_value("Database (OMOP CDM)").run(timeout=240)
    at.radio(key="cohort_db_kind").set_value("Folder of OMOP parquet files").run(timeout=120)
    at.text_input(key="cohort_db_source").set_value(str(tmp_path)).run(timeout=120)
    assert not at.exception
    assert any("not an OMOP folder" in e.value for e in at.error)
