"""Summary, KPIs, site table, rate model and CONSORT boxes of the hand-made log, counted by hand."""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tests.unit.test_enrollment_fixtures import CONTROL, STEM, good_files, seed_trial


@pytest.fixture(scope="module")
def frames():
    from trialkit.enrollment.schema import validate_files
    from trialkit.enrollment.storage import _participant_record, _participants_frame, _site_record, _sites_frame

    log = validate_files(*good_files(), seed_trial())
    p = _participants_frame([_participant_record("X", r) for r in log.participants])
    s = _sites_frame([_site_record("X", r) for r in log.sites])
    return p, s


@pytest.fixture(scope="module")
def summary(frames):
    from trialkit.enrollment.metrics import summarize

    return summarize(*frames, seed_trial())


def test_summary_of_the_known_log(summary):
    expected = {
        "screened": 10, "in_screening": 1, "screen_failed": 2, "declined": 1, "eligible_not_enrolled": 1,
        "enrolled": 5, "discontinued": 2,
        "by_arm": {STEM: 3, CONTROL: 2},
        "by_site": {"A": {"screened": 5, "screen_failed": 1, "enrolled": 2},
                    "B": {"screened": 5, "screen_failed": 1, "enrolled": 3},
                    "C": {"screened": 0, "screen_failed": 0, "enrolled": 0}},
        "screen_fail_by_criterion": {"I3": 2, "E10": 1},
    }
    for key, value in expected.items():
        assert summary[key] == value, key
    c = summary["consort"]
    assert {k: c[k] for k in ("assessed", "excluded", "not_meeting_criteria", "declined", "other_reasons")} == {
        "assessed": 10, "excluded": 4, "not_meeting_criteria": 2, "declined": 1, "other_reasons": 1}
    assert c["allocated"] == {STEM: 3, CONTROL: 2}
    assert c["discontinued"] == {STEM: 1, CONTROL: 1}
    # A-001 completed (analysed by default), B-004 completed but analysed=false, B-005 discontinued analysed=true.
    assert c["analysed"] == {STEM: 2, CONTROL: 0}
    assert c["lost_to_follow_up"] == {STEM: 0, CONTROL: 1}
    assert c["discontinued_reasons"] == {STEM: {"ADVERSE EVENT": 1}, CONTROL: {"LOST TO FOLLOW-UP": 1}}


def test_counts_add_up_as_contracts_say(summary):
    s, c = summary, summary["consort"]
    assert s["screened"] == (s["in_screening"] + s["screen_failed"] + s["declined"] + s["eligible_not_enrolled"]
                             + s["enrolled"])
    assert c["not_meeting_criteria"] == s["screen_failed"]
    assert c["other_reasons"] == s["eligible_not_enrolled"]
    assert c["excluded"] == c["not_meeting_criteria"] + c["declined"] + c["other_reasons"]
    assert c["assessed"] == c["excluded"] + s["in_screening"] + sum(c["allocated"].values())


def test_kpis_carry_their_denominators(summary):
    k = summary["kpis"]
    assert (k["screen_failure_rate"]["numerator"], k["screen_failure_rate"]["denominator"]) == (2, 9)
    assert k["screen_failure_rate"]["rate"] == pytest.approx(2 / 9)
    assert (k["enrolled_of_target"]["numerator"], k["enrolled_of_target"]["denominator"]) == (5, 60)
    assert "registry" in k["enrolled_of_target"]["denominator_label"]
    assert (k["discontinuation_rate"]["numerator"], k["discontinuation_rate"]["denominator"]) == (2, 5)
    assert k["lost_to_follow_up_rate"]["numerator"] == 1
    assert summary["target"] == 60


def test_summary_without_trial_uses_site_targets_and_empty_log_is_all_zero(frames):
    from trialkit.enrollment.metrics import summarize
    from trialkit.enrollment.storage import _participants_frame, _sites_frame

    s = summarize(*frames)
    assert s["target"] == 20 and "site targets" in s["target_source"]
    empty = summarize(_participants_frame([]), _sites_frame([]))
    assert empty["screened"] == 0 and empty["by_arm"] == {} and empty["consort"]["assessed"] == 0
    assert empty["target"] is None


