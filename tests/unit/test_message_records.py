"""Errors and problem lists of the records modules in Chinese (issue 18): real bad input (an enrollment log, an
SDTM folder, a share link, a study file, a ClinicalTrials.gov id, a place, a note, a forecast, a catalog over its
limit) raises the real error; its English (``str``: the command line, files) is exactly what trialkit always
wrote, and ``said()`` under ``language("zh")`` is Chinese with no English sentence left apart from the data."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.unit.test_enrollment_fixtures import NCT, PARTICIPANTS, P_COLS, SITES, good_files, seed_trial, to_csv
from trialkit.i18n import language
from trialkit.message import Message, said

_CJK = "\u4e00-\u9fff"


def _engine(tmp: Path):
    from trialkit.db import get_engine, init_db

    eng = get_engine(f"sqlite:///{tmp / 'records.db'}")
    init_db(eng)
    return eng


def _raises(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the case is the exception
        return exc
    raise AssertionError("no error raised")


# -- the cases: (bad input -> the error it raises) ----------------------------------------------------------------
def bad_log_rows(tmp):
    from trialkit.enrollment.schema import validate_files

    rows = [dict(PARTICIPANTS[0], screening_date="2025-02-30"), dict(PARTICIPANTS[1], screen_outcome="eligible"),
            dict(PARTICIPANTS[2], site_id="Z", screen_fail_criteria="I3;X9"),
            dict(PARTICIPANTS[3], arm="Stem cell therapy group")]
    sites = [dict(SITES[0], target="-3"), dict(SITES[1], status="CLOSED", activation_date="")]
    return _raises(lambda: validate_files(to_csv(rows, P_COLS), to_csv(sites), seed_trial()))


def bad_log_header(tmp):
    from trialkit.enrollment.schema import validate_files

    part, _ = good_files()
    sites = b"site_id,site_name,phone_number,status,status\nA,Alpha,1,ACTIVE,ACTIVE\n"
    return _raises(lambda: validate_files(part.replace(b"subject_id", b"subject"), sites, seed_trial()))


def bad_log_bytes(tmp):
    from trialkit.enrollment.schema import validate_files

    return _raises(lambda: validate_files(b"\xff\xfe bad", b"", None))


def bad_screening(tmp):
    from trialkit.enrollment import storage

    eng = _engine(tmp)
    part, sites = good_files()
    storage.import_log(eng, NCT, part, sites, user="tester", trial=seed_trial())
    row = dict(subject_id="A-001", site_id="A", screening_date="2025-05-01", screen_outcome="SCREEN_FAILURE",
               screen_fail_criteria="I99")
    return _raises(lambda: storage.record_screening(eng, NCT, row, user="tester", trial=seed_trial()))


def sdtm_missing_domains(tmp):
    from trialkit.enrollment import sdtm

    files = {"dm.csv": b"STUDYID,USUBJID\nS1,S1-001\n", "ds.xpt": b"not an xpt file"}
    return _raises(lambda: sdtm.prepare(files, seed_trial()))


def sdtm_bad_rows(tmp):
    from trialkit.enrollment import sdtm

    dm = (b"STUDYID,DOMAIN,USUBJID,SITEID,RFICDTC,RFSTDTC,ARMCD,ARM,ACTARM\n"
          b"S1,DM,S1-001,701,2013-02-30,,ARM1,Placebo,Placebo\n"
          b"S1,DM,S1-001,701,2013-03-01,2013-03-05,ARM1,Placebo,Placebo\n"
          b"S1,DM,S1-002,,2013-03,,ARM1,Stem cell therapy group,Stem cell therapy group\n")
    ds = (b"STUDYID,DOMAIN,USUBJID,DSSEQ,DSTERM,DSDECOD,DSCAT,DSSTDTC\n"
          b"S1,DS,S1-009,1,x,COMPLETED,DISPOSITION EVENT,2013-04-01\n")
    return _raises(lambda: sdtm.prepare({"dm.csv": dm, "ds.csv": ds}, seed_trial(), arm_map=["Nope=Control group"]))


def sdtm_bad_map(tmp):
    from trialkit.enrollment import sdtm

    return _raises(lambda: sdtm.prepare({}, None, arm_map=["no equals sign"]))


def share_bad_token(tmp):
    from trialkit import sharing

    return _raises(lambda: sharing.open_share(_engine(tmp), "not-a-token", "whatever passcode"))


def share_wrong_passcode(tmp):
    from trialkit import notes, sharing

    eng = _engine(tmp)
    n = notes.add_note(eng, nct_id=NCT, target="I1", author="alice", body="a note")
    s = sharing.create_share(eng, author="alice", nct_id=NCT, passcode="correct horse battery", note_ids=[n.id])
    return _raises(lambda: sharing.open_share(eng, s.token, "wrong passcode!!"))


def share_expired(tmp):
    from trialkit import notes, sharing

    eng = _engine(tmp)
    n = notes.add_note(eng, nct_id=NCT, target="I1", author="alice", body="a note")
    past = datetime(2025, 1, 1, 9, 30, tzinfo=timezone.utc)
    s = sharing.create_share(eng, author="alice", nct_id=NCT, passcode="correct horse battery", note_ids=[n.id],
                             lifetime=timedelta(days=1), now=past)
    return _raises(lambda: sharing.open_share(eng, s.token, "correct horse battery"))


def share_short_passcode(tmp):
    from trialkit import sharing

    return _raises(lambda: sharing.create_share(_engine(tmp), author="alice", nct_id=NCT, passcode="short"))


def note_too_long(tmp):
    from trialkit import notes

    return _raises(lambda: notes.add_note(_engine(tmp), nct_id=NCT, target="I1", author="alice", body="x" * 20001))


def note_bad_target(tmp):
    from trialkit import notes

    return _raises(lambda: notes.add_note(_engine(tmp), nct_id=NCT, target="Z9", author="alice", body="text"))


def study_not_json(tmp):
    from trialkit.ctgov import parse_bytes

    return _raises(lambda: parse_bytes(b'{"protocolSection": [1,', source="broken.json"))


def study_bad_field(tmp):
    from trialkit.ctgov import parse_bytes

    d = json.loads((Path(__file__).resolve().parents[2] / "data" / "trials" / f"{NCT}.json").read_text("utf-8"))
    d["protocolSection"]["eligibilityModule"]["minimumAge"] = "eighteen"
    return _raises(lambda: parse_bytes(json.dumps(d).encode(), source="NCT07176143.json"))


def study_v1(tmp):
    from trialkit.ctgov import parse_bytes

    return _raises(lambda: parse_bytes(b'{"FullStudiesResponse": {}}', source="classic.json"))


def bad_nct_id(tmp):
    from trialkit.ctgov_api import normalize_nct_id

    return _raises(lambda: normalize_nct_id("NCT123"))


def bad_search(tmp):
    from trialkit.ctgov_api import SearchQuery

    return _raises(lambda: SearchQuery(statuses=("RECRUITING", "OPEN")).params(10))


def unknown_place(tmp):
    from trialkit.geo import resolve_place

    return _raises(lambda: resolve_place("Atlantis Under The Sea"))


def forecast_bad_date(tmp):
    from trialkit.enrollment.storage import read_log
    from trialkit.forecast.predict import forecast
    from trialkit.enrollment import storage

    eng = _engine(tmp)
    part, sites = good_files()
    storage.import_log(eng, NCT, part, sites, user="tester", trial=seed_trial())
    log = read_log(eng, NCT)
    return _raises(lambda: forecast(log.participants, log.sites, target=20, by_date="2020-01-01", n_sims=50))


def forecast_empty(tmp):
    import pandas as pd

    from trialkit.forecast.predict import forecast

    return _raises(lambda: forecast(pd.DataFrame(), pd.DataFrame(), target=20))


def catalog_full(tmp):
    from trialkit.catalog import Catalog

    raw = (Path(__file__).resolve().parents[2] / "data" / "trials" / f"{NCT}.json").read_bytes()
    cat = Catalog(tmp / "trials", tmp / "imported")
    cat.max_versions = 1
    cat.add(raw)
    return _raises(lambda: cat.add(raw.replace(b'"briefTitle": "', b'"briefTitle": "Changed: ', 1)))


def demo_log_exists(tmp):
    from trialkit.enrollment import storage

    eng = _engine(tmp)
    storage.ensure_demo_data(eng, [seed_trial()], as_of=date(2025, 6, 1))
    part, sites = good_files()
    return _raises(lambda: storage.import_log(eng, NCT, part, sites, user="tester", trial=seed_trial()))


CASES = {f.__name__: f for f in (
    bad_log_rows, bad_log_header, bad_log_bytes, bad_screening, sdtm_missing_domains, sdtm_bad_rows, sdtm_bad_map,
    share_bad_token, share_wrong_passcode, share_expired, share_short_passcode, note_too_long, note_bad_target,
    study_not_json, study_bad_field, study_v1, bad_nct_id, bad_search, unknown_place, forecast_bad_date,
    forecast_empty, catalog_full, demo_log_exists)}

#: ``str(exc)`` of every case, as trialkit wrote it before its messages became catalog messages (checked against
#: the code before the change, byte for byte): the command line and files must not change.
ENGLISH_FILE = Path(__file__).parent / "message_records_english.json"
ENGLISH = json.loads(ENGLISH_FILE.read_text(encoding="utf-8")) if ENGLISH_FILE.exists() else {}


def english_leftovers(text: str, data: list[str]) -> list[str]:
    """Runs of English words in a Chinese message that are not data (values, ids, column names, codes): every
    data value is taken out first (longest first, word-bounded), then the page walk's check reads the rest."""
    import re

    from tests.app.test_i18n_pages import untranslated

    for value in sorted({d for d in data if d.strip()}, key=len, reverse=True):
        text = re.sub(r"(?<![A-Za-z])" + re.escape(value) + r"(?![A-Za-z])", " ", text)
    return untranslated([text], "")


