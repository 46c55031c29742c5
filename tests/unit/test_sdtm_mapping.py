"""SDTM mapping details: dates, file reading, ambiguous dispositions, CLI usage."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.sdtm_pilot import PILOT, PILOT_NCT, pilot_study_dict, write_pilot_trial
from trialkit.cli import main
from trialkit.ctgov import parse_study
from trialkit.enrollment import sdtm


@pytest.mark.parametrize("text,end,expected,partial", [
    ("2013-05-17", False, date(2013, 5, 17), False),
    ("2013-05-17T14:30", False, date(2013, 5, 17), False),
    ("2013-05-17T14:30:05.25", False, date(2013, 5, 17), False),
    ("2014-07-02T11:45", True, date(2014, 7, 2), False),
    ("2013-05", False, date(2013, 5, 1), True),
    ("2013-05", True, date(2013, 5, 31), True),
    ("2012-02", True, date(2012, 2, 29), True),
    ("2013", False, date(2013, 1, 1), True),
    ("2013", True, date(2013, 12, 31), True),
])
def test_sdtm_dates(text, end, expected, partial):
    assert sdtm.parse_sdtm_date(text, end=end) == (expected, partial)


@pytest.mark.parametrize("text,problem", [
    ("2013-02-30", "'2013-02-30' is not a real calendar date"),
    ("2013-13", "'2013-13' is not a real calendar date"),
    ("17/05/2013", "'17/05/2013' is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM, YYYY or a date-time)"),
    ("2013-5-17", "'2013-5-17' is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM, YYYY or a date-time)"),
])
def test_bad_sdtm_dates(text, problem):
    with pytest.raises(ValueError) as exc:
        sdtm.parse_sdtm_date(text)
    assert str(exc.value) == problem


def test_domains_in_any_letter_case_and_other_files_ignored():
    files = {"Dm.XPT": (PILOT / "dm.xpt").read_bytes(), "ds.Csv": b"USUBJID,DSDECOD,DSCAT,DSSTDTC\n",
             "ae.xpt": b"whatever", "README.txt": b"x"}
    domains, sites, problems = sdtm.read_domains(files)
    assert problems == [] and sorted(domains) == ["DM", "DS"] and sites is None
    assert domains["DM"].frame.shape == (306, 25)
    # pyreadstat reads the pilot's values exactly; blank character values are ''
    assert (domains["DM"].frame["RFICDTC"] == "").all()


def test_unreadable_and_incomplete_files_are_named():
    files = {"dm.xpt": b"not an xpt file at all", "ds.csv": b"USUBJID,DSDECOD\nX,COMPLETED\n"}
    _, _, problems = sdtm.read_domains(files)
    assert problems[0].startswith("DM: (file): not a readable SAS transport (XPT) file")
    assert problems[0].endswith("(dm.xpt)")
    assert problems[1:] == ["DS: DSCAT: required variable missing (ds.csv)",
                            "DS: DSSTDTC: required variable missing (ds.csv)"]


def test_two_treatment_dispositions_without_epoch_are_a_problem():
    trial = parse_study(pilot_study_dict())
    dm = pd.DataFrame([{"USUBJID": "X-1", "SITEID": "S1", "ARMCD": "PBO", "ARM": "Placebo",
                        "RFICDTC": "2024-01-01", "RFSTDTC": "2024-01-10"}]).to_csv(index=False).encode()
    ds = pd.DataFrame([{"USUBJID": "X-1", "DSDECOD": d, "DSCAT": "DISPOSITION EVENT", "DSSTDTC": "2024-03-01"}
                       for d in ("ADVERSE EVENT", "COMPLETED")]).to_csv(index=False).encode()
    with pytest.raises(sdtm.SdtmError) as exc:
        sdtm.prepare({"dm.csv": dm, "ds.csv": ds}, trial)
    assert exc.value.problems == ["DS row 2: DSDECOD: X-1 has 2 disposition events for the treatment epoch (DS rows "
                                  "1, 2); expected one (DS has no EPOCH to tell them apart)"]


def test_unknown_ncomplt_term_is_refused_and_known_extra_terms_become_other():
    trial = parse_study(pilot_study_dict())
    dm = pd.DataFrame([{"USUBJID": f"X-{k}", "SITEID": "S1", "ARMCD": "PBO", "ARM": "Placebo",
                        "RFICDTC": "2024-01-01", "RFSTDTC": "2024-01-10"} for k in (1, 2)]).to_csv(index=False).encode()

    def ds(term):
        return pd.DataFrame([{"USUBJID": "X-1", "DSDECOD": term, "DSCAT": "DISPOSITION EVENT", "DSSTDTC": "2024-03-01"},
                             {"USUBJID": "X-2", "DSDECOD": "COMPLETED", "DSCAT": "DISPOSITION EVENT",
                              "DSSTDTC": "2024-03-01"}]).to_csv(index=False).encode()

    mapped = sdtm.prepare({"dm.csv": dm, "ds.csv": ds("NON-COMPLIANCE WITH STUDY DRUG")}, trial)
    assert mapped.participants[0]["discontinuation_reason"] == "OTHER"
    assert "NON-COMPLIANCE WITH STUDY DRUG (1)" in mapped.notes[0]
    with pytest.raises(sdtm.SdtmError) as exc:
        sdtm.prepare({"dm.csv": dm, "ds.csv": ds("FELT BETTER")}, trial)
    assert exc.value.problems[0].startswith("DS row 1: DSDECOD: 'FELT BETTER' is not a CDISC NCOMPLT term")


def test_a_sites_file_beside_the_domains_gives_names_and_is_checked():
    trial = parse_study(pilot_study_dict())
    files = sdtm.read_folder(PILOT)
    sites = "site_id,site_name,status,activation_date\n" + "\n".join(
        f"{s},Centre {s},ACTIVE,2012-01-01" for s in ("701", "702", "703")) + "\n"
    files["sites.csv"] = sites.encode()
    with pytest.raises(sdtm.SdtmError) as exc:
        sdtm.prepare(files, trial)
    assert any(p.startswith("DM row ") and ": SITEID: '704' is not in sites.csv (log column site_id)" in p
               for p in exc.value.problems)
    sites += "\n".join(f"{s},Centre {s},ACTIVE,2012-01-01" for s in
                       ("704", "705", "706", "707", "708", "709", "710", "711", "713", "714", "715", "716", "717",
                        "718")) + "\n"
    files["sites.csv"] = sites.encode()
    mapped = sdtm.prepare(files, trial)
    assert mapped.sites is None and not mapped.activation_derived
    assert not any("DERIVED" in n for n in mapped.notes)


def test_cli_usage(data_dir, capsys):
    write_pilot_trial(data_dir / "trials")
    assert main(["enrollment", "import", PILOT_NCT]) == 2
    assert "give --participants P.csv and --sites S.csv (or --sdtm DIR)" in capsys.readouterr().err
    assert main(["enrollment", "import", PILOT_NCT, "--sdtm", str(PILOT), "--sites", "x.csv"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["enrollment", "import", PILOT_NCT, "--sdtm", str(PILOT), "--arm-map", "Placebo"]) == 2
    assert "expected 'SDTM VALUE=trial value'" in capsys.readouterr().err
    assert main(["enrollment", "import", PILOT_NCT, "--sdtm", str(PILOT), "--arm-map", "Ghost=Placebo"]) == 2
    assert "--arm-map Ghost=Placebo: no allocated DM subject has ARM or ARMCD 'Ghost'" in capsys.readouterr().err


def test_derived_sites_are_active_while_the_trial_runs_and_closed_once_it_ended():
    d = pilot_study_dict()
    files = sdtm.read_folder(PILOT)
    ended = sdtm.prepare(files, parse_study(d))
    d["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    running = sdtm.prepare(files, parse_study(d))
    assert {s["status"] for s in ended.sites} == {"CLOSED"} and {s["status"] for s in running.sites} == {"ACTIVE"}
    assert "status CLOSED because the registry gives the trial's status as COMPLETED" in ended.notes[-1]
    assert [s["activation_date"] for s in ended.sites] == [s["activation_date"] for s in running.sites]
