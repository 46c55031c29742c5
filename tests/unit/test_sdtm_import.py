"""SDTM in (contracts §8): the CDISC pilot study end to end, the mapping value by value, bad folders refused.

Counts are checked against numbers computed here independently from the XPT files with pyreadstat (CDISC
SDTM/ADaM Pilot Project data, © CDISC; read only). IE, SDTMIG 3.2 and broken folders are built in test code.
"""
from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pyreadstat
import pytest

from tests.sdtm_pilot import PILOT, PILOT_ARMS, PILOT_NCT, pilot_study_dict, write_pilot_trial
from trialkit.cli import main
from trialkit.ctgov import parse_study
from trialkit.enrollment import sdtm
from trialkit.enrollment.audit import read_audit
from trialkit.enrollment.consort import consort_boxes
from trialkit.enrollment.metrics import site_table, summarize
from trialkit.enrollment.storage import import_log, read_log


def xpt(name: str) -> pd.DataFrame:
    return pyreadstat.read_xport(str(PILOT / f"{name}.xpt"))[0]


@pytest.fixture(scope="module")
def trial():
    return parse_study(pilot_study_dict())


@pytest.fixture(scope="module")
def pilot_files():
    return sdtm.read_folder(PILOT)


def expected_from_xpt() -> dict:
    """The pilot's counts straight from the XPT files (no trialkit code)."""
    dm, ds = xpt("dm"), xpt("ds")
    events = ds[ds["DSCAT"] == "DISPOSITION EVENT"]
    sf = set(events.loc[events["DSDECOD"] == "SCREEN FAILURE", "USUBJID"])
    rand = dm[~dm["USUBJID"].isin(sf)]
    ev = events[events["USUBJID"].isin(set(rand["USUBJID"]))].merge(rand[["USUBJID", "ARM"]], on="USUBJID")
    disc = ev[ev["DSDECOD"] != "COMPLETED"]
    reasons = {a: dict(Counter(disc.loc[disc["ARM"] == a, "DSDECOD"].replace("PROTOCOL VIOLATION", "PROTOCOL DEVIATION")))
               for a in PILOT_ARMS}
    by_site = {s: {"screened": int((g["USUBJID"].size)), "screen_failed": int(g["USUBJID"].isin(sf).sum()),
                   "enrolled": int((~g["USUBJID"].isin(sf)).sum())} for s, g in dm.groupby("SITEID")}
    return {"screened": len(dm), "screen_failed": len(sf), "enrolled": len(rand),
            "by_arm": {a: int((rand["ARM"] == a).sum()) for a in PILOT_ARMS},
            "completed": int((ev["DSDECOD"] == "COMPLETED").sum()), "discontinued": len(disc),
            "reasons": reasons, "by_site": by_site}


def test_pilot_import_matches_counts_computed_from_the_xpt_files(engine, trial, pilot_files):
    exp = expected_from_xpt()
    # the numbers, so a wrong independent computation cannot pass unnoticed
    assert (exp["screened"], exp["screen_failed"], exp["enrolled"]) == (306, 52, 254)
    assert exp["by_arm"] == {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84}
    assert (exp["completed"], exp["discontinued"], len(exp["by_site"])) == (110, 144, 17)

    report = sdtm.import_sdtm(engine, PILOT_NCT, pilot_files, user="test", trial=trial, source="cdiscpilot01")
    assert (report.participants, report.sites) == (306, 17)
    assert any("DERIVED" in n for n in report.notes)
    assert any(n.startswith("12 subject(s) received another arm than planned") for n in report.notes)
    log = read_log(engine, PILOT_NCT)
    assert log.source == "imported" and "derived" in log.note
    s = summarize(log.participants, log.sites, trial, source=log.source)
    assert (s["screened"], s["screen_failed"], s["enrolled"], s["discontinued"]) == (306, 52, 254, 144)
    assert s["by_arm"] == exp["by_arm"]
    assert sum(s["consort"]["analysed"].values()) == exp["completed"]
    assert s["consort"]["discontinued_reasons"] == exp["reasons"]
    assert s["by_site"] == exp["by_site"]
    assert s["by_site"]["711"] == {"screened": 12, "screen_failed": 8, "enrolled": 4}
    boxes = consort_boxes(s)
    assert boxes is not None
    table = site_table(log.participants, log.sites, pd.Timestamp("2016-01-01").date())
    assert dict(zip(table["site_id"], table["screened"])) == {k: v["screened"] for k, v in exp["by_site"].items()}
    # activation derived = each site's first SE screening start
    se = xpt("se")
    first = se[se["ETCD"] == "SCRN"].merge(xpt("dm")[["USUBJID", "SITEID"]]).groupby("SITEID")["SESTDTC"].min()
    got = log.sites.set_index("site_id")["activation_date"].dt.strftime("%Y-%m-%d")
    assert got.to_dict() == first.to_dict()
    ev = read_audit(engine, PILOT_NCT).iloc[-1]
    detail = json.loads(ev["detail"]) if isinstance(ev["detail"], str) else ev["detail"]
    assert detail["sdtm_files"]["dm.xpt"] == "7327baea97fd532d02385248da0c7240402e770099507e2c3a88e2ac706c02a6"


