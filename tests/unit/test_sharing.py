"""Passcode-protected share links: hashing, expiry, revocation, slow-down, constant-time token check."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from trialkit import notes, sharing
from trialkit.scenario import ScenarioError
from trialkit.sharing import (ShareError, ShareExpired, ShareLocked, ShareNotFound, ShareRevoked,
                              WrongPasscode)

T = "NCT07176143"
PASS = "correct horse battery"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)



@pytest.fixture
def share(engine):
    a = notes.add_note(engine, nct_id=T, target="I5", author="alice", body="AFC: ask the site")
    b = notes.add_note(engine, nct_id=T, target="overall_status", author="alice", body="starts soon")
    created = sharing.create_share(engine, author="alice", nct_id=T, passcode=PASS, note_ids=[a.id, b.id],
                                   scenario={"age": "34", "fsh": "7 mIU/mL", "hpv_types": [16, 52]},
                                   label="For Dr B", lifetime=timedelta(days=2), now=T0)
    return created


def test_open_with_the_right_passcode(engine, share):
    bundle = sharing.open_share(engine, share.token, PASS, now=T0 + timedelta(hours=1))
    assert bundle.nct_id == T and bundle.label == "For Dr B"
    assert [(n.target, n.body) for n in bundle.notes] == [("I5", "AFC: ask the site"),
                                                          ("overall_status", "starts soon")]
    assert bundle.scenario == {"age": "34", "fsh": "7 mIU/mL", "hpv_types": "16,52"}
    assert "alice" not in bundle.model_dump_json()  # the author's identity is not part of the bundle


def test_passcode_and_token_are_never_stored_in_clear(engine, share):
    with engine.connect() as conn:
        row = conn.execute(select(sharing.shares_table)).one()
    dumped = " ".join(str(v) for v in row)
    assert PASS not in dumped
    assert row.passcode_hash.startswith("$argon2id$")
    selector, verifier = share.token.split(".")
    assert row.selector == selector and verifier not in dumped
    assert len(verifier) == 32 and len(selector) == 16


def test_wrong_passcode(engine, share):
    with pytest.raises(WrongPasscode, match="Wrong passcode") as exc:
        sharing.open_share(engine, share.token, "not the passcode", now=T0)
    assert exc.value.failed_attempts == 1 and exc.value.locked_for is None
    assert PASS not in str(exc.value)


def test_repeated_wrong_passcodes_lock_the_link_exponentially(engine, share):
    now = T0
    for i in range(1, sharing.FREE_ATTEMPTS):
        with pytest.raises(WrongPasscode) as exc:
            sharing.open_share(engine, share.token, f"wrong-{i}-xx", now=now)
        assert exc.value.locked_for is None
    with pytest.raises(WrongPasscode) as exc:
        sharing.open_share(engine, share.token, "wrong-3-xx", now=now)
    assert exc.value.locked_for == sharing.LOCK_BASE
    # While locked even the right passcode is not checked.
    with pytest.raises(ShareLocked) as locked:
        sharing.open_share(engine, share.token, PASS, now=now + timedelta(seconds=10))
    assert timedelta(seconds=19) <= locked.value.retry_after <= timedelta(seconds=20)
    with pytest.raises(ShareLocked):
        sharing.share_status(engine, share.token, now=now + timedelta(seconds=10))
    # After the lock a further wrong passcode doubles it.
    now += sharing.LOCK_BASE
    with pytest.raises(WrongPasscode) as exc:
        sharing.open_share(engine, share.token, "wrong-4-xx", now=now)
    assert exc.value.locked_for == 2 * sharing.LOCK_BASE
    with pytest.raises(ShareLocked):
        sharing.open_share(engine, share.token, PASS, now=now + sharing.LOCK_BASE)
    # Once the lock has run out the right passcode opens it and resets the counter.
    now += 2 * sharing.LOCK_BASE
    assert sharing.open_share(engine, share.token, PASS, now=now).nct_id == T
    with pytest.raises(WrongPasscode) as exc:
        sharing.open_share(engine, share.token, "wrong-again", now=now)
    assert exc.value.failed_attempts == 1


def test_lock_duration_is_capped():
    assert sharing.lock_duration(sharing.FREE_ATTEMPTS - 1) is None
    assert sharing.lock_duration(sharing.FREE_ATTEMPTS + 1) == 2 * sharing.LOCK_BASE
    assert sharing.lock_duration(10_000) == sharing.LOCK_MAX


def test_expired_link(engine, share):
    later = T0 + timedelta(days=2)
    with pytest.raises(ShareExpired, match="expired"):
        sharing.open_share(engine, share.token, PASS, now=later)
    with pytest.raises(ShareExpired):
        sharing.share_status(engine, share.token, now=later)
    info = sharing.list_shares(engine, author="alice")[0]
    assert info.state(later) == "expired" and info.state(T0) == "active"


def test_revoked_link(engine, share):
    with pytest.raises(ShareError, match="not found"):
        sharing.revoke_share(engine, share.share_id, author="mallory")  # only the author can revoke
    sharing.revoke_share(engine, share.share_id, author="alice", now=T0 + timedelta(minutes=1))
    with pytest.raises(ShareRevoked, match="revoked"):
        sharing.open_share(engine, share.token, PASS, now=T0 + timedelta(minutes=2))
    info = sharing.list_shares(engine, author="alice", nct_id=T)[0]
    assert info.state() == "revoked" and info.note_count == 2 and info.has_scenario
    assert sharing.list_shares(engine, author="mallory") == []


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong verifier
    lambda t: ("A" if t[0] != "A" else "B") + t[1:],  # unknown selector
    lambda t: t.replace(".", ""),  # malformed
    lambda t: "",
    lambda t: "../../etc/passwd",
])
def test_tampered_tokens_are_not_found(engine, share, mangle):
    with pytest.raises(ShareNotFound):
        sharing.open_share(engine, mangle(share.token), PASS, now=T0)


def test_a_share_holds_only_the_authors_notes_on_that_trial(engine):
    mine = notes.add_note(engine, nct_id=T, target="I1", author="alice", body="mine")
    theirs = notes.add_note(engine, nct_id=T, target="I1", author="bob", body="bob's")
    other_trial = notes.add_note(engine, nct_id="NCT06610773", target="I1", author="alice", body="elsewhere")
    with pytest.raises(ShareError, match="not found among your notes"):
        sharing.create_share(engine, author="alice", nct_id=T, passcode=PASS, note_ids=[mine.id, theirs.id])
    with pytest.raises(ShareError, match="another trial"):
        sharing.create_share(engine, author="alice", nct_id=T, passcode=PASS, note_ids=[mine.id, other_trial.id])
    with pytest.raises(ShareError, match="nothing to share"):
        sharing.create_share(engine, author="alice", nct_id=T, passcode=PASS, note_ids=[])
    assert sharing.list_shares(engine, author="alice") == []


def test_snapshot_is_kept_when_the_note_changes(engine):
    n = notes.add_note(engine, nct_id=T, target="I1", author="alice", body="first wording")
    s = sharing.create_share(engine, author="alice", nct_id=T, passcode=PASS, note_ids=[n.id])
    notes.update_note(engine, n.id, author="alice", body="second wording")
    notes.delete_note(engine, n.id, author="alice")
    assert [x.body for x in sharing.open_share(engine, s.token, PASS).notes] == ["first wording"]


@pytest.mark.parametrize("passcode", ["short", "x" * 300])
def test_passcode_policy(engine, passcode):
    with pytest.raises(ShareError, match="passcode"):
        sharing.create_share(engine, author="alice", nct_id=T, passcode=passcode, scenario={"age": "30"})


@pytest.mark.parametrize("scenario, message", [
    ({"first_name": "Ann"}, "identifier"),
    ({"email": "a@b.org"}, "identifier"),
    ({"date_of_birth": "1990-01-01"}, "identifier"),
    ({"age": "call me on +44 20 7946 0958"}, "phone"),
    ({"notes": "ann@example.org"}, "email"),
    ({"Age": "30"}, "lower-case"),
    ({"age": "3" * 300}, "longer"),
])
def test_scenarios_never_carry_identity(engine, scenario, message):
    with pytest.raises(ScenarioError, match=message):
        sharing.create_share(engine, author="alice", nct_id=T, passcode=PASS, scenario=scenario)
    assert sharing.list_shares(engine, author="alice") == []


def test_bad_lifetime(engine):
    with pytest.raises(ShareError, match="expiry"):
        sharing.create_share(engine, author="alice", nct_id=T, passcode=PASS, scenario={"age": "30"},
                             lifetime=timedelta(days=365))


def test_parallel_guesses_cannot_overtake_the_lock(engine, share):
    """Ten simultaneous wrong passcodes: only FREE_ATTEMPTS reach the passcode check, the rest meet the lock."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(i):
        try:
            sharing.open_share(engine, share.token, f"guess number {i}", now=T0)
        except WrongPasscode:
            return "wrong"
        except ShareLocked:
            return "locked"
        return "opened"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, range(10)))
    assert outcomes.count("wrong") == sharing.FREE_ATTEMPTS
    assert outcomes.count("locked") == 10 - sharing.FREE_ATTEMPTS
    info = sharing.list_shares(engine, author="alice")[0]
    assert info.failed_attempts == sharing.FREE_ATTEMPTS


def test_times_in_other_zones_are_compared_in_utc(engine, share):
    from datetime import timezone as tz

    paris = tz(timedelta(hours=1))
    with pytest.raises(ShareExpired):
        sharing.open_share(engine, share.token, PASS, now=(T0 + timedelta(days=2, minutes=1)).astimezone(paris))
    assert sharing.open_share(engine, share.token, PASS, now=(T0 + timedelta(days=1)).astimezone(paris)).nct_id == T
