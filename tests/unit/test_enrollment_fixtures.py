"""A small hand-made enrollment log for NCT07176143 whose every count is worked out by hand in the tests."""
from __future__ import annotations

import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NCT = "NCT07176143"
STEM, CONTROL = "Stem cell therapy group", "Control group"

SITES = [
    dict(site_id="A", site_name="Alpha Hospital", city="Guangzhou", country="China", status="ACTIVE",
         planned_activation_date="2025-01-01", activation_date="2025-01-10", target="10"),
    dict(site_id="B", site_name="Beta Clinic", city="Shenzhen", country="China", status="ACTIVE",
         planned_activation_date="2025-02-01", activation_date="2025-03-01", target="5"),
    dict(site_id="C", site_name="Gamma Centre", city="", country="China", status="PLANNED",
         planned_activation_date="2025-09-01", activation_date="", target="5"),
]

P_COLS = ["subject_id", "site_id", "screening_date", "consent_date", "screen_outcome", "screen_fail_criteria",
          "enrollment_date", "arm", "status", "discontinuation_reason", "discontinuation_date", "analysed"]


def _p(*values) -> dict:
    return dict(zip(P_COLS, values))


PARTICIPANTS = [  # spreadsheet rows 2..11
    _p("A-001", "A", "2025-01-15", "2025-01-15", "ELIGIBLE", "", "2025-01-25", STEM, "COMPLETED", "", "", ""),
    _p("A-002", "A", "2025-01-20", "2025-01-21", "ELIGIBLE", "", "2025-02-01", CONTROL, "DISCONTINUED",
       "LOST TO FOLLOW-UP", "2025-03-01", ""),
    _p("A-003", "A", "2025-02-01", "2025-02-01", "SCREEN_FAILURE", "I3;E10", "", "", "", "", "", ""),
    _p("A-004", "A", "2025-02-10", "", "DECLINED", "", "", "", "", "", "", ""),
    _p("A-005", "A", "2025-03-01", "2025-03-02", "ELIGIBLE", "", "", "", "", "", "", ""),
    _p("B-001", "B", "2025-03-05", "2025-03-05", "ELIGIBLE", "", "2025-03-20", CONTROL, "ONGOING", "", "", ""),
    _p("B-002", "B", "2025-03-10", "2025-03-10", "SCREEN_FAILURE", "I3", "", "", "", "", "", ""),
    _p("B-003", "B", "2025-04-01", "", "IN_SCREENING", "", "", "", "", "", "", ""),
    _p("B-004", "B", "2025-04-02", "2025-04-02", "ELIGIBLE", "", "2025-04-15", STEM, "COMPLETED", "", "", "false"),
    _p("B-005", "B", "2025-04-03", "2025-04-03", "ELIGIBLE", "", "2025-04-20", STEM, "DISCONTINUED",
       "ADVERSE EVENT", "2025-05-01", "true"),
]


def to_csv(rows: list[dict], columns: list[str] | None = None) -> bytes:
    columns = columns or list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in columns})
    return buf.getvalue().encode("utf-8")


def good_files() -> tuple[bytes, bytes]:
    return to_csv(PARTICIPANTS, P_COLS), to_csv(SITES)


def seed_trial():
    from trialkit.ctgov import load_study

    return load_study(ROOT / "data" / "trials" / f"{NCT}.json")


def test_the_hand_made_log_is_valid():
    from trialkit.enrollment.schema import validate_files

    log = validate_files(*good_files(), seed_trial())
    assert len(log.participants) == 10 and len(log.sites) == 3 and log.notes == []
