"""One bad file per validation rule of contracts §5: each is refused whole, with `row N: column: problem`, and
leaves the database exactly as it was."""
from __future__ import annotations

import copy

import pandas as pd
import pytest

from tests.unit.test_enrollment_fixtures import NCT, P_COLS, PARTICIPANTS, SITES, good_files, seed_trial, to_csv
from trialkit.errors import LogValidationError


@pytest.fixture
def trial():
    return seed_trial()


@pytest.fixture
def engine(data_dir, trial):
    from trialkit.db import get_engine, init_db
    from trialkit.enrollment.storage import import_log

    eng = get_engine()
    init_db(eng)
    p, s = good_files()
    import_log(eng, NCT, p, s, user="tester", trial=trial)
    return eng


def snapshot(engine):
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import read_log

    log = read_log(engine, NCT)
    return log.participants.copy(), log.sites.copy(), log.source, len(read_audit(engine))


def assert_unchanged(before, after):
    pd.testing.assert_frame_equal(before[0], after[0])
    pd.testing.assert_frame_equal(before[1], after[1])
    assert before[2:] == after[2:]


def mutate_p(index: int, **changes):
    rows = copy.deepcopy(PARTICIPANTS)
    rows[index].update(changes)
    return rows


def mutate_s(index: int, **changes):
    rows = copy.deepcopy(SITES)
    rows[index].update(changes)
    return rows


