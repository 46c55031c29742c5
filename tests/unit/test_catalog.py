"""The catalog: shipped + imported studies, every version kept, broken files reported and skipped."""
import json
import shutil

from tests.conftest import CTGOV, SEED_IDS
from trialkit.catalog import Catalog, trial_summary


def test_the_shipped_catalog_offers_both_seeds(data_dir):
    scan = Catalog().scan()
    assert scan.ids == list(SEED_IDS)
    assert scan.problems == []
    assert all(e.origin == "shipped" for e in scan.entries)


def test_a_broken_file_is_reported_and_never_hides_the_others(data_dir):
    (data_dir / "trials" / "NCT00000001.json").write_text("{not json", encoding="utf-8")
    (data_dir / "trials" / "NCT00000002.json").write_text('{"FullStudiesResponse": {}}', encoding="utf-8")
    shutil.copy(CTGOV / "NCT03377387.json", data_dir / "trials" / "NCT99999999.json")  # name and id disagree
    scan = Catalog().scan()
    assert scan.ids == list(SEED_IDS)
    messages = " | ".join(p.message for p in scan.problems)
    assert len(scan.problems) == 3
    assert "NCT00000001.json: not valid JSON" in messages
    assert "classic-API" in messages
    assert "file name says NCT99999999 but the study is NCT03377387" in messages


def test_import_keeps_every_version_and_the_newest_is_shown(data_dir):
    cat = Catalog()
    raw = (CTGOV / "NCT05147467.json").read_bytes()
    trial, v1, new = cat.add(raw, source_name="../../etc/passwd")
    assert new and trial.nct_id == "NCT05147467"
    assert v1.path.parent == data_dir / "imported" / "NCT05147467"  # the upload's name is never a path
    assert "passwd" not in str(v1.path)
    _, same, new = cat.add(raw)
    assert not new and same.path == v1.path  # identical copy not stored twice
    d = json.loads(raw)
    d["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    _, v2, new = cat.add(json.dumps(d).encode())
    assert new
    assert [v.path for v in cat.versions("NCT05147467")] == [v1.path, v2.path]
    assert cat.load("NCT05147467").overall_status == "COMPLETED"
    assert "NCT05147467" in cat.scan().ids


def test_a_new_version_of_a_seed_keeps_the_shipped_file(data_dir):
    cat = Catalog()
    d = json.loads((data_dir / "trials" / "NCT07176143.json").read_text(encoding="utf-8"))
    d["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    cat.add(json.dumps(d).encode())
    versions = cat.versions("NCT07176143")
    assert [v.origin for v in versions] == ["shipped", "imported"]
    assert cat.load("NCT07176143").overall_status == "RECRUITING"
    entry = cat.scan().get("NCT07176143")
    assert entry.origin == "imported" and len(entry.versions) == 2


def test_a_rejected_import_changes_nothing(data_dir):
    cat = Catalog()
    before = cat.fingerprint()
    try:
        cat.add(b'{"protocolSection": {"identificationModule": {}}}')
    except ValueError as exc:
        assert "nctId" in str(exc)
    else:
        raise AssertionError("should have been refused")
    assert cat.fingerprint() == before


def test_summary_is_the_contract_shape(data_dir):
    s = trial_summary(Catalog().load("NCT07176143"))
    assert list(s) == ["nct_id", "title", "status", "phases", "sex", "minimum_age_years", "maximum_age_years",
                       "enrollment", "sponsor", "arms", "criteria", "sites"]
    assert s["criteria"][0] == {"id": "I1", "kind": "inclusion", "text": s["criteria"][0]["text"]}
    assert set(s["arms"][0]) == {"label", "type", "description"}
