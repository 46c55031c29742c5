"""AppTest: the CDISC SDTM import on the Enrollment page (several files at once), then the Enrollment and Sites
pages showing the pilot study's counts. CDISC SDTM/ADaM Pilot Project data, © CDISC (read only)."""
from __future__ import annotations

import pytest

from tests.app.test_enrollment_pages import all_text, open_tab
from tests.sdtm_pilot import PILOT, PILOT_NCT, write_pilot_trial

ENROLLMENT, SITES = "pages/5_Enrollment.py", "pages/6_Sites.py"
PILOT_FILES = ("dm.xpt", "ds.xpt", "se.xpt", "sv.xpt", "ta.xpt", "ti.xpt")


def uploader(at, label="SDTM files"):
    return next(u for u in at.file_uploader if u.label == label)


def submit(at, label="Import SDTM"):
    return next(b for b in at.button if b.label == label)


def log_count(nct=PILOT_NCT) -> int:
    from trialkit.db import get_engine
    from trialkit.enrollment.storage import read_log

    return len(read_log(get_engine(), nct).participants)


@pytest.fixture
def pilot_trial(data_dir):
    write_pilot_trial(data_dir / "trials")
    return PILOT_NCT


def test_sdtm_upload_imports_the_pilot_and_both_pages_show_it(apptest, pilot_trial):
    at = open_tab(apptest(ENROLLMENT, trial=pilot_trial), "Import a log")  # lazy tabs: the uploaders' tab
    assert "CDISC SDTM/ADaM Pilot Project data (study CDISCPILOT01), © CDISC" in all_text(at)
    uploader(at).set_value([(n.upper() if n.startswith("d") else n, (PILOT / n).read_bytes(), "application/octet-stream")
                            for n in PILOT_FILES])
    submit(at).click().run()
    assert not at.exception
    text = all_text(at)
    assert "Imported 306 participant(s) and 17 site(s) for NCT09990017" in text
    assert "activation dates are DERIVED" in text
    metrics = {m.label: str(m.value) for m in at.metric}
    assert metrics["Screened"] == "306"
    assert metrics["Screen-failed"].startswith("52 ")
    assert metrics["Discontinued"].startswith("144 ")
    assert "Site activation dates are derived from each site's first screening" in text
    assert log_count() == 306

    sites = apptest(SITES, trial=pilot_trial)
    assert not sites.exception
    smetrics = {m.label: str(m.value) for m in sites.metric}
    assert smetrics["Sites"] == "17"
    assert (smetrics["Active"], smetrics["Silent sites"]) == ("0", "0")  # the trial has ended: derived sites CLOSED
    assert "Site activation dates are derived from each site's first screening" in all_text(sites)
    table = sites.dataframe[0].value
    assert dict(zip(table["Site"], table["Screened"])) == {
        "701": "51", "702": "1", "703": "19", "704": "25", "705": "21", "706": "3", "707": "5", "708": "32",
        "709": "23", "710": "38", "711": "12", "713": "9", "714": "6", "715": "12", "716": "29", "717": "7",
        "718": "13"}


def test_bad_sdtm_upload_lists_every_problem_and_changes_nothing(apptest, pilot_trial):
    at = open_tab(apptest(ENROLLMENT, trial=pilot_trial), "Import a log")
    dm = b"USUBJID,SITEID,ARM,ARMCD,RFICDTC\nX-1,S1,Nowhere,NW,2024-02-30\n"
    ds = b"USUBJID,DSDECOD,DSCAT,DSSTDTC\nGHOST,COMPLETED,DISPOSITION EVENT,2024-05-01\n"
    uploader(at).set_value([("dm.csv", dm, "text/csv"), ("ds.csv", ds, "text/csv")])
    submit(at).click().run()
    assert not at.exception
    assert any("Nothing in the log changed" in e.value for e in at.error)
    problems = list(at.dataframe[-1].value["problem"])
    assert "DS row 1: USUBJID: 'GHOST' is not in DM" in problems
    assert "DM row 1: RFICDTC: '2024-02-30' is not a real calendar date" in problems
    assert any(p.startswith("DM row 1: ARM: 'Nowhere' is not an arm group of NCT09990017") for p in problems)
    assert log_count() == 0


def test_the_csv_import_shares_the_same_result_handling(apptest, pilot_trial):
    """The two-CSV form goes through the same problem listing / flash as the SDTM form (one helper)."""
    at = open_tab(apptest(ENROLLMENT, trial=pilot_trial), "Import a log")
    uploader(at, "participants.csv").set_value(("participants.csv", b"subject_id,site_id\nA,S\n", "text/csv"))
    uploader(at, "sites.csv").set_value(("sites.csv", b"site_id,site_name,status\nS,One,ACTIVE\n", "text/csv"))
    submit(at, "Import").click().run()
    assert not at.exception
    problems = list(at.dataframe[-1].value["problem"])
    assert "row 1: screening_date: required column missing (participants.csv)" in problems
    assert log_count() == 0
    # the success path: the same pilot log, as the two CSV files the SDTM mapping makes
    from tests.sdtm_pilot import pilot_study_dict
    from trialkit.ctgov import parse_study
    from trialkit.enrollment import sdtm

    mapped = sdtm.prepare({n: (PILOT / n).read_bytes() for n in PILOT_FILES}, parse_study(pilot_study_dict()))
    at = open_tab(apptest(ENROLLMENT, trial=pilot_trial), "Import a log")
    uploader(at, "participants.csv").set_value(("participants.csv", mapped.participants_csv().encode(), "text/csv"))
    uploader(at, "sites.csv").set_value(("sites.csv", mapped.sites_csv_text().encode(), "text/csv"))
    submit(at, "Import").click().run()
    assert not at.exception
    assert "Imported 306 participant(s) and 17 site(s) for NCT09990017" in all_text(at)
    assert log_count() == 306
