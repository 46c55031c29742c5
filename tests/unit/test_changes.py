"""What changed between two versions of a study, and what changed since a user last looked."""
from __future__ import annotations

import json
import re

import pytest

from trialkit import changes
from trialkit.catalog import Catalog

T = "NCT07176143"



def _modified(data_dir) -> bytes:
    """A newer registry version of the seed: recruiting, 80 actual, a start date, and criteria edited."""
    d = json.loads((data_dir / "trials" / f"{T}.json").read_text(encoding="utf-8"))
    ps = d["protocolSection"]
    ps["statusModule"]["overallStatus"] = "RECRUITING"
    ps["statusModule"]["startDateStruct"] = {"date": "2026-01-15", "type": "ACTUAL"}
    ps["designModule"]["enrollmentInfo"] = {"count": 80, "type": "ACTUAL"}
    text = ps["eligibilityModule"]["eligibilityCriteria"]
    text = text.replace("2. Age between 20 and 38 years.", "2. Age between 20 and 40 years.")  # reworded I2
    # Insert a new inclusion criterion after I3: every later inclusion id shifts by one.
    text = text.replace("4. Regular menstrual cycles", "4. Willing to attend weekly ultrasound visits.\n5. Regular menstrual cycles")
    lines, out, n = text.split("\n"), [], 0
    for line in lines:
        if line.startswith("Exclusion"):
            n = -10_000  # leave the exclusions alone here
        m = re.match(r"^(\d+)\. (.*)$", line)
        if m and n >= 0:
            n += 1
            line = f"{n}. {m.group(2)}"
        out.append(line)
    text = "\n".join(out)
    # Remove exclusion criterion 3 (recurrent implantation failure), then renumber as a registry would.
    text = re.sub(r"\n3\. Recurrent implantation failure[^\n]*", "", text)
    head, tail = text.split("Exclusion Criteria:")
    k = iter(range(1, 100))
    text = head + "Exclusion Criteria:" + re.sub(r"(?m)^\d+\. ", lambda _: f"{next(k)}. ", tail)
    ps["eligibilityModule"]["eligibilityCriteria"] = text
    return json.dumps(d, ensure_ascii=False).encode("utf-8")


def test_diff_of_two_versions_of_one_study(data_dir):
    cat = Catalog()
    trial, version, is_new = cat.add(_modified(data_dir))
    assert is_new and len(cat.versions(T)) == 2
    diff = changes.diff_versions(cat, T)
    fields = {f.field: (f.old, f.new) for f in diff.fields}
    assert fields["Overall status"] == ("NOT_YET_RECRUITING", "RECRUITING")
    assert fields["Enrollment"] == ("60 (estimated)", "80 (actual)")
    assert fields["Start date"][1] == "2026-01-15"
    assert [c.new_id for c in diff.of("added")] == ["I4"]
    assert "weekly ultrasound" in diff.of("added")[0].new_text
    [removed] = diff.of("removed")
    assert removed.old_id == "E3" and removed.old_text.startswith("Recurrent implantation failure")
    [reworded] = diff.of("reworded")
    assert (reworded.old_id, reworded.new_id) == ("I2", "I2")
    assert reworded.word_diff() == "Age between 20 and [-38-] {+40+} years."
    renumbered = {(c.old_id, c.new_id) for c in diff.of("renumbered")}
    assert ("I4", "I5") in renumbered and ("I9", "I10") in renumbered and ("E4", "E3") in renumbered
    assert len(diff.of("renumbered")) == 6 + 15  # I4..I9 move up one; E4..E18 move down one
    text = diff.to_text()
    assert "Overall status: NOT_YET_RECRUITING -> RECRUITING" in text
    assert "+ I4 (inclusion): Willing to attend weekly ultrasound visits." in text
    assert "- E3 (exclusion): Recurrent implantation failure" in text
    assert "status" in diff.summary() and "1 added" in diff.summary()
    assert "version 1 of 2 (shipped file" in diff.old_label and "version 2 of 2 (imported" in diff.new_label


def test_reworded_criterion_that_moved(data_dir):
    from trialkit.ctgov import load_study
    old = load_study(data_dir / "trials" / f"{T}.json")
    new = old.model_copy(deep=True)
    crit = new.eligibility.criteria
    i2 = next(c for c in crit if c.id == "I2")
    i3 = next(c for c in crit if c.id == "I3")
    i2.text, i3.text = i3.text, "Age between 20 and 39 years of age."
    diff = changes.diff_trials(old, new)
    pairs = {(c.change, c.old_id, c.new_id) for c in diff.criteria}
    assert ("renumbered", "I3", "I2") in pairs and ("reworded", "I2", "I3") in pairs


def test_identical_versions_have_no_changes(data_dir):
    from trialkit.ctgov import load_study
    t = load_study(data_dir / "trials" / f"{T}.json")
    diff = changes.diff_trials(t, t)
    assert diff.is_empty and "No changes" in diff.to_text()


def test_diff_needs_two_versions(data_dir):
    with pytest.raises(KeyError, match="a diff needs two"):
        changes.diff_versions(Catalog(), T)


def test_changes_since_last_seen(engine, data_dir):
    cat = Catalog()
    # Alice looked at the shipped version; Bob never looked.
    changes.mark_newest_seen(engine, cat, "alice", T)
    assert changes.changes_since_last_seen(engine, cat, "alice") == []
    cat.add(_modified(data_dir))
    [item] = changes.changes_since_last_seen(engine, cat, "alice")
    assert item.nct_id == T and item.kind == "changed" and item.versions_since == 1
    assert any(f.field == "Enrollment" for f in item.diff.fields)
    assert changes.changes_since_last_seen(engine, cat, "bob") == []
    # Once she has seen the newest version, nothing is listed.
    changes.mark_newest_seen(engine, cat, "alice", T)
    assert changes.changes_since_last_seen(engine, cat, "alice") == []
    assert changes.last_seen(engine, "alice")[T][0] == changes.version_key(cat.versions(T)[-1])


def test_unknown_base_version(engine, data_dir):
    cat = Catalog()
    changes.mark_seen(engine, "alice", T, "0123456789abcdef")
    [item] = changes.changes_since_last_seen(engine, cat, "alice")
    assert item.kind == "unknown_base" and item.diff is None


def test_cli_changes(data_dir, capsys):
    from trialkit.cli import main

    assert main(["changes", T]) == 2
    assert "one version" in capsys.readouterr().err
    Catalog().add(_modified(data_dir))
    assert main(["changes", T, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"field": "Enrollment", "old": "60 (estimated)", "new": "80 (actual)"} in out["fields"]
    assert [c["new_id"] for c in out["criteria"] if c["change"] == "added"] == ["I4"]
    assert main(["changes", T, "--from", "2", "--to", "1"]) == 0
    assert "Overall status: RECRUITING -> NOT_YET_RECRUITING" in capsys.readouterr().out
    assert main(["changes", T, "--from", "3"]) == 2
    assert "numbered 1 to 2" in capsys.readouterr().err
    assert main(["changes", "NCT0000000X"]) == 2
