"""The ethics-committee report: complete, self-contained, escaped, and honest about demo data."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from markupsafe import escape

from trialkit.catalog import default_catalog
from trialkit.cli import main
from trialkit.report import render_report

SEEDS = ("NCT06610773", "NCT07176143")
NOW = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)

SITES_CSV = """site_id,site_name,city,country,status,planned_activation_date,activation_date,target
S1,Test site one,Guangzhou,CN,ACTIVE,2025-01-01,2025-01-10,30
"""
PARTICIPANTS_CSV = """subject_id,site_id,screening_date,consent_date,screen_outcome,screen_fail_criteria,enrollment_date,arm,status,discontinuation_reason,discontinuation_date,analysed
SCR-0001,S1,2025-02-01,2025-02-01,SCREEN_FAILURE,I3;E10,,,,,,
SCR-0002,S1,2025-02-03,2025-02-04,ELIGIBLE,,2025-02-10,Stem cell therapy group,ONGOING,,,
SCR-0003,S1,2025-02-05,2025-02-06,ELIGIBLE,,2025-02-12,Control group,DISCONTINUED,WITHDRAWAL BY SUBJECT,2025-03-01,
"""


@pytest.fixture
def seeds(data_dir):
    cat = default_catalog()
    return {n: cat.load(n) for n in SEEDS}


@pytest.fixture
def small_log(data_dir, tmp_path):
    """A three-participant imported log for NCT07176143 (every count below 5)."""
    from trialkit.db import get_engine
    from trialkit.enrollment.storage import import_log

    p, s = tmp_path / "participants.csv", tmp_path / "sites.csv"
    p.write_text(PARTICIPANTS_CSV, encoding="utf-8")
    s.write_text(SITES_CSV, encoding="utf-8")
    trial = default_catalog().load("NCT07176143")
    engine = get_engine()
    import_log(engine, "NCT07176143", p, s, user="test", trial=trial)
    return trial, engine


@pytest.mark.parametrize("nct_id", SEEDS)
def test_report_holds_every_criterion_and_arm_verbatim(seeds, nct_id):
    trial = seeds[nct_id]
    html = render_report(trial, now=NOW)
    assert trial.criteria, "the seed trial has criteria"
    for c in trial.criteria:
        row = re.search(rf'<tr id="criterion-{c.id}"><td class="id">{c.id}</td><td class="verbatim">(.*?)</td>',
                        html, re.S)
        assert row, f"{c.id} missing"
        assert row.group(1) == str(escape(c.text)), f"{c.id}: text not verbatim"
    for arm in trial.arm_groups:
        assert f"<h3>{escape(arm.label)} " in html
        assert str(escape(arm.description)) in html
    for i in trial.interventions:
        assert str(escape(i.name)) in html
    for o in trial.primary_outcomes + trial.secondary_outcomes:
        assert str(escape(o.measure)) in html
    assert "Generated 2026-01-02 03:04 UTC" in html
    assert f"Trial record: {nct_id}, read from {nct_id}.json" in html


def test_report_states_not_stated_for_a_trial_without_arms(seeds):
    html = render_report(seeds["NCT06610773"], now=NOW)
    assert "Arms and interventions are not stated in the record." in html


@pytest.mark.parametrize("nct_id", SEEDS)
@pytest.mark.parametrize("demo", [False, True])
def test_report_references_no_network_resource(data_dir, nct_id, demo):
    from trialkit.db import get_engine
    from trialkit.enrollment.storage import ensure_demo_data

    engine = get_engine()
    ensure_demo_data(engine, default_catalog())
    html = render_report(default_catalog().load(nct_id), engine=engine, demo=demo)
    lowered = html.lower()
    for tag in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "<video", "<audio", "<source",
                "@import", "@font-face"):
        assert tag not in lowered, tag
    assert not re.search(r"url\((?!#)", lowered), "a CSS url() that is not a fragment"
    assert not re.search(r"""\b(?:src|href|xlink:href|action|poster|srcset)\s*=\s*(?!["']?#)""", lowered), \
        "an attribute that points outside the document"
    assert "<style>" in html and "<svg" in html  # styles inline, figures inline


def test_hostile_text_is_escaped(seeds):
    trial = seeds["NCT07176143"]
    c0 = trial.criteria[0].model_copy(update={"text": '<img src=x onerror="alert(2)"> & "quotes"'})
    arm = trial.arm_groups[0].model_copy(update={"label": '"><svg onload=alert(3)>'})
    hostile = trial.model_copy(update={
        "brief_title": "<script>alert(1)</script>",
        "eligibility": trial.eligibility.model_copy(update={"criteria": [c0, *trial.criteria[1:]]}),
        "arm_groups": [arm, *trial.arm_groups[1:]],
        "conditions": ["<b>bold</b>"],
    })
    html = render_report(hostile, now=NOW)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=&#34;alert(2)&#34;&gt; &amp; &#34;quotes&#34;" in html
    assert "<svg onload" not in html and "&lt;svg onload=alert(3)&gt;" in html
    assert "<b>bold</b>" not in html


def test_report_with_a_log_full_and_demo(small_log):
    trial, engine = small_log
    full = render_report(trial, engine=engine, now=NOW)
    assert "Assessed for eligibility (n = 3)" in full
    assert "Allocated to Control group" in full and "(n = 1)" in full
    assert "Withdrawal by subject (n = 1)" in full
    assert 'class="participants"' in full and "SCR-0002" in full
    assert "Imported enrollment log" in full and "simulated demo data" not in full.lower()
    assert re.search(r'<td class="id">E10</td><td class="verbatim">Platelet count', full)  # failures by criterion

    demo = render_report(trial, engine=engine, demo=True, now=NOW)
    assert "Demo mode" in demo
    assert "Assessed for eligibility (n &lt;5)" in demo
    assert "(n = 3)" not in demo and "(n = 1)" not in demo and "(n = 2)" not in demo
    assert 'class="participants"' not in demo and "SCR-000" not in demo  # no participant-level table
    assert "Participant-level listing left out (demo mode)." in demo
    assert "(n = 0)" in demo  # zero identifies nobody: still shown


def test_simulated_demo_data_is_labelled(data_dir):
    from trialkit.db import get_engine
    from trialkit.enrollment.metrics import summarize
    from trialkit.enrollment.storage import ensure_demo_data, read_log

    engine = get_engine()
    ensure_demo_data(engine, default_catalog())
    trial = default_catalog().load("NCT07176143")
    html = render_report(trial, engine=engine, now=NOW)
    assert "Simulated demo data</strong>" in html and "simulated demo data" in html
    assert "enrollment figures are simulated demo data" in html  # footer, on the last printed page too
    log = read_log(engine, trial.nct_id)
    summary = summarize(log.participants, log.sites, trial)
    # the CONSORT boxes are the metrics' numbers (computed once, in trialkit.enrollment.metrics)
    assert f"Assessed for eligibility (n = {summary['screened']:,})" in html
    assert f"Excluded (n = {summary['consort']['excluded']:,})" in html
    assert 'id="forecast-chart-title"' in html and 'class="median"' in html  # the forecast fan chart


def test_cli_report(seeds, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", "NCT07176143", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "NCT07176143" in html
    assert main(["report", "NCT07176143", "--out", str(tmp_path / "d.html"), "--demo", "--no-forecast"]) == 0
    assert "Demo mode" in (tmp_path / "d.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["report", "NCT99999999", "--out", str(tmp_path / "x.html")]) == 2
    assert main(["report", "NCT07176143", "--out", str(tmp_path / "x.pdf")]) == 2
    assert main(["report", "NCT07176143", "--out", str(tmp_path / "no" / "x.html")]) == 2
    assert main(["report", "NCT07176143", "--out", str(tmp_path / "x.html"), "--as-of", "soon"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("error: ") for line in err)
    assert not (tmp_path / "x.html").exists()


def test_demo_report_suppresses_small_counts_in_forecast_text(small_log):
    trial, engine = small_log
    demo = render_report(trial, engine=engine, demo=True, now=NOW)
    section = demo[demo.index('id="forecast"'):]
    assert not re.search(r"(?<![\d.,])[1-4] patient", section)
    assert "<td>Enrolled so far</td><td>&lt;5</td>" in section


def test_notes_only_when_asked_and_only_the_authors(seeds):
    from trialkit.db import get_engine, init_db
    from trialkit.notes import add_note

    engine = get_engine()
    init_db(engine)
    add_note(engine, nct_id="NCT07176143", target="E10", author="alice", body="Ask the lab <b>about</b> units")
    add_note(engine, nct_id="NCT07176143", target="E10", author="bob", body="Bob's private thought")
    trial = seeds["NCT07176143"]
    without = render_report(trial, engine=engine, author="alice", now=NOW)
    assert "Ask the lab" not in without and 'id="notes"' not in without
    with_notes = render_report(trial, engine=engine, author="alice", include_notes=True, now=NOW)
    assert "Ask the lab &lt;b&gt;about&lt;/b&gt; units" in with_notes
    assert "Bob&#39;s private thought" not in with_notes and "Bob's private thought" not in with_notes