def test_site_table_by_hand(frames):
    from trialkit.enrollment.metrics import DAYS_PER_MONTH, site_table

    t = site_table(*frames, as_of=date(2025, 6, 1)).set_index("site_id")
    a, b, c = t.loc["A"], t.loc["B"], t.loc["C"]
    assert a["exposure_days"] == 142 and b["exposure_days"] == 92 and c["exposure_days"] == 0
    assert a["rate_per_site_month"] == pytest.approx(2 / (142 / DAYS_PER_MONTH))
    assert a["days_to_first_patient"] == 15 and b["days_to_first_patient"] == 19
    assert a["screen_failure_rate"] == pytest.approx(1 / 5)  # nobody at A is still in screening
    assert b["screen_failure_rate"] == pytest.approx(1 / 4)  # B-003 is still in screening
    assert a["percent_of_target"] == pytest.approx(20.0)
    assert b["activation_delay_days"] == 28
    assert not c["still_waiting"] and np.isnan(c["posterior_mean"])
    assert a["posterior_low"] < a["posterior_mean"] < a["posterior_high"]


def test_shrinkage_pulls_small_sites_toward_the_average():
    from trialkit.enrollment.metrics import DAYS_PER_MONTH, fit_rate_model

    counts = np.array([30, 25, 28, 1])
    days = np.array([365, 365, 365, 20])  # the last site is young: 1 patient in 20 days looks like a fast site
    model = fit_rate_model(counts, days)
    raw = counts / days
    post = (model.alpha + counts) / (model.beta + days)
    overall = counts.sum() / days.sum()
    assert abs(post[3] - overall) < abs(raw[3] - overall)  # pulled toward the average
    assert abs(post[0] - raw[0]) < abs(post[3] - raw[3])  # big sites barely move
    assert model.mean_per_month == pytest.approx(model.alpha / model.beta * DAYS_PER_MONTH)
    assert fit_rate_model([0, 0], [100, 200]) is None


def test_a_long_silent_site_is_flagged_and_a_young_one_is_not():
    import pandas as pd

    from trialkit.enrollment.metrics import site_table
    from trialkit.enrollment.storage import _participants_frame, _sites_frame

    as_of = date(2025, 12, 31)
    sites, rows = [], []
    for i, (act, n) in enumerate([("2025-01-01", 26), ("2025-01-01", 26), ("2025-01-01", 26), ("2025-01-01", 0),
                                  ("2025-12-20", 0)]):
        sid = f"S{i}"
        sites.append(dict(site_id=sid, site_name=sid, status="ACTIVE", activation_date=act))
        for k in range(n):
            d = pd.Timestamp("2025-01-05") + pd.Timedelta(days=14 * k + i)  # one every 2 weeks, to late Dec
            rows.append(dict(subject_id=f"{sid}-{k}", site_id=sid, screening_date=d, consent_date=d,
                             screen_outcome="ELIGIBLE", enrollment_date=d, arm="X", status="ONGOING"))
    t = site_table(_participants_frame(rows), _sites_frame(sites), as_of).set_index("site_id")
    assert bool(t.loc["S3", "silent"]) is True  # a year with nobody while the others enroll ~2 a month
    assert bool(t.loc["S4", "silent"]) is False  # open 11 days
    assert not t.loc[["S0", "S1", "S2"], "silent"].any()
    # A site that enrolled steadily and then stopped two months ago is flagged too.
    stopped = [r for r in rows if not (r["site_id"] == "S1" and r["enrollment_date"] > pd.Timestamp("2025-10-20"))]
    t2 = site_table(_participants_frame(stopped), _sites_frame(sites), as_of).set_index("site_id")
    assert bool(t2.loc["S1", "silent"]) is True and not t2.loc[["S0", "S2"], "silent"].any()
    assert t.loc["S3", "still_waiting"] and t.loc["S3", "quiet_days"] == 364