def _data_values(exc) -> list[str]:
    """Every value a message carries (recursively): data, not interface words."""
    out: list[str] = []

    def walk(v):
        if isinstance(v, Message):
            if v.values is None:
                return
            for x in v.values.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        else:
            out.append(str(v))
            out.append(repr(v))

    walk(exc.args[0] if exc.args else exc)
    for p in getattr(exc, "problems", []) or []:
        walk(p)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_errors_keep_their_english_and_are_said_in_chinese(case, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALKIT_DATA_DIR", str(tmp_path))
    exc = CASES[case](tmp_path)
    english = str(exc)
    assert english == ENGLISH[case]
    assert exc.said() == english  # English interface: the same words
    with language("zh"):
        zh = exc.said()
        assert str(exc) == english  # files and the command line stay English whatever the interface
        problems = [said(p) for p in getattr(exc, "problems", [])]
    assert zh != english and any(_CJK[0] <= ch <= _CJK[-1] for ch in zh), zh
    data = _data_values(exc)
    assert english_leftovers(zh, data) == [], zh
    for p in problems:
        assert any(_CJK[0] <= ch <= _CJK[-1] for ch in p), p
        assert english_leftovers(p, data) == [], p


def test_the_leftover_check_catches_an_untranslated_message():
    m = Message("row {row}: {column}: {problem} ({file})", row=3, column="arm", problem="is not an arm group",
                file="participants.csv")
    assert english_leftovers(m.said("zh"), ["3", "arm", "participants.csv"])  # the English reason is caught


def test_audit_summaries_are_said_again_from_the_stored_english(tmp_path):
    from trialkit.enrollment import storage
    from trialkit.enrollment.audit import read_audit, summary_said

    eng = _engine(tmp_path)
    storage.ensure_demo_data(eng, [seed_trial()], as_of=date(2025, 6, 1))
    part, sites = good_files()
    storage.import_log(eng, NCT, part, sites, user="tester", trial=seed_trial(), replace_demo=True)
    storage.record_screening(eng, NCT, dict(subject_id="C-001", site_id="A", screening_date="2025-05-01",
                                            screen_outcome="IN_SCREENING"), user="tester", trial=seed_trial())
    storage.record_screening(eng, NCT, dict(subject_id="C-001", site_id="A", screening_date="2025-05-02",
                                            screen_outcome="IN_SCREENING"), user="tester", trial=seed_trial(),
                             correct=True)
    trail = read_audit(eng, NCT)
    stored = list(trail["summary"])
    assert stored[1] == f"Imported 10 participant(s) and 3 site(s) for {NCT} (replacing the simulated demo data)."
    assert stored[2] == "Recorded C-001 at site A: IN_SCREENING"
    assert stored[3] == "Corrected C-001: screening_date"
    assert stored[0].startswith("Loaded simulated demo data: ")
    for text in stored:
        again = summary_said(text)
        assert isinstance(again, Message) and again == text  # the same English words
        zh = again.said("zh")
        assert any(_CJK[0] <= ch <= _CJK[-1] for ch in zh) and english_leftovers(zh, ["C-001", "A", "IN_SCREENING",
                                                                                    "screening_date", NCT]) == [], zh
    assert "模拟演示数据" in summary_said(stored[0]).said("zh")
    assert summary_said("written by hand") == "written by hand" and not isinstance(summary_said("x"), Message)


def test_version_diff_summary_keeps_english_and_is_said_in_chinese():
    from trialkit.changes import diff_trials

    old = seed_trial()
    new = old.model_copy(update={"overall_status": "COMPLETED",
                                 "eligibility": old.eligibility.model_copy(update={
                                     "criteria": old.eligibility.criteria[1:]})})
    summary = diff_trials(old, new).summary()
    assert summary.startswith("overall status changed; ")
    assert json.loads(json.dumps({"s": summary}))["s"] == str(summary)
    zh = summary.said("zh")
    assert "总体状态" in zh and english_leftovers(zh, []) == [], zh


def test_sdtm_note_is_said_again_from_the_stored_english():
    from trialkit.enrollment.sdtm import IMPORTED_DERIVED_NOTE, note_words

    stored = str(Message(IMPORTED_DERIVED_NOTE, source="upload: dm.xpt, ds.xpt"))
    again = note_words(stored)
    assert again == stored and "研究中心启动日期" in again.said("zh")