# (case id, participants rows, participant columns, site rows, site columns, expected problem fragment)
P = PARTICIPANTS
CASES = [
    ("required column missing", P, [c for c in P_COLS if c != "screen_outcome"], SITES, None,
     "row 1: screen_outcome: required column missing"),
    ("unknown column", [dict(r, notes="x") for r in P], P_COLS + ["notes"], SITES, None,
     "row 1: notes: not a column of participants.csv"),
    ("duplicate subject", mutate_p(1, subject_id="A-001"), None, SITES, None,
     "row 3: subject_id: 'A-001' already used on row 2"),
    ("empty subject", mutate_p(0, subject_id=""), None, SITES, None, "row 2: subject_id: required, empty"),
    ("site not in sites.csv", mutate_p(3, site_id="Z"), None, SITES, None,
     "row 5: site_id: 'Z' is not in sites.csv"),
    ("date format", mutate_p(3, screening_date="2025/02/10"), None, SITES, None,
     "row 5: screening_date: '2025/02/10' is not an ISO date YYYY-MM-DD"),
    ("impossible date", mutate_p(3, screening_date="2025-02-30"), None, SITES, None,
     "row 5: screening_date: '2025-02-30' is not a real calendar date"),
    ("consent before screening", mutate_p(2, consent_date="2025-01-31"), None, SITES, None,
     "row 4: consent_date: 2025-01-31 is before screening_date 2025-02-01"),
    ("outcome not upper case", mutate_p(3, screen_outcome="declined"), None, SITES, None,
     "row 5: screen_outcome: 'declined' is not one of IN_SCREENING, ELIGIBLE, SCREEN_FAILURE, DECLINED "
     "(controlled values are upper case)"),
    ("outcome unknown", mutate_p(3, screen_outcome="WITHDRAWN"), None, SITES, None,
     "row 5: screen_outcome: 'WITHDRAWN' is not one of"),
    ("criteria without screen failure", mutate_p(4, screen_fail_criteria="I3"), None, SITES, None,
     "row 6: screen_fail_criteria: only allowed with screen_outcome SCREEN_FAILURE, not ELIGIBLE"),
    ("criterion not in trial", mutate_p(2, screen_fail_criteria="I3;E99"), None, SITES, None,
     "row 4: screen_fail_criteria: E99 not a criterion of NCT07176143"),
    ("criterion malformed", mutate_p(2, screen_fail_criteria="bmi"), None, SITES, None,
     "row 4: screen_fail_criteria: 'BMI' not a criterion id"),
    ("enrollment without ELIGIBLE", mutate_p(2, enrollment_date="2025-02-10", arm="Control group",
                                             status="ONGOING"), None, SITES, None,
     "row 4: enrollment_date: only allowed with screen_outcome ELIGIBLE, not SCREEN_FAILURE"),
    ("enrollment before consent", mutate_p(0, enrollment_date="2025-01-14"), None, SITES, None,
     "row 2: enrollment_date: 2025-01-14 is before consent_date 2025-01-15"),
    ("enrollment before site activation", mutate_p(5, screening_date="2025-02-01", consent_date="2025-02-01",
                                                   enrollment_date="2025-02-20"), None, SITES, None,
     "row 7: enrollment_date: 2025-02-20 is before site 'B' was activated on 2025-03-01"),
    ("enrollment at a site not activated", mutate_p(5, site_id="C"), None, SITES, None,
     "row 7: enrollment_date: site 'C' has no activation_date (status PLANNED)"),
    ("arm missing", mutate_p(0, arm=""), None, SITES, None, "row 2: arm: required when enrollment_date is given"),
    ("arm not in trial", mutate_p(0, arm="Placebo"), None, SITES, None,
     "row 2: arm: 'Placebo' is not an arm group of NCT07176143"),
    ("arm without enrollment", mutate_p(4, arm="Control group"), None, SITES, None,
     "row 6: arm: only allowed for an enrolled participant"),
    ("status missing", mutate_p(0, status=""), None, SITES, None,
     "row 2: status: required when enrollment_date is given"),
    ("status without enrollment", mutate_p(4, status="ONGOING"), None, SITES, None,
     "row 6: status: only allowed for an enrolled participant"),
    ("status unknown", mutate_p(0, status="DONE"), None, SITES, None, "row 2: status: 'DONE' is not one of"),
    ("reason not a CDISC term", mutate_p(1, discontinuation_reason="LOST"), None, SITES, None,
     "row 3: discontinuation_reason: 'LOST' is not one of ADVERSE EVENT"),
    ("discontinued without reason", mutate_p(1, discontinuation_reason=""), None, SITES, None,
     "row 3: discontinuation_reason: required when status is DISCONTINUED"),
    ("discontinued without date", mutate_p(1, discontinuation_date=""), None, SITES, None,
     "row 3: discontinuation_date: required when status is DISCONTINUED"),
    ("discontinued before enrollment", mutate_p(1, discontinuation_date="2025-01-31"), None, SITES, None,
     "row 3: discontinuation_date: 2025-01-31 is before enrollment_date 2025-02-01"),
    ("reason without DISCONTINUED", mutate_p(0, discontinuation_reason="DEATH"), None, SITES, None,
     "row 2: discontinuation_reason: only allowed when status is DISCONTINUED"),
    ("analysed not boolean", mutate_p(0, analysed="maybe"), None, SITES, None,
     "row 2: analysed: 'maybe' is not true or false"),
    ("analysed without enrollment", mutate_p(4, analysed="true"), None, SITES, None,
     "row 6: analysed: only allowed for an enrolled participant"),
    ("site status unknown", P, None, mutate_s(2, status="OPEN"), None,
     "row 4: status: 'OPEN' is not one of PLANNED, ACTIVE, ON_HOLD, CLOSED (sites.csv)"),
    ("active site without activation", P, None, mutate_s(0, activation_date=""), None,
     "row 2: activation_date: required when status is ACTIVE (sites.csv)"),
    ("duplicate site", P, None, SITES + [dict(SITES[0])], None, "row 5: site_id: 'A' appears twice (sites.csv)"),
    ("site target not a number", P, None, mutate_s(1, target="ten"), None,
     "row 3: target: 'ten' is not a whole number of participants (sites.csv)"),
    ("site name missing", P, None, mutate_s(1, site_name=""), None, "row 3: site_name: required, empty (sites.csv)"),
    ("site required column missing", P, None, SITES, ["site_id", "site_name"],
     "row 1: status: required column missing (sites.csv)"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_bad_file_is_refused_whole_and_changes_nothing(engine, trial, case):
    from trialkit.enrollment.storage import import_log

    _, prows, pcols, srows, scols, expected = case
    before = snapshot(engine)
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, to_csv(prows, pcols or P_COLS), to_csv(srows, scols or list(SITES[0])),
                   user="tester", trial=trial)
    problems = err.value.problems
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("row ") for p in problems), problems
    assert_unchanged(before, snapshot(engine))


