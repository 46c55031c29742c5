"""Storage of the enrollment log: reads, imports, demo data, recorded screenings, the audit trail, parallel
writers, and the command line. The same checks run against PostgreSQL in tests/integration."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.unit.test_enrollment_fixtures import NCT, P_COLS, PARTICIPANTS, SITES, good_files, seed_trial, to_csv
from trialkit.errors import LogValidationError

ROOT = Path(__file__).resolve().parents[2]



# -- shared checks (also run on PostgreSQL) ---------------------------------------------------------
def check_import_and_read(engine):
    from trialkit.enrollment.schema import PARTICIPANT_COLUMNS, SITE_COLUMNS
    from trialkit.enrollment.storage import import_log, read_log

    empty = read_log(engine, NCT)
    assert empty.source is None and empty.participants.empty and empty.sites.empty
    assert list(empty.participants.columns) == list(PARTICIPANT_COLUMNS)
    report = import_log(engine, NCT, *good_files(), user="alice", trial=seed_trial())
    assert (report.participants, report.sites, report.replaced) == (10, 3, None)
    log = read_log(engine, NCT)
    assert log.source == "imported"
    assert list(log.participants.columns) == list(PARTICIPANT_COLUMNS)
    assert list(log.sites.columns)[:len(SITE_COLUMNS)] == list(SITE_COLUMNS)
    for c in ("screening_date", "consent_date", "enrollment_date", "discontinuation_date"):
        assert log.participants[c].dtype == "datetime64[ns]", c
    assert log.sites["activation_date"].dtype == "datetime64[ns]"
    row = log.participants.set_index("subject_id").loc["A-003"]
    assert row["screen_fail_criteria"] == "I3;E10" and pd.isna(row["enrollment_date"])
    assert log.participants.set_index("subject_id").loc["B-004", "analysed"] is False
    assert list(log.sites["target"]) == [10, 5, 5]


def check_audit_shows_every_import(engine):
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import import_log

    trial = seed_trial()
    p, s = good_files()
    import_log(engine, NCT, p, s, user="alice", trial=trial)
    rows = [dict(r) for r in PARTICIPANTS]
    rows[7].update(screen_outcome="SCREEN_FAILURE", consent_date="2025-04-01", screen_fail_criteria="E10")
    rows = rows[1:]  # A-001 removed
    report = import_log(engine, NCT, to_csv(rows, P_COLS), s, user="bob", trial=trial)
    assert (report.added, report.changed, report.removed, report.replaced) == (0, 1, 1, "imported")
    with pytest.raises(LogValidationError):
        import_log(engine, NCT, b"subject_id\n", s, user="mallory", trial=trial)
    trail = read_audit(engine, NCT)
    imports = trail[trail["action"] == "import"]
    assert list(imports["user"]) == ["alice", "bob"]  # the refused import wrote nothing
    detail = json.loads(imports.iloc[1]["detail"])
    assert detail["removed"] == ["A-001"] and list(detail["changed"]) == ["B-003"]
    assert detail["changed"]["B-003"]["before"]["screen_outcome"] == "IN_SCREENING"
    assert detail["changed"]["B-003"]["after"]["screen_outcome"] == "SCREEN_FAILURE"
    assert len(detail["participants_sha256"]) == 64


def check_audit_is_append_only(engine):
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DBAPIError

    from trialkit.enrollment.audit import audit_events
    from trialkit.enrollment.storage import import_log

    import_log(engine, NCT, *good_files(), user="alice", trial=seed_trial())
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(update(audit_events).values(user="someone else"))
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(delete(audit_events))


def _one_writer(url: str, worker: int, per_worker: int) -> None:
    from trialkit.db import get_engine
    from trialkit.enrollment.storage import record_screening

    eng = get_engine(url)
    trial = seed_trial()
    for i in range(per_worker):
        record_screening(eng, NCT, {"subject_id": f"W{worker}-{i:03d}", "site_id": "A",
                                    "screening_date": "2025-05-01", "screen_outcome": "IN_SCREENING"},
                         user=f"writer-{worker}", trial=trial)


def check_parallel_writers(engine, url: str, *, workers: int = 8, per_worker: int = 10, processes: bool = False):
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import import_log, read_log

    import_log(engine, NCT, *good_files(), user="alice", trial=seed_trial())
    if processes:
        code = ("import sys; sys.path.insert(0, %r); from tests.unit.test_enrollment_storage import _one_writer; "
                "_one_writer(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))" % str(ROOT))
        procs = [subprocess.Popen([sys.executable, "-c", code, url, str(w), str(per_worker)], cwd=ROOT,
                                  env=dict(os.environ), stderr=subprocess.PIPE, text=True)
                 for w in range(workers)]
        errors = [p.communicate(timeout=300)[1] for p in procs]
        assert all(p.returncode == 0 for p in procs), errors
    else:
        errors = []

        def run(w):
            try:
                _one_writer(url, w, per_worker)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))

        threads = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert errors == []
    log = read_log(engine, NCT)
    written = log.participants[log.participants["subject_id"].str.startswith("W")]
    assert len(written) == workers * per_worker
    assert written["subject_id"].is_unique
    trail = read_audit(engine, NCT)
    recorded = trail[trail["action"] == "record_screening"]
    assert len(recorded) == workers * per_worker
    assert set(recorded["user"]) == {f"writer-{w}" for w in range(workers)}


# -- SQLite ------------------------------------------------------------------------------------------
def test_import_and_read(engine):
    check_import_and_read(engine)


def test_audit_trail_shows_every_import(engine):
    check_audit_shows_every_import(engine)


def test_audit_trail_is_append_only(engine):
    check_audit_is_append_only(engine)


def test_eight_parallel_threads_lose_no_record(engine):
    check_parallel_writers(engine, str(engine.url), workers=8, per_worker=10)


@pytest.mark.slow
def test_eight_parallel_processes_lose_no_record(engine):
    check_parallel_writers(engine, str(engine.url), workers=8, per_worker=5, processes=True)


def test_record_screening_validates_audits_and_corrects(engine):
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import import_log, read_log, record_screening

    trial = seed_trial()
    import_log(engine, NCT, *good_files(), user="alice", trial=trial)
    row = {"subject_id": "A-100", "site_id": "A", "screening_date": date(2025, 5, 2),
           "consent_date": date(2025, 5, 2), "screen_outcome": "SCREEN_FAILURE", "screen_fail_criteria": ["I3", "E10"]}
    record_screening(engine, NCT, row, user="coordinator", trial=trial)
    with pytest.raises(LogValidationError, match="already in this trial's log"):
        record_screening(engine, NCT, row, user="coordinator", trial=trial)
    with pytest.raises(LogValidationError) as err:
        record_screening(engine, NCT, dict(row, subject_id="A-101", site_id="Z", screen_fail_criteria="E99"),
                         user="coordinator", trial=trial)
    assert any(p.startswith("site_id: 'Z' is not in sites.csv") for p in err.value.problems)
    assert any(p.startswith("screen_fail_criteria: E99") for p in err.value.problems)
    record_screening(engine, NCT, dict(row, screen_outcome="ELIGIBLE", screen_fail_criteria=None),
                     user="monitor", trial=trial, correct=True)
    log = read_log(engine, NCT).participants.set_index("subject_id")
    assert log.loc["A-100", "screen_outcome"] == "ELIGIBLE" and log.loc["A-100", "screen_fail_criteria"] is None
    trail = read_audit(engine, NCT)
    assert list(trail["action"]) == ["import", "record_screening", "correct_screening"]
    diff = json.loads(trail.iloc[2]["detail"])
    assert diff["screen_outcome"] == {"before": "SCREEN_FAILURE", "after": "ELIGIBLE"}
    assert trail.iloc[2]["user"] == "monitor"


def test_record_screening_needs_a_real_log(engine):
    from trialkit.catalog import default_catalog
    from trialkit.enrollment.storage import DemoLogExists, NoLogError, ensure_demo_data, record_screening

    row = {"subject_id": "X-1", "site_id": "S01", "screening_date": "2025-05-01", "screen_outcome": "IN_SCREENING"}
    with pytest.raises(NoLogError):
        record_screening(engine, NCT, row, user="u", trial=seed_trial())
    ensure_demo_data(engine, default_catalog())
    with pytest.raises(DemoLogExists):
        record_screening(engine, NCT, row, user="u", trial=seed_trial())


def test_demo_data_is_loaded_once_and_replaced_only_explicitly(engine):
    from trialkit.catalog import default_catalog
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import DemoLogExists, ensure_demo_data, import_log, read_log

    cat = default_catalog()
    ensure_demo_data(engine, cat, as_of=date(2026, 1, 31))
    first = read_log(engine, NCT)
    ensure_demo_data(engine, cat, as_of=date(2026, 6, 30))  # idempotent: nothing new
    again = read_log(engine, NCT)
    assert first.source == again.source == "demo"
    pd.testing.assert_frame_equal(first.participants, again.participants)
    with pytest.raises(DemoLogExists):
        import_log(engine, NCT, *good_files(), user="alice", trial=seed_trial())
    pd.testing.assert_frame_equal(read_log(engine, NCT).participants, first.participants)
    report = import_log(engine, NCT, *good_files(), user="alice", trial=seed_trial(), replace_demo=True)
    assert report.replaced == "demo"
    ensure_demo_data(engine, cat)
    log = read_log(engine, NCT)
    assert log.source == "imported" and len(log.participants) == 10  # demo never comes back
    assert read_log(engine, "NCT06610773").source == "demo"  # the other seed keeps its demo log
    actions = list(read_audit(engine, NCT)["action"])
    assert actions == ["load_demo", "import"]


def test_demo_loading_races_safely(engine):
    from trialkit.catalog import default_catalog
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import ensure_demo_data

    errors = []

    def run():
        try:
            ensure_demo_data(engine, default_catalog(), as_of=date(2026, 1, 31))
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    trail = read_audit(engine)
    assert sorted(trail[trail["action"] == "load_demo"]["nct_id"]) == ["NCT06610773", "NCT07176143"]


@pytest.mark.parametrize("nct", ["NCT06610773", "NCT07176143"])
def test_demo_logs_are_valid_seeded_and_use_real_criterion_ids(nct):
    from trialkit.catalog import default_catalog
    from trialkit.enrollment.demo import SINGLE_GROUP_LABEL, demo_log
    from trialkit.enrollment.schema import validate_files

    trial = _load(nct)
    a = demo_log(trial, as_of=date(2026, 3, 1))
    b = demo_log(trial, as_of=date(2026, 3, 1))
    assert [p.model_dump() for p in a.participants] == [p.model_dump() for p in b.participants]
    # Round trip through the CSV format: the demo log passes the same validation as an import.
    prow = [{k: (";".join(v) if isinstance(v, list) else ("" if v is None else str(v).lower() if isinstance(v, bool)
                                                          else str(v)))
             for k, v in p.model_dump().items()} for p in a.participants]
    srow = [{k: "" if v is None else str(v) for k, v in s.model_dump().items()} for s in a.sites]
    validate_files(to_csv(prow, P_COLS), to_csv(srow), trial)
    ids = {c.id for c in trial.criteria}
    failed = [c for p in a.participants for c in p.screen_fail_criteria]
    assert failed and set(failed) <= ids
    arms = {p.arm for p in a.participants if p.arm}
    if nct == "NCT07176143":
        assert arms == set(trial.arm_labels) == {"Stem cell therapy group", "Control group"}
        enrolled = sum(p.enrolled for p in a.participants)
        assert enrolled <= trial.enrollment.count
    else:
        assert trial.arm_labels == [] and arms == {SINGLE_GROUP_LABEL}
        assert "no arm groups" in a.note
    assert "Simulated demo data" in a.note


def _load(nct):
    from trialkit.ctgov import load_study

    return load_study(ROOT / "data" / "trials" / f"{nct}.json")


# -- command line ---------------------------------------------------------------------------------------
def _cli(*args, env=None):
    """The real command line in a child process (exit codes and stderr as a user sees them)."""
    return subprocess.run([sys.executable, "-m", "trialkit", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env or dict(os.environ), timeout=300)


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _main(capsys, *args):
    """The same command line in this process (faster: the CLI imports every sub-command)."""
    from trialkit.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out = capsys.readouterr()
    return _Result(code, out.out, out.err)


def test_cli_import_and_summary(data_dir, tmp_path, capsys):
    from trialkit.enrollment.metrics import summarize
    from trialkit.enrollment.storage import _participant_record, _participants_frame, _site_record, _sites_frame
    from trialkit.enrollment.schema import validate_files

    p, s = good_files()
    (tmp_path / "p.csv").write_bytes(p)
    (tmp_path / "s.csv").write_bytes(s)
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    r = _main(capsys, "enrollment", "import", NCT, "--participants", str(tmp_path / "p.csv"), "--sites",
             str(tmp_path / "s.csv"), "--db", db)
    assert r.returncode == 0, r.stderr
    r = _main(capsys, "enrollment", "summary", NCT, "--db", db, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    log = validate_files(p, s, seed_trial())
    expected = summarize(_participants_frame([_participant_record(NCT, x) for x in log.participants]),
                         _sites_frame([_site_record(NCT, x) for x in log.sites]), seed_trial(), source="imported")
    for key in ("screened", "in_screening", "screen_failed", "declined", "eligible_not_enrolled", "enrolled",
                "discontinued", "by_arm", "by_site", "screen_fail_by_criterion", "consort"):
        assert out[key] == json.loads(json.dumps(expected[key])), key
    assert out["source"] == "imported" and "data_label" not in out


def test_cli_bad_import_exits_2_lists_rows_and_changes_nothing(data_dir, tmp_path, capsys):
    rows = [dict(r) for r in PARTICIPANTS]
    rows[0]["screening_date"] = "2025-13-01"
    rows[4]["arm"] = "Placebo"
    (tmp_path / "p.csv").write_bytes(to_csv(rows, P_COLS))
    (tmp_path / "s.csv").write_bytes(to_csv(SITES))
    (tmp_path / "good.csv").write_bytes(good_files()[0])
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _main(capsys, "enrollment", "import", NCT, "--participants", str(tmp_path / "good.csv"), "--sites",
                str(tmp_path / "s.csv"), "--db", db).returncode == 0
    before = _main(capsys, "enrollment", "summary", NCT, "--db", db, "--json").stdout
    r = _cli("enrollment", "import", NCT, "--participants", str(tmp_path / "p.csv"), "--sites", str(tmp_path / "s.csv"),
             "--db", db)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert any(line.startswith("row 2: screening_date: '2025-13-01' is not a real calendar date") for line in lines)
    assert any(line.startswith("row 6: arm: only allowed for an enrolled participant") for line in lines)
    assert _main(capsys, "enrollment", "summary", NCT, "--db", db, "--json").stdout == before
    r = _main(capsys, "enrollment", "import", NCT, "--participants", str(tmp_path / "missing.csv"), "--sites",
             str(tmp_path / "s.csv"), "--db", db)
    assert r.returncode == 2 and "no such file" in r.stderr


def test_cli_summary_on_the_embedded_database_shows_the_demo_label(data_dir, capsys):
    r = _main(capsys, "enrollment", "summary", NCT, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["source"] == "demo" and out["data_label"] == "simulated demo data" and out["simulated"] is True
    assert out["screened"] == (out["in_screening"] + out["screen_failed"] + out["declined"]
                               + out["eligible_not_enrolled"] + out["enrolled"])
    r = _main(capsys, "enrollment", "summary", NCT)
    assert "simulated demo data" in r.stdout
    r = _main(capsys, "enrollment", "import", NCT, "--participants", "nope.csv", "--sites", "nope.csv")
    assert r.returncode == 2
