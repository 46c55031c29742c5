"""Hardening round two (issue 12, part A): concurrent importers of one trial, idempotent table creation,
values PostgreSQL would refuse, note authors, read-only first start, storage caps, bad command lines.

The concurrency check is shared with tests/integration/test_hardening_postgres.py (same check, PostgreSQL).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_enrollment_fixtures import NCT, P_COLS, SITES, to_csv

ROOT = Path(__file__).resolve().parents[2]


# -- concurrent imports of one trial (finding 1) ----------------------------------------------------------
def _worker_files(tmp: Path, workers: int, rows: int) -> list[tuple[Path, Path, str]]:
    """One participants file per worker (subject ids W<w>-…, so the log shows whose file it holds)."""
    sites = tmp / "sites.csv"
    sites.write_bytes(to_csv(SITES))
    out = []
    for w in range(workers):
        p = tmp / f"participants-{w}.csv"
        data = to_csv([dict(subject_id=f"W{w}-{i:05d}", site_id="A", screening_date="2025-05-01",
                            screen_outcome="IN_SCREENING") for i in range(rows)], P_COLS)
        p.write_bytes(data)
        out.append((p, sites, hashlib.sha256(data).hexdigest()))
    return out


def check_concurrent_imports(url_for_round, tmp: Path, *, rounds: int = 3, workers: int = 8, rows: int = 1000):
    """``workers`` simultaneous ``enrollment import`` commands of one trial, each a different file, for
    ``rounds`` rounds (``url_for_round(r)`` names the database: a fresh one tests first-import and
    table-creation races). Afterwards the log holds exactly one of the files, every process exited 0 or
    2 with one line (never a traceback), and the audit trail holds one import per success, the last one
    being the file the log holds."""
    from sqlalchemy import create_engine

    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import read_log

    files = _worker_files(tmp, workers, rows)
    for r in range(rounds):
        url = url_for_round(r)
        procs = [subprocess.Popen([sys.executable, "-m", "trialkit", "enrollment", "import", NCT,
                                   "--participants", str(p), "--sites", str(s), "--db", url,
                                   "--user", f"writer-{w}"],
                                  cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
                 for w, (p, s, _) in enumerate(files)]
        results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
        winners = set()
        for w, (code, out, err) in enumerate(results):
            assert "Traceback" not in err, f"round {r} writer {w}: {err}"
            assert code in (0, 2), f"round {r} writer {w} exit {code}: {err}"
            if code == 2:
                assert len(err.strip().splitlines()) == 1, err
            else:
                winners.add(f"writer-{w}")
        assert winners, f"round {r}: no import succeeded"
        eng = create_engine(url)
        try:
            log = read_log(eng, NCT)
            owners = {sid.split("-")[0] for sid in log.participants["subject_id"]}
            assert len(owners) == 1, f"round {r}: the log mixes the files of {sorted(owners)}"
            owner = int(next(iter(owners))[1:])
            assert len(log.participants) == rows and log.participants["subject_id"].is_unique
            trail = read_audit(eng, NCT)
            imports = trail[trail["action"] == "import"].tail(len(winners))
            assert len(trail[trail["action"] == "import"]) >= len(winners)
            assert set(imports["user"]) == winners, f"round {r}: audit {list(imports['user'])} vs {winners}"
            last = json.loads(imports.iloc[-1]["detail"])
            assert imports.iloc[-1]["user"] == f"writer-{owner}"
            assert last["participants_sha256"] == files[owner][2]
            assert last["participants"] == rows
        finally:
            eng.dispose()


def test_eight_concurrent_cli_imports_of_one_trial_on_sqlite(data_dir, tmp_path):
    fresh = {}

    def url(r):  # round 0 and 1: a fresh database file (no tables yet); round 2 reuses round 1's
        if r < 2:
            fresh["url"] = f"sqlite:///{tmp_path / f'race-{r}.db'}"
        return fresh["url"]

    check_concurrent_imports(url, tmp_path, rounds=3, workers=8)


# -- values PostgreSQL would refuse (finding 10) ----------------------------------------------------------
def check_values_postgres_would_refuse(engine):
    """Over-long values and NUL characters are refused by validation (``row N: column: problem``) before
    the database sees them; the log stays empty and nothing is audited."""
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import import_log, read_log, record_screening
    from trialkit.errors import LogValidationError
    from tests.unit.test_enrollment_fixtures import PARTICIPANTS, good_files, seed_trial

    trial = seed_trial()
    p, s = good_files()
    rows = [dict(r) for r in PARTICIPANTS]
    rows[0]["subject_id"] = "X" * 101
    rows[1]["arm"] = "Control\x00group"
    sites = [dict(r) for r in SITES]
    sites[2]["city"] = "C" * 201
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, to_csv(rows, P_COLS), to_csv(sites), user="alice", trial=trial)
    problems = err.value.problems
    assert "row 2: subject_id: 101 characters, at most 100 allowed (participants.csv)" in problems
    assert "row 3: arm: contains a NUL character (participants.csv)" in problems
    assert "row 4: city: 201 characters, at most 200 allowed (sites.csv)" in problems
    huge_sites = to_csv(SITES).decode().replace("Alpha Hospital", "A" * 131_073, 1)
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, p, huge_sites, user="alice", trial=trial)
    assert err.value.problems[0].startswith("row 2: (row): field larger than field limit"), err.value.problems
    assert read_log(engine, NCT).source is None and read_audit(engine, NCT).empty
    import_log(engine, NCT, p, s, user="alice", trial=trial)
    with pytest.raises(LogValidationError) as err:
        record_screening(engine, NCT, {"subject_id": "Z-1", "site_id": "A", "screening_date": "2025-05-01",
                                       "screen_outcome": "IN_SCREENING", "arm": "a\x00b"}, user="bob", trial=trial)
    assert err.value.problems == ["arm: contains a NUL character"]


def test_values_postgres_would_refuse_are_caught_by_validation_on_sqlite(engine):
    check_values_postgres_would_refuse(engine)


# -- bad command lines (finding 11) -----------------------------------------------------------------------
def _bad_command_lines(tmp: Path) -> list[tuple[str, list[str]]]:
    from tests.unit.test_enrollment_fixtures import good_files

    p, s = good_files()
    (tmp / "p.csv").write_bytes(p)
    (tmp / "s.csv").write_bytes(s)
    huge = to_csv(SITES).decode().replace("Alpha Hospital", "A" * 131_073, 1)
    (tmp / "huge.csv").write_text(huge)
    (tmp / "cohort.csv").write_text("age\n50\n")
    (tmp / "adir").mkdir()
    imp = ["enrollment", "import", NCT, "--participants", str(tmp / "p.csv"), "--sites", str(tmp / "s.csv")]
    db = ["--db", f"sqlite:///{tmp / 'ok.db'}"]
    return [
        ("unparseable --db URL", [*imp, "--db", "not a url"]),
        ("unknown database driver", [*imp, "--db", "nosuchdb://x/y"]),
        ("unreachable server", [*imp, "--db", "postgresql+psycopg://u:p@127.0.0.1:1/x?connect_timeout=3"]),
        ("sqlite file in a missing folder", [*imp, "--db", f"sqlite:///{tmp / 'missing' / 'x.db'}"]),
        ("summary with unreachable server", ["enrollment", "summary", NCT, "--db",
                                             "postgresql+psycopg://u:p@127.0.0.1:1/x?connect_timeout=3"]),
        ("blank --user", [*imp, *db, "--user", " "]),
        ("CSV cell over the field limit (lists the row)", ["enrollment", "import", NCT, "--participants", str(tmp / "p.csv"),
                                           "--sites", str(tmp / "huge.csv"), *db]),
        ("cohort --out to a directory", ["cohort", NCT, "--cohort", str(tmp / "cohort.csv"), "--out",
                                         str(tmp / "adir")]),
        ("cohort --out into a missing folder", ["cohort", NCT, "--cohort", str(tmp / "cohort.csv"), "--out",
                                                str(tmp / "missing" / "out.csv")]),
        ("--cohort DIR", ["cohort", NCT, "--cohort", str(tmp / "adir")]),
        ("report --out to a directory", ["report", NCT, "--out", str(tmp / "adir"), *db]),
        ("report --out into a missing folder", ["report", NCT, "--out", str(tmp / "missing" / "r.html"), *db]),
        ("forecast with unparseable --db", ["forecast", NCT, "--db", "::"]),
    ]


def test_bad_command_lines_exit_2_with_one_line(data_dir, tmp_path, capsys):
    """Each bad command line ends with exit 2 and one stderr line, never a traceback (in-process: the same
    ``main`` the console runs; one case also through a real child process below)."""
    from trialkit.cli import main

    failures = []
    for name, argv in _bad_command_lines(tmp_path):
        capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException as exc:  # noqa: BLE001 - a traceback is exactly the failure we look for
            failures.append(f"{name}: raised {type(exc).__name__}: {exc}")
            continue
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        # an invalid CSV lists its problem rows, then the one-line summary (as every refused import does)
        expected = 2 if name.startswith("CSV") else 1
        if code != 2 or len(lines) != expected or "Traceback" in err or not lines[-1].startswith("error: "):
            failures.append(f"{name}: exit {code}, stderr {err!r}")
    assert failures == []


def test_a_bad_db_url_in_a_real_process_prints_one_line(data_dir, tmp_path):
    r = subprocess.run([sys.executable, "-m", "trialkit", "enrollment", "summary", NCT, "--db", "not a url"],
                       cwd=ROOT, capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