@pytest.mark.parametrize("column", ["name", "patient_name", "First Name", "phone", "Mobile", "email", "e-mail",
                                    "address", "street_address", "birth_date", "date_of_birth", "DOB",
                                    "national_id", "SSN", "passport_number", "mrn", "initials"])
def test_direct_identifier_columns_are_refused(engine, trial, column):
    from trialkit.enrollment.storage import import_log

    before = snapshot(engine)
    rows = [dict(r, **{column: "x"}) for r in PARTICIPANTS]
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, to_csv(rows, P_COLS + [column]), to_csv(SITES), user="tester", trial=trial)
    assert any(p.startswith(f"row 1: {column}: looks like") and "direct identifier" in p
               for p in err.value.problems), err.value.problems
    assert_unchanged(before, snapshot(engine))


def test_identifier_column_in_sites_is_refused_but_site_name_is_fine(engine, trial):
    from trialkit.enrollment.schema import identifier_kind
    from trialkit.enrollment.storage import import_log

    assert identifier_kind("site_name") is None
    rows = [dict(s, contact_email="pi@example.org") for s in SITES]
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, good_files()[0], to_csv(rows), user="tester", trial=trial)
    assert any("row 1: contact_email: looks like an email address" in p for p in err.value.problems)


def test_every_bad_row_is_listed(engine, trial):
    from trialkit.enrollment.storage import import_log

    rows = copy.deepcopy(PARTICIPANTS)
    rows[0]["screening_date"] = "yesterday"
    rows[3]["screen_outcome"] = "NOPE"
    rows[9]["arm"] = "Placebo"
    before = snapshot(engine)
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, to_csv(rows, P_COLS), to_csv(SITES), user="tester", trial=trial)
    rows_named = sorted({p.split(":")[0] for p in err.value.problems})
    assert rows_named == ["row 11", "row 2", "row 5"]
    assert_unchanged(before, snapshot(engine))


@pytest.mark.parametrize("raw, fragment", [
    (b"", "the file is empty"),
    (b"\xff\xfe\x00bad", "not UTF-8 text"),
])
def test_unreadable_files_are_refused(engine, trial, raw, fragment):
    from trialkit.enrollment.storage import import_log

    before = snapshot(engine)
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, raw, to_csv(SITES), user="tester", trial=trial)
    assert any(fragment in p and p.startswith("row 1:") for p in err.value.problems), err.value.problems
    assert_unchanged(before, snapshot(engine))


def test_row_with_wrong_number_of_values(engine, trial):
    from trialkit.enrollment.storage import import_log

    text = good_files()[0].decode() + "X-9,A,2025-01-01\n"
    with pytest.raises(LogValidationError) as err:
        import_log(engine, NCT, text, to_csv(SITES), user="tester", trial=trial)
    assert any(p.startswith("row 12: (row): 3 values for 12 columns") for p in err.value.problems)


def test_trial_without_arm_groups_accepts_log_arm_labels_with_a_note(data_dir):
    from trialkit.catalog import default_catalog
    from trialkit.db import get_engine
    from trialkit.enrollment.storage import import_log, read_log

    trial = default_catalog().load("NCT06610773")
    assert trial.arm_labels == []
    report = import_log(get_engine(), trial.nct_id, *good_files(), user="tester", trial=trial)
    assert any("declares no arm groups" in n for n in report.notes)
    assert set(read_log(get_engine(), trial.nct_id).participants["arm"].dropna()) == {
        "Stem cell therapy group", "Control group"}
