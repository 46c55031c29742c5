"""AppTest of issue 9's screens: notes beside criteria and overview fields, share links, what changed,
contacts and sites, the About page and the referral summary."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from trialkit import notes, sharing

T = "NCT07176143"
CRITERIA, OVERVIEW, SHARED, CHANGES, ABOUT = ("pages/2_Criteria.py", "pages/1_Overview.py", "pages/10_Shared.py",
                                              "pages/11_Changes.py", "pages/9_About_trials.py")
PASS = "open sesame 42"


def all_text(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "header", "subheader", "title", "text", "success", "info", "warning",
                 "error", "code"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    parts += [str(m.label) + " " + str(m.value) for m in at.metric]
    for df in at.dataframe:
        parts.append(df.value.to_string())
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


@pytest.fixture
def user(monkeypatch):
    """Who the app thinks is using it (sign-in is faked by replacing common.current_user)."""
    from ui import common

    who = {"name": "alice@example.org"}
    monkeypatch.setattr(common, "current_user", lambda: who["name"])
    return who



def _button(at, key):
    return next(b for b in at.button if b.key == key)


def open_notes(at, target: str, nct_id: str = T):
    """Open the lazy note popover of ``target`` (its editor is built only while it is open) and rerun."""
    from ui.notes import popover_key

    at.session_state[popover_key(nct_id, target)] = True
    at.run()
    assert not at.exception
    return at


def test_note_editors_are_built_only_when_their_popover_opens(apptest, user, engine):
    at = apptest(CRITERIA, trial=T)
    assert not at.exception
    assert not at.text_area  # 27 closed popovers: no editor sent
    open_notes(at, "I5")
    assert [ta.key for ta in at.text_area] == [f"note_{T}_I5_new"]


def test_add_a_note_beside_a_criterion_and_it_stays_private(apptest, user, engine, monkeypatch):
    at = open_notes(apptest(CRITERIA, trial=T), "I5")
    at.text_area(key=f"note_{T}_I5_new").input("Ask the site how AFC is counted [x](javascript:alert(1))")
    _button(at, f"note_{T}_I5_add").click()
    at.run()
    assert not at.exception
    saved = notes.list_notes(engine, author="alice@example.org", nct_id=T)
    assert [(n.target, n.body) for n in saved] == [("I5", "Ask the site how AFC is counted "
                                                    "[x](javascript:alert(1))")]
    captions = [c.value for c in at.caption]
    shown = [c for c in captions if "AFC is counted" in c]
    assert shown and all("\\[x\\]\\(javascript" in c for c in shown)  # inert: escaped, never a link
    assert at.text_area(key=f"note_{T}_I5_new").value == ""  # box cleared after saving
    # Another user sees none of it.
    user["name"] = "bob@example.org"
    at2 = apptest(CRITERIA, trial=T)
    assert "AFC is counted" not in all_text(at2)
    assert not any(ta.key == f"note_{T}_I5_edit_{saved[0].id}" for ta in at2.text_area)


def test_edit_and_delete_a_note(apptest, user, engine):
    n = notes.add_note(engine, nct_id=T, target="E10", author="alice@example.org", body="first")
    at = open_notes(apptest(CRITERIA, trial=T), "E10")
    at.text_area(key=f"note_{T}_E10_edit_{n.id}").input("second")
    _button(at, f"note_{T}_E10_save_{n.id}").click()
    at.run()
    assert notes.list_notes(engine, author="alice@example.org")[0].body == "second"
    _button(at, f"note_{T}_E10_del_{n.id}").click()
    at.run()
    assert not at.exception and notes.list_notes(engine, author="alice@example.org") == []


def test_empty_note_is_refused_with_a_message(apptest, user, engine):
    at = open_notes(apptest(CRITERIA, trial=T), "I1")
    at.text_area(key=f"note_{T}_I1_new").input("   ")
    _button(at, f"note_{T}_I1_add").click()
    at.run()
    assert any("empty" in e.value for e in at.error)
    assert at.text_area(key=f"note_{T}_I1_new").value == "   "  # what was typed is kept
    assert notes.list_notes(engine, author="alice@example.org") == []


def test_read_only_mode_turns_note_writing_off(apptest, user, engine, monkeypatch):
    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    at = open_notes(apptest(CRITERIA, trial=T), "I1")
    assert _button(at, f"note_{T}_I1_add").disabled
    at2 = apptest(SHARED, trial=T)
    assert "read-only" in all_text(at2)


def test_notes_beside_overview_fields(apptest, user, engine):
    notes.add_note(engine, nct_id=T, target="locations", author="alice@example.org", body="Only one site so far")
    at = apptest(OVERVIEW, trial=T)
    assert not at.exception
    assert "Only one site so far" in all_text(at)
    open_notes(at, "key_facts")
    at.text_area(key=f"note_{T}_key_facts_new").input("Sponsor is the hospital itself")
    _button(at, f"note_{T}_key_facts_add").click()
    at.run()
    targets = {n.target for n in notes.list_notes(engine, author="alice@example.org")}
    assert targets == {"locations", "key_facts"}


def test_share_made_on_the_shared_page(apptest, user, engine):
    n = notes.add_note(engine, nct_id=T, target="I2", author="alice@example.org", body="age limit ok?")
    at = apptest(SHARED, trial=T)
    assert not at.exception
    k = f"share_{T}"
    at.multiselect(key=f"{k}_notes").select(n.id)
    at.text_input(key=f"{k}_pass").input(PASS)
    at.text_input(key=f"{k}_pass2").input(PASS + "typo")
    _button(at, f"{k}_create").click()
    at.run()
    assert any("differ" in e.value for e in at.error) and sharing.list_shares(engine, author="alice@example.org") == []
    at.text_input(key=f"{k}_pass2").input(PASS)
    _button(at, f"{k}_create").click()
    at.run()
    assert not at.exception
    [link] = [c.value for c in at.code if "token=" in c.value]
    token = link.split("token=", 1)[1]
    assert sharing.open_share(engine, token, PASS).notes[0].body == "age limit ok?"
    assert not at.session_state[f"{k}_pass"] if f"{k}_pass" in at.session_state else True  # not kept
    info = sharing.list_shares(engine, author="alice@example.org")
    assert len(info) == 1 and info[0].note_count == 1


@pytest.fixture
def share_token(engine):
    n = notes.add_note(engine, nct_id=T, target="I5", author="alice@example.org", body="AFC note for you")
    return sharing.create_share(engine, author="alice@example.org", nct_id=T, passcode=PASS, note_ids=[n.id],
                                scenario={"age": "33", "fsh": "7"}, label="For the committee")


def _open(apptest, token, passcode):
    at = apptest(SHARED, token=token)
    assert not at.exception
    at.text_input(key="shared_passcode").input(passcode)
    _button(at, "shared_open").click()
    at.run()
    assert not at.exception
    return at


def test_open_a_share_with_the_right_passcode(apptest, share_token):
    at = _open(apptest, share_token.token, PASS)
    text = all_text(at)
    assert "AFC note for you" in text and "For the committee" in text
    scenario = next(df.value for df in at.dataframe if "Field" in df.value.columns)
    assert dict(zip(scenario["Field"], scenario["Value"])) == {"age": "33", "fsh": "7"}


def test_wrong_passcode_is_refused_and_repeated_ones_lock(apptest, engine, share_token):
    at = _open(apptest, share_token.token, "wrong passcode")
    assert any("Wrong passcode" in e.value for e in at.error)
    assert "AFC note for you" not in all_text(at)
    for _ in range(sharing.FREE_ATTEMPTS - 1):
        at.text_input(key="shared_passcode").input("still wrong")
        _button(at, "shared_open").click()
        at.run()
    at.run()
    assert any("Too many wrong passcodes" in e.value for e in at.error)
    assert not any(t.key == "shared_passcode" for t in at.text_input)  # no passcode box while locked
    assert sharing.list_shares(engine, author="alice@example.org")[0].failed_attempts == sharing.FREE_ATTEMPTS


def test_expired_link(apptest, engine):
    n = notes.add_note(engine, nct_id=T, target="I5", author="alice@example.org", body="old note")
    past = datetime.now(timezone.utc) - timedelta(days=10)
    s = sharing.create_share(engine, author="alice@example.org", nct_id=T, passcode=PASS, note_ids=[n.id],
                             lifetime=timedelta(days=1), now=past)
    at = apptest(SHARED, token=s.token)
    assert any("expired" in e.value for e in at.error)
    assert not any(t.key == "shared_passcode" for t in at.text_input)
    assert "old note" not in all_text(at)


def test_revoked_link_and_revoking_from_the_page(apptest, user, engine, share_token):
    at = apptest(SHARED, trial=T)
    assert at.selectbox(key="shares_list_choice").value == share_token.share_id
    _button(at, "shares_list_revoke").click()
    at.run()
    assert not at.exception and any("revoked" in s.value for s in at.success)
    at2 = apptest(SHARED, token=share_token.token)
    assert any("revoked" in e.value for e in at2.error)
    assert "AFC note for you" not in all_text(at2)


def test_a_bad_token_gets_a_clear_message(apptest, data_dir):
    at = apptest(SHARED, token="<script>alert(1)</script>")
    assert not at.exception and any("not valid" in e.value for e in at.error)


def _newer_version(data_dir) -> bytes:
    d = json.loads((data_dir / "trials" / f"{T}.json").read_text(encoding="utf-8"))
    ps = d["protocolSection"]
    ps["statusModule"]["overallStatus"] = "RECRUITING"
    ps["designModule"]["enrollmentInfo"] = {"count": 72, "type": "ESTIMATED"}
    crit = ps["eligibilityModule"]["eligibilityCriteria"]
    ps["eligibilityModule"]["eligibilityCriteria"] = crit.replace("Age between 20 and 38 years.",
                                                                  "Age between 20 and 40 years.")
    return json.dumps(d).encode("utf-8")


def test_what_changed_page_and_home_list(apptest, user, data_dir):
    from trialkit.catalog import Catalog

    at = apptest(CHANGES, trial=T)  # one version: explains how to get a second; marks it seen
    assert not at.exception and "one version" in all_text(at)
    home = apptest()
    assert "Nothing new" in all_text(home)
    Catalog().add(_newer_version(data_dir))
    home = apptest()
    assert not home.exception
    text = all_text(home)
    assert T in text and "overall status, enrollment changed" in text and "1 criterion reworded" in text
    at = apptest(CHANGES, trial=T)
    assert not at.exception
    facts = at.dataframe[1].value
    assert dict(zip(facts["Field"], facts["After"]))["Overall status"] == "RECRUITING"
    assert "[-38-] {+40+}" in all_text(at)
    home = apptest()
    assert "Nothing new" in all_text(home)  # seen now


def test_sites_and_contacts_stay_readable_for_many_sites(apptest, data_dir):
    from trialkit.catalog import Catalog

    d = json.loads((data_dir / "trials" / f"{T}.json").read_text(encoding="utf-8"))
    d["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {"facility": f"Hospital {i}", "city": "Lyon" if i % 100 == 0 else "Shanghai", "country": "China",
         "status": "RECRUITING" if i % 2 else "NOT_YET_RECRUITING",
         "contacts": [{"name": f"Dr {i}", "role": "CONTACT", "phone": f"+86 21 0000 {i:04d}"}]}
        for i in range(1200)]
    Catalog().add(json.dumps(d).encode("utf-8"))
    at = apptest(OVERVIEW, trial=T)
    assert not at.exception
    sites = next(df.value for df in at.dataframe if "Facility" in df.value.columns)
    assert len(sites) == 1200 and {"Status", "Contact", "Phone"} <= set(sites.columns)
    at.text_input(key="sites_query").input("lyon")
    at.run()
    sites = next(df.value for df in at.dataframe if "Facility" in df.value.columns)
    assert len(sites) == 12 and set(sites["City"]) == {"Lyon"}
    assert re.search(r"12 of 1,?200 sites match", all_text(at))
    contacts = next(df.value for df in at.dataframe if "Kind" in df.value.columns)
    assert "Guihua Liu" in set(contacts["Name"])


def test_about_page(apptest):
    at = apptest(ABOUT)
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert labels == ["What is a clinical trial?", "What do the phases mean?", "Why do people take part?",
                      "How long does a trial last?", "Are participants paid?", "How are participants protected?"]


def test_referral_widget(data_dir):
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st  # noqa: F401

        from trialkit.catalog import default_catalog
        from trialkit.criteria.evaluate import evaluate_candidate, parse_candidate
        from trialkit.criteria.ruleset import load_ruleset
        from ui import referral

        trial = default_catalog().load("NCT07176143")
        ruleset = load_ruleset(trial)
        cand = parse_candidate({"age": "45", "sex": "female"})
        referral.render(trial, ruleset, cand, evaluate_candidate(ruleset, cand))

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception
    md = next(c.value for c in at.code if "Referral summary" in c.value)
    assert "**Pre-screening result:** Ineligible" in md and "| I2 | inclusion | Fail |" in md
    assert "| age | 45 |" in md