def test_pilot_subjects_value_by_value(trial, pilot_files):
    mapped = sdtm.prepare(pilot_files, trial)
    rows = {p["subject_id"]: p for p in mapped.participants}
    # 01-701-1015: Placebo, completed; screening = SE SCRN start, enrollment = RFSTDTC
    assert rows["01-701-1015"] == {"subject_id": "01-701-1015", "site_id": "701", "screening_date": "2013-12-26",
                                   "screen_outcome": "ELIGIBLE", "arm": "Placebo", "enrollment_date": "2014-01-02",
                                   "status": "COMPLETED"}
    # 01-701-1023: Placebo, discontinued for an adverse event on DSSTDTC
    r = rows["01-701-1023"]
    assert (r["status"], r["discontinuation_reason"], r["discontinuation_date"]) == ("DISCONTINUED", "ADVERSE EVENT",
                                                                                   "2012-09-02")
    # a 3.1-style screen failure (ARMCD Scrnfail + DS SCREEN FAILURE): no arm, no criteria (the pilot has no IE)
    dm = xpt("dm")
    sf_id = dm.loc[dm["ARMCD"] == "Scrnfail", "USUBJID"].iloc[0]
    assert rows[sf_id]["screen_outcome"] == "SCREEN_FAILURE" and rows[sf_id]["screen_fail_criteria"] is None
    assert "arm" not in rows[sf_id]
    # PROTOCOL VIOLATION is read as the pinned PROTOCOL DEVIATION, and said so
    assert rows["01-703-1175"]["discontinuation_reason"] == "PROTOCOL DEVIATION"
    assert any("PROTOCOL VIOLATION" in n for n in mapped.notes)


