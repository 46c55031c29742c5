"""SDTM out (contracts §8): DM, DS, IE as XPT v5 and CSV from any log; importing the export gives the same log."""
from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from tests.sdtm_pilot import PILOT, PILOT_NCT, pilot_study_dict, write_pilot_trial
from trialkit.cli import main
from trialkit.ctgov import parse_study
from trialkit.enrollment import sdtm
from trialkit.enrollment.metrics import summarize
from trialkit.enrollment.storage import import_log, read_log
from trialkit.errors import TrialkitError

P_HEADER = ("subject_id,site_id,screening_date,consent_date,screen_outcome,screen_fail_criteria,enrollment_date,"
            "arm,status,discontinuation_reason,discontinuation_date,analysed\n")
PARTICIPANTS = P_HEADER + "\n".join([
    "A-1,S1,2024-01-02,2024-01-03,ELIGIBLE,,2024-01-10,Placebo,COMPLETED,,,",
    "A-2,S1,2024-01-04,,ELIGIBLE,,2024-01-12,Xanomeline Low Dose,DISCONTINUED,LOST TO FOLLOW-UP,2024-03-01,true",
    "A-3,S2,2024-02-01,,SCREEN_FAILURE,I3;E8,,,,,,",
    "A-4,S2,2024-02-02,,SCREEN_FAILURE,,,,,,,",
    "A-5,S2,2024-02-03,,DECLINED,,,,,,,",
    "A-6,S1,2024-02-04,,ELIGIBLE,,,,,,,",
    "A-7,S1,2024-02-05,,IN_SCREENING,,,,,,,",
    "A-8,S2,2024-02-06,,ELIGIBLE,,2024-02-20,Xanomeline High Dose,ONGOING,,,false",
]) + "\n"
SITES = ("site_id,site_name,city,country,status,planned_activation_date,activation_date,target\n"
         "S1,Hospital One,Lyon,France,ACTIVE,2023-12-01,2024-01-01,20\n"
         "S2,Clinic Two,,Spain,CLOSED,,2024-01-15,\n")


@pytest.fixture(scope="module")
def trial():
    return parse_study(pilot_study_dict())


def test_export_writes_xpt_v5_and_csv_and_round_trips_exactly(engine, trial, tmp_path):
    import_log(engine, PILOT_NCT, PARTICIPANTS, SITES, user="test", trial=trial)
    before = read_log(engine, PILOT_NCT)
    written = sdtm.export_sdtm(engine, trial, tmp_path / "out")
    names = sorted(p.name for p in written)
    for d in ("dm", "ds", "ie"):
        assert f"{d}.xpt" in names and f"{d}.csv" in names
        head = (tmp_path / "out" / f"{d}.xpt").read_bytes()[:80]
        assert head.startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!")  # v5 (v8 says LIBV8)
        df, meta = pyreadstat.read_xport(str(tmp_path / "out" / f"{d}.xpt"))
        assert meta.table_name == d.upper() and all(len(c) <= 8 for c in df.columns)
        assert df.astype(str).equals(pd.read_csv(tmp_path / "out" / f"{d}.csv", dtype=str,
                                                 keep_default_na=False).astype(str))
    dm = pyreadstat.read_xport(str(tmp_path / "out" / "dm.xpt"))[0].set_index("USUBJID")
    assert dm.loc["A-3", "ARMNRS"] == "SCREEN FAILURE" and dm.loc["A-3", "ARMCD"] == ""
    assert dm.loc["A-1", "ARM"] == "Placebo" and dm.loc["A-1", "RFICDTC"] == "2024-01-03"
    ie = pyreadstat.read_xport(str(tmp_path / "out" / "ie.xpt"))[0]
    assert ie[["USUBJID", "IETESTCD", "IECAT", "IEORRES"]].values.tolist() == [
        ["A-3", "I3", "INCLUSION", "N"], ["A-3", "E8", "EXCLUSION", "Y"]]
    ds = pyreadstat.read_xport(str(tmp_path / "out" / "ds.xpt"))[0]
    assert ds.loc[ds["USUBJID"] == "A-2", ["DSDECOD", "DSCAT", "EPOCH", "DSSTDTC"]].values.tolist() == [
        ["RANDOMIZED", "PROTOCOL MILESTONE", "SCREENING", "2024-01-12"],
        ["LOST TO FOLLOW-UP", "DISPOSITION EVENT", "TREATMENT", "2024-03-01"]]

    report = sdtm.import_sdtm(engine, PILOT_NCT, sdtm.read_folder(tmp_path / "out"), user="test", trial=trial)
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    after = read_log(engine, PILOT_NCT)
    pd.testing.assert_frame_equal(before.participants.reset_index(drop=True), after.participants.reset_index(drop=True))
    pd.testing.assert_frame_equal(before.sites, after.sites)
    assert summarize(after.participants, after.sites, trial) == summarize(before.participants, before.sites, trial)