def test_ranking_orders_by_shrunken_rate(frames):
    from trialkit.enrollment.metrics import ranking, site_table

    r = ranking(site_table(*frames, as_of=date(2025, 6, 1)))
    assert list(r["site_id"]) == ["B", "A"]  # C is not activated: no rate to rank
    assert r["posterior_mean"].is_monotonic_decreasing


def test_consort_boxes_agree_with_the_summary(summary):
    from trialkit.enrollment.consort import consort_boxes, consort_figure

    boxes = {b.id: b for b in consort_boxes(summary)}
    assert boxes["assessed"].n == summary["screened"]
    assert boxes["excluded"].n == summary["screen_failed"] + summary["declined"] + summary["eligible_not_enrolled"]
    assert dict(boxes["excluded"].lines) == {"Not meeting eligibility criteria": 2, "Declined to participate": 1,
                                             "Other reasons (eligible, not enrolled)": 1}
    assert boxes["in_screening"].n == 1
    assert boxes[f"allocated:{STEM}"].n == 3 and boxes[f"allocated:{CONTROL}"].n == 2
    assert boxes[f"discontinued:{CONTROL}"].n == 1
    assert dict(boxes[f"discontinued:{CONTROL}"].lines)["Lost to follow-up"] == 1
    assert boxes[f"analysed:{STEM}"].n == 2 and boxes[f"analysed:{CONTROL}"].n == 0  # n = 0 boxes are drawn
    fig = consort_figure(summary)
    text = " ".join(a.text for a in fig.layout.annotations)
    assert "Assessed for eligibility" in text and "(n = 10)" in text and "(n = 0)" in text
    assert "simulated" not in fig.layout.title.text
    demo = consort_figure(dict(summary, simulated=True), fmt=lambda n: "<5" if 0 < n < 5 else str(n))
    assert "simulated demo data" in demo.layout.title.text
    assert "&lt;5" in " ".join(a.text for a in demo.layout.annotations)  # escaped, never raw HTML


def test_charts_have_titles_and_axis_labels(frames, summary):
    from trialkit.enrollment import charts
    from trialkit.enrollment.metrics import ranking, site_table

    trial = seed_trial()
    t = site_table(*frames, as_of=date(2025, 6, 1))
    figs = [charts.cumulative_enrollment_figure(frames[0], 60, as_of=date(2025, 6, 1), simulated=True),
            charts.arm_figure(summary), charts.screen_fail_figure(summary, trial),
            charts.activation_timeline_figure(t, as_of=date(2025, 6, 1)), charts.ranking_figure(ranking(t)),
            charts.site_map_figure(t.assign(latitude=[23.1, 22.5, None], longitude=[113.3, 114.1, None]),
                                   label="site_name", size="enrolled", title="Sites")]
    for fig in figs:
        assert fig.layout.title.text
        assert fig.layout.xaxis.title.text
    assert "simulated demo data" in figs[0].layout.title.text
    sf = figs[2]
    assert any("Body mass index" in y for y in sf.data[0].y)  # labelled with the criterion's text
    assert list(sf.data[0].x) == [1, 2]  # E10 then I3 bottom-up, protocol order top-down
    assert len(figs[5].data[0].x) == 2  # only sites with coordinates


def test_registry_locations_are_aggregated_by_country():
    from pathlib import Path

    from trialkit.ctgov import load_study
    from trialkit.enrollment.metrics import by_country, registry_locations

    path = Path(__file__).resolve().parents[3] / "shared" / "ctgov" / "NCT04267848.json"
    if not path.exists():
        pytest.skip("shared/ctgov not beside the repository")
    locs = registry_locations(load_study(path))
    assert len(locs) > 1000
    c = by_country(locs)
    assert c["locations"].sum() == len(locs)
    assert c["locations"].is_monotonic_decreasing