# -- small SDTM folders built in test code -----------------------------------------------------------
def csv_bytes(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode()


def dm_row(sid, site="S1", armcd="PBO", arm="Placebo", **kw):
    return {"USUBJID": sid, "SITEID": site, "ARMCD": armcd, "ARM": arm, "ACTARMCD": armcd, "ACTARM": arm,
            "RFICDTC": "", "RFSTDTC": "", **kw}


def ds_row(sid, decod, when, cat="DISPOSITION EVENT", **kw):
    return {"USUBJID": sid, "DSDECOD": decod, "DSTERM": decod, "DSCAT": cat, "DSSTDTC": when, **kw}


def small_folder(**extra) -> dict[str, bytes]:
    dm = [dm_row("X-1", RFICDTC="2024-01-05", RFSTDTC="2024-01-20"),
          dm_row("X-2", armcd="", arm="", ARMNRS="SCREEN FAILURE", RFICDTC="2024-02-01T09:30"),  # SDTMIG 3.2
          dm_row("X-3", armcd="SCRNFAIL", arm="Screen Failure", RFICDTC="2024-02"),  # SDTMIG 3.1, partial date
          dm_row("X-4", armcd="XAN", arm="Xanomeline Low Dose", ACTARM="Placebo", RFICDTC="2024-03-01",
                 RFSTDTC="2024-03-10T08:00"),
          dm_row("X-5", armcd="", arm="", ARMNRS="NOT ASSIGNED", RFICDTC="2024-03-02"),
          dm_row("X-6", armcd="", arm="", ARMNRS="NOT ASSIGNED", RFICDTC="2024-03-03"),
          dm_row("X-7", armcd="", arm="", ARMNRS="NOT ASSIGNED", RFICDTC="2024-03-04")]
    ds = [ds_row("X-1", "ADVERSE EVENT", "2024-04", EPOCH="TREATMENT"),
          ds_row("X-1", "RANDOMIZED", "2024-01-19", cat="PROTOCOL MILESTONE", EPOCH="SCREENING"),
          ds_row("X-2", "SCREEN FAILURE", "2024-02-03", EPOCH="SCREENING"),
          ds_row("X-4", "COMPLETED", "2024-09-01", EPOCH="TREATMENT"),
          ds_row("X-4", "COMPLETED", "2024-10-01", EPOCH="FOLLOW-UP"),
          ds_row("X-5", "WITHDRAWAL BY SUBJECT", "2024-03-05", EPOCH="SCREENING"),
          ds_row("X-6", "COMPLETED", "2024-03-06", EPOCH="SCREENING")]
    ie = [{"USUBJID": "X-2", "IETESTCD": "INCL03", "IETEST": "MMSE score of 10 to 23.", "IECAT": "INCLUSION",
           "IEORRES": "N"},
          {"USUBJID": "X-3", "IETESTCD": "EXCL16", "IETEST": "", "IECAT": "EXCLUSION", "IEORRES": "Y"}]
    files = {"DM.csv": csv_bytes(dm), "ds.CSV": csv_bytes(ds), "Ie.csv": csv_bytes(ie),
             "ti.xpt": (PILOT / "ti.xpt").read_bytes()}
    files.update(extra)
    return files


def test_mapping_of_both_screen_failure_conventions_dates_ie_and_dispositions(trial):
    mapped = sdtm.prepare(small_folder(), trial)
    rows = {p["subject_id"]: p for p in mapped.participants}
    assert rows["X-1"] == {"subject_id": "X-1", "site_id": "S1", "screening_date": "2024-01-05",
                           "consent_date": "2024-01-05", "screen_outcome": "ELIGIBLE", "arm": "Placebo",
                           "enrollment_date": "2024-01-19",  # the RANDOMIZED milestone wins over RFSTDTC
                           "status": "DISCONTINUED", "discontinuation_reason": "ADVERSE EVENT",
                           "discontinuation_date": "2024-04-30"}  # partial end date -> last day of the month
    # 3.2: blank ARMCD + ARMNRS; IE INCL03 matched through TI text to I3; date-time keeps its date
    assert rows["X-2"]["screen_outcome"] == "SCREEN_FAILURE" and rows["X-2"]["screen_fail_criteria"] == "I3"
    assert rows["X-2"]["screening_date"] == "2024-02-01"
    # 3.1: ARMCD SCRNFAIL without any DS row; EXCL16 (blank IETEST) matched through TI to E8; partial 2024-02
    assert rows["X-3"]["screen_outcome"] == "SCREEN_FAILURE" and rows["X-3"]["screen_fail_criteria"] == "E8"
    assert rows["X-3"]["screening_date"] == "2024-02-01"
    assert any("DM row 3: RFICDTC: 2024-02 read as 2024-02-01" in n for n in mapped.notes)
    # treatment-epoch COMPLETED, not the follow-up one; planned arm counted, the actual arm is a note
    assert (rows["X-4"]["arm"], rows["X-4"]["status"], rows["X-4"]["enrollment_date"]) == (
        "Xanomeline Low Dose", "COMPLETED", "2024-03-10")
    assert any("X-4 planned 'Xanomeline Low Dose', actual 'Placebo'" in n for n in mapped.notes)
    assert [rows[k]["screen_outcome"] for k in ("X-5", "X-6", "X-7")] == ["DECLINED", "ELIGIBLE", "IN_SCREENING"]
    # the test trial is COMPLETED in its registry record, so the derived site is CLOSED
    assert mapped.sites == [{"site_id": "S1", "site_name": "Site S1", "country": None, "status": "CLOSED",
                             "activation_date": "2024-01-05"}]


def test_screening_date_prefers_se_then_sv_then_rficdtc(trial):
    se = csv_bytes([{"USUBJID": "X-1", "ETCD": "SCRN", "ELEMENT": "Screen", "SESTDTC": "2024-01-02"}])
    sv = csv_bytes([{"USUBJID": "X-1", "VISIT": "SCREENING 1", "SVSTDTC": "2024-01-03"},
                    {"USUBJID": "X-4", "VISIT": "BASELINE", "SVSTDTC": "2024-03-09"},
                    {"USUBJID": "X-4", "VISIT": "SCREENING 1", "SVSTDTC": "2024-02-28"}])
    rows = {p["subject_id"]: p for p in sdtm.prepare(small_folder(**{"se.csv": se, "sv.csv": sv}), trial).participants}
    assert rows["X-1"]["screening_date"] == "2024-01-02"  # SE
    assert rows["X-4"]["screening_date"] == "2024-02-28"  # SV's screening visit
    assert rows["X-5"]["screening_date"] == "2024-03-02"  # RFICDTC


def test_explicit_ie_map_and_unmatched_code_is_a_problem(trial):
    ie = csv_bytes([{"USUBJID": "X-2", "IETESTCD": "MYCODE", "IETEST": "Something the trial does not say"}])
    with pytest.raises(sdtm.SdtmError) as exc:
        sdtm.prepare(small_folder(**{"Ie.csv": ie}), trial)
    assert exc.value.problems == ["IE row 1: IETESTCD: 'MYCODE' ('Something the trial does not say') matches no "
                                  f"criterion text of {PILOT_NCT}; give --ie-map MYCODE=<criterion id>"]
    rows = {p["subject_id"]: p for p in sdtm.prepare(small_folder(**{"Ie.csv": ie}), trial,
                                                      ie_map=["MYCODE=E2"]).participants}
    assert rows["X-2"]["screen_fail_criteria"] == "E2"


def test_arm_map(trial):
    dm = [dm_row("X-1", armcd="P", arm="PBO patch", RFICDTC="2024-01-05", RFSTDTC="2024-01-20")]
    files = {"dm.csv": csv_bytes(dm), "ds.csv": csv_bytes([ds_row("X-1", "COMPLETED", "2024-06-01")])}
    with pytest.raises(sdtm.SdtmError) as exc:
        sdtm.prepare(files, trial)
    assert exc.value.problems[0].startswith("DM row 1: ARM: 'PBO patch' is not an arm group of NCT09990017")
    rows = sdtm.prepare(files, trial, arm_map=["PBO patch=Placebo"]).participants
    assert rows[0]["arm"] == "Placebo"


def test_bad_folder_lists_every_problem_and_changes_nothing(engine, trial, pilot_files):
    sdtm.import_sdtm(engine, PILOT_NCT, pilot_files, user="test", trial=trial)
    before = read_log(engine, PILOT_NCT)
    n_audit = len(read_audit(engine, PILOT_NCT))
    dm = [dm_row("X-1", arm="Mystery arm", RFICDTC="2024-13-01", RFSTDTC="2024-01-20"),
          dm_row("X-2", RFICDTC="yesterday", RFSTDTC="2024-01-20")]
    ds = [ds_row("X-1", "COMPLETED", "2024-06-01"), ds_row("GHOST", "COMPLETED", "2024-06-01"),
          ds_row("X-2", "COMPLETED", "2024-06-01")]
    with pytest.raises(sdtm.SdtmError) as exc:
        sdtm.import_sdtm(engine, PILOT_NCT, {"dm.csv": csv_bytes(dm), "ds.csv": csv_bytes(ds)}, user="t", trial=trial)
    problems = exc.value.problems
    assert "DS row 2: USUBJID: 'GHOST' is not in DM" in problems
    assert "DM row 1: RFICDTC: '2024-13-01' is not a real calendar date" in problems
    assert ("DM row 2: RFICDTC: 'yesterday' is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM, YYYY or a date-time)"
            in problems)
    assert any(p.startswith("DM row 1: ARM: 'Mystery arm' is not an arm group") for p in problems)
    with pytest.raises(sdtm.SdtmError) as exc:  # missing DM
        sdtm.import_sdtm(engine, PILOT_NCT, {"ds.csv": csv_bytes(ds)}, user="t", trial=trial)
    assert exc.value.problems == ["DM: (file): required domain missing (no dm.xpt or dm.csv)"]
    after = read_log(engine, PILOT_NCT)
    pd.testing.assert_frame_equal(before.participants, after.participants)
    pd.testing.assert_frame_equal(before.sites, after.sites)
    assert len(read_audit(engine, PILOT_NCT)) == n_audit


def test_log_rule_problems_are_said_in_sdtm_terms(trial):
    # consent after allocation breaks a §5 rule; the problem names the SDTM record and variable
    dm = [dm_row("X-1", RFICDTC="2024-02-01", RFSTDTC="2024-01-20")]
    with pytest.raises(sdtm.SdtmError) as exc:
        sdtm.prepare({"dm.csv": csv_bytes(dm), "ds.csv": csv_bytes([ds_row("X-1", "COMPLETED", "")])}, trial)
    assert exc.value.problems == ["DM row 1: RFSTDTC: 2024-01-20 is before consent_date 2024-02-01 "
                                  "(log column enrollment_date)",
                                  "DM row 1: RFSTDTC: 2024-01-20 is before site 'S1' was activated on 2024-02-01 "
                                  "(log column enrollment_date)"]


def test_cli_import_refuses_a_bad_folder_with_exit_2(data_dir, tmp_path, capsys):
    write_pilot_trial(data_dir / "trials")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ds.xpt").write_bytes((PILOT / "ds.xpt").read_bytes())
    code = main(["enrollment", "import", PILOT_NCT, "--sdtm", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert "DM: (file): required domain missing (no dm.xpt or dm.csv)" in err
    assert "Traceback" not in err


def test_cli_import_then_summary_json(data_dir, capsys):
    write_pilot_trial(data_dir / "trials")
    assert main(["enrollment", "import", PILOT_NCT, "--sdtm", str(PILOT), "--json"]) == 0
    capsys.readouterr()
    assert main(["enrollment", "summary", PILOT_NCT, "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["screened"], s["screen_failed"], s["enrolled"], s["discontinued"]) == (306, 52, 254, 144)
    assert s["by_arm"] == {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84}
    assert len(s["by_site"]) == 17
