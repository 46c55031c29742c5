"""Private notes: attached to a criterion or an overview field, visible and editable only by their author."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from trialkit import notes
from trialkit.notes import NoteError

T = "NCT07176143"



def test_add_list_edit_delete(engine):
    n = notes.add_note(engine, nct_id=T, target="I5", author="alice", body="  AFC cut-off seems strict  ")
    assert n.body == "AFC cut-off seems strict" and n.target_label == "Criterion I5"
    assert [x.id for x in notes.list_notes(engine, author="alice", nct_id=T)] == [n.id]
    later = n.updated_at + timedelta(minutes=5)
    edited = notes.update_note(engine, n.id, author="alice", body="AFC ≥ 5 is fine", now=later)
    assert edited.body == "AFC ≥ 5 is fine" and edited.updated_at == later and edited.created_at == n.created_at
    notes.delete_note(engine, n.id, author="alice")
    assert notes.list_notes(engine, author="alice") == []


def test_notes_are_private_to_their_author(engine):
    a = notes.add_note(engine, nct_id=T, target="E10", author="alice", body="alice's note")
    b = notes.add_note(engine, nct_id=T, target="E10", author="bob", body="bob's note")
    assert [n.body for n in notes.list_notes(engine, author="alice", nct_id=T)] == ["alice's note"]
    assert [n.body for n in notes.list_notes(engine, author="bob", nct_id=T, target="E10")] == ["bob's note"]
    with pytest.raises(NoteError, match="not found among your notes"):
        notes.update_note(engine, a.id, author="bob", body="hijacked")
    with pytest.raises(NoteError, match="not found among your notes"):
        notes.delete_note(engine, a.id, author="bob")
    with pytest.raises(NoteError, match=str(a.id)):
        notes.get_notes(engine, [a.id, b.id], author="bob")
    assert notes.list_notes(engine, author="alice")[0].body == "alice's note"  # untouched
    assert [r["body"] for r in notes.notes_for_report(engine, T, "bob")] == ["bob's note"]


@pytest.mark.parametrize("kwargs, message", [
    ({"target": "X1"}, "target"),
    ({"target": "I0"}, "target"),
    ({"target": "favourite_colour"}, "target"),
    ({"nct_id": "NCT123"}, "NCT id"),
    ({"body": "   "}, "empty"),
    ({"body": "x" * (notes.MAX_NOTE_CHARS + 1)}, "at most"),
    ({"author": ""}, "author"),
])
def test_bad_notes_are_refused_with_a_reason(engine, kwargs, message):
    args = {"nct_id": T, "target": "I1", "author": "alice", "body": "ok"} | kwargs
    with pytest.raises(NoteError, match=message):
        notes.add_note(engine, **args)
    assert notes.list_notes(engine, author="alice") == []


def test_notes_for_report_in_page_order(engine):
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i, target in enumerate(["E2", "I10", "locations", "I2", "overall_status"]):
        notes.add_note(engine, nct_id=T, target=target, author="alice", body=f"on {target}",
                       now=t0 + timedelta(minutes=i))
    notes.add_note(engine, nct_id="NCT06610773", target="I1", author="alice", body="other trial")
    rows = notes.notes_for_report(engine, T, "alice")
    assert [r["target"] for r in rows] == ["overall_status", "locations", "I2", "I10", "E2"]
    assert rows[0]["target_label"] == "Status"
    assert rows[2]["created_at"] == (t0 + timedelta(minutes=3)).isoformat(timespec="seconds")
    by_target = notes.notes_by_target(engine, author="alice", nct_id=T)
    assert set(by_target) == {"E2", "I10", "locations", "I2", "overall_status"}


def test_hostile_text_is_stored_verbatim(engine):
    body = "<script>alert(1)</script> [x](javascript:alert(1))"
    n = notes.add_note(engine, nct_id=T, target="title", author="alice", body=body)
    assert notes.list_notes(engine, author="alice")[0].body == body == n.body