def test_the_xpt_files_alone_round_trip_too(engine, trial, tmp_path):
    import_log(engine, PILOT_NCT, PARTICIPANTS, SITES, user="test", trial=trial)
    before = read_log(engine, PILOT_NCT)
    sdtm.export_sdtm(engine, trial, tmp_path / "out")
    only_xpt = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.suffix != ".csv" or p.name == "sites.csv"}
    sdtm.import_sdtm(engine, PILOT_NCT, only_xpt, user="test", trial=trial)
    pd.testing.assert_frame_equal(before.participants.reset_index(drop=True),
                                  read_log(engine, PILOT_NCT).participants.reset_index(drop=True))


def test_disagreeing_xpt_and_csv_of_one_domain_are_refused(engine, trial, tmp_path):
    import_log(engine, PILOT_NCT, PARTICIPANTS, SITES, user="test", trial=trial)
    sdtm.export_sdtm(engine, trial, tmp_path / "out")
    files = sdtm.read_folder(tmp_path / "out")
    files["dm.csv"] = files["dm.csv"].replace(b"A-7,A-7", b"A-9,A-9")
    with pytest.raises(sdtm.SdtmError) as exc:
        sdtm.prepare(files, trial)
    assert exc.value.problems == ["DM: (file): given twice with different contents (dm.csv and dm.xpt); keep one"]


def test_pilot_round_trip_through_the_cli(data_dir, tmp_path, capsys):
    import json

    write_pilot_trial(data_dir / "trials")
    assert main(["enrollment", "import", PILOT_NCT, "--sdtm", str(PILOT)]) == 0
    main(["enrollment", "summary", PILOT_NCT, "--json"])
    capsys.readouterr()
    main(["enrollment", "summary", PILOT_NCT, "--json"])
    first = json.loads(capsys.readouterr().out)
    assert main(["enrollment", "export", PILOT_NCT, "--sdtm", str(tmp_path / "x")]) == 0
    assert main(["enrollment", "import", PILOT_NCT, "--sdtm", str(tmp_path / "x")]) == 0
    capsys.readouterr()
    main(["enrollment", "summary", PILOT_NCT, "--json"])
    assert json.loads(capsys.readouterr().out) == first
    assert first["screened"] == 306


def test_demo_logs_and_missing_logs_are_not_exported(data_dir, tmp_path, capsys):
    write_pilot_trial(data_dir / "trials")
    assert main(["enrollment", "export", PILOT_NCT, "--sdtm", str(tmp_path / "x")]) == 2
    assert "no enrollment log" in capsys.readouterr().err
    from trialkit.enrollment.storage import open_database
    from trialkit.catalog import default_catalog

    engine = open_database()  # the embedded default: seed trials get their simulated demo logs
    with pytest.raises(TrialkitError, match="simulated demo data"):
        sdtm.export_sdtm(engine, default_catalog().load("NCT07176143"), tmp_path / "y")
