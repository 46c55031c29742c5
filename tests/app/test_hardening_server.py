"""Safe defaults for a shared server (issue 12, finding 3): the shipped config serves only this machine and
checks the Host header; without sign-in, visitors from other machines cannot write; per-trial caps on stored
study versions. Finding 15: read-only mode writes nothing on first start."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ui import auth, common

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "data" / "trials" / "NCT07176143.json"


def test_shipped_config_serves_only_this_machine_and_checks_host_names():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert cfg["address"] == "127.0.0.1"
    assert cfg["allowedHosts"] and "*" not in cfg["allowedHosts"]
    from streamlit import config

    options = config.get_config_options(force_reparse=True)  # options this Streamlit knows
    assert "server.allowedHosts" in options and "server.address" in options


@pytest.fixture
def no_auth(monkeypatch):
    monkeypatch.setattr(auth, "_auth_section", lambda: None)
    monkeypatch.delenv("TRIALKIT_READ_ONLY", raising=False)


@pytest.mark.parametrize("addresses, allowed", [([], True), (["203.0.113.7"], False), (["10.0.0.2"], False),
                                                (["2001:db8::1"], False)])
def test_without_sign_in_only_this_machine_writes(no_auth, monkeypatch, addresses, allowed):
    monkeypatch.setattr(auth, "_visitor_addresses", lambda: list(addresses))
    ok, reason = common.can_write()
    assert ok is allowed
    assert allowed or "server's own machine" in reason


def test_visitor_addresses_read_the_websocket_peer_and_forwarded_for(monkeypatch):
    import streamlit as st

    class Ctx:
        ip_address = "198.51.100.4"
        headers = {"X-Forwarded-For": "127.0.0.1, 192.0.2.9"}

    monkeypatch.setattr(st, "context", Ctx())
    assert auth._visitor_addresses() == ["198.51.100.4", "192.0.2.9"]
    Ctx.ip_address, Ctx.headers = None, {}
    assert auth._visitor_addresses() == []


def test_with_sign_in_the_identity_provider_decides(monkeypatch):
    monkeypatch.setattr(auth, "auth_configured", lambda: True)
    monkeypatch.setattr(auth, "_visitor_addresses", lambda: ["203.0.113.7"])
    assert auth.write_refusal() is None


def test_import_page_refuses_a_visitor_from_another_machine(apptest, monkeypatch):
    monkeypatch.setattr(auth, "_auth_section", lambda: None)
    monkeypatch.setattr(auth, "_visitor_addresses", lambda: ["203.0.113.7"])
    at = apptest("pages/8_Import.py")
    assert not at.exception
    assert any("server's own machine" in i.value for i in at.info)


def test_catalog_caps_versions_and_bytes_per_trial(data_dir, monkeypatch):
    from trialkit.catalog import Catalog, StorageLimitError

    cat = Catalog()
    base = STUDY.read_text()
    monkeypatch.setattr(Catalog, "max_versions", 3)
    for i in range(3):
        assert cat.add((base + " " * (i + 1)).encode())[2] is True
    with pytest.raises(StorageLimitError, match=r"NCT07176143 already has 3 imported versions.*\(3\)"):
        cat.add((base + " " * 9).encode())
    assert len([v for v in cat.versions("NCT07176143") if v.origin == "imported"]) == 3
    monkeypatch.setattr(Catalog, "max_versions", 100)
    monkeypatch.setattr(Catalog, "max_bytes", 4 * len(base))
    with pytest.raises(StorageLimitError, match="MB kept per trial; not stored"):
        cat.add((base + " " * 20).encode())


def test_uploads_at_once_cannot_pass_the_version_cap_together(data_dir, monkeypatch):
    """Four different uploads of one trial at the same moment, with room for one more version: the duplicate
    check, the cap and the write hold the trial's lock, so one is stored and three are refused. (The check is
    slowed down so that, without the lock, all four pass it before any of them writes.)"""
    import threading
    import time

    from trialkit.catalog import Catalog, StorageLimitError

    base = STUDY.read_text()
    monkeypatch.setattr(Catalog, "max_versions", 3)
    for i in range(2):
        assert Catalog().add((base + " " * (i + 1)).encode())[2] is True
    check = Catalog._check_room

    def slow_check(self, *args, **kwargs):
        check(self, *args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(Catalog, "_check_room", slow_check)
    start, results = threading.Barrier(4), []

    def upload(i):
        start.wait()
        try:
            results.append("stored" if Catalog().add((base + " " * (10 + i)).encode())[2] else "same")
        except StorageLimitError:
            results.append("refused")

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["refused", "refused", "refused", "stored"]
    assert len([v for v in Catalog().versions("NCT07176143") if v.origin == "imported"]) == 3
    assert not Catalog().scan().problems  # the lock file is not read as a study


def test_an_upload_waiting_too_long_for_the_trial_lock_is_refused_clearly(data_dir, monkeypatch):
    import filelock

    from trialkit import catalog as catalog_mod
    from trialkit.catalog import Catalog, CatalogBusyError

    monkeypatch.setattr(catalog_mod, "LOCK_TIMEOUT_S", 0.2)
    cat = Catalog()
    cat.imported_dir.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(cat.imported_dir / ".NCT07176143.lock"):  # another writer holds it
        with pytest.raises(CatalogBusyError, match=r"Another import of NCT07176143 has been writing for more than "
                                                   r"0.2 s; not stored"):
            cat.add(STUDY.read_bytes() + b" ")
    assert not [v for v in cat.versions("NCT07176143") if v.origin == "imported"]
    assert cat.add(STUDY.read_bytes() + b" ")[2] is True  # released: the next upload is stored


@pytest.mark.parametrize("page", [None, "pages/5_Enrollment.py", "pages/6_Sites.py", "pages/7_Forecast.py", "pages/10_Shared.py"])
def test_read_only_first_start_writes_nothing(data_dir, apptest, monkeypatch, page):
    """TRIALKIT_READ_ONLY=1 on a fresh data folder: the pages work (no log) and no database file, table,
    demo log or audit event is created."""
    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    at = apptest(page, trial="NCT06610773")
    assert not at.exception
    assert not (data_dir / "trialkit.db").exists()


def test_read_only_cli_summary_reads_no_log_and_writes_nothing(data_dir, monkeypatch, capsys):
    from trialkit.cli import main

    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    assert main(["enrollment", "summary", "NCT06610773"]) == 0
    assert "no enrollment log" in capsys.readouterr().out
    assert not (data_dir / "trialkit.db").exists()


def test_read_only_reads_an_existing_database_without_writing(data_dir, monkeypatch):
    from trialkit import db
    from trialkit.catalog import default_catalog
    from trialkit.enrollment.audit import read_audit
    from trialkit.enrollment.storage import open_database, read_log

    eng = open_database(None)  # writable first start: tables and the demo logs
    before = len(read_audit(eng))
    db.dispose_all()
    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    ro = open_database(None)
    assert str(ro.url).endswith("trialkit.db")
    assert read_log(ro, "NCT06610773").source == "demo"
    assert len(read_audit(ro)) == before
    assert default_catalog()


# -- note authors keyed by issuer + subject (finding 8) ---------------------------------------------------
@pytest.fixture
def signed_in(monkeypatch):
    monkeypatch.setattr(auth, "auth_configured", lambda: True)
    monkeypatch.delenv("TRIALKIT_READ_ONLY", raising=False)
    user = {"is_logged_in": True}
    monkeypatch.setattr(auth, "_user", lambda: user)
    return user


def test_colliding_names_do_not_share_notes_and_anonymous_sees_nothing(data_dir, engine, signed_in, monkeypatch):
    from trialkit import notes
    from ui import loaders
    from ui import notes as ui_notes

    monkeypatch.setattr(loaders, "engine", lambda: engine)
    monkeypatch.setattr(ui_notes.st, "session_state", {})
    nct = "NCT06610773"
    signed_in.update(iss="https://idp-a.example", sub="123", email="pat@example.org", name="Pat")
    a = ui_notes.note_author()
    notes.add_note(engine, nct_id=nct, target="title", author=a, body="A's note")
    signed_in.update(iss="https://idp-b.example", sub="123", email="pat@example.org", name="Pat")  # same claims
    assert ui_notes.note_author() != a and ui_notes.my_notes(nct) == {}
    signed_in.update(iss="https://idp-a.example", sub="999", email="x@example.org", name="anonymous")
    assert ui_notes.my_notes(nct) == {}
    signed_in.clear()
    signed_in.update(is_logged_in=False)
    assert ui_notes.note_author() is None and ui_notes.my_notes(nct) == {}
    signed_in.update(is_logged_in=True, iss="https://idp-a.example", sub="123")
    assert [n.body for n in ui_notes.my_notes(nct)["title"]] == ["A's note"]


def test_notes_written_under_an_email_stay_readable_by_their_author(data_dir, engine, signed_in, monkeypatch):
    from trialkit import notes
    from ui import loaders
    from ui import notes as ui_notes

    monkeypatch.setattr(loaders, "engine", lambda: engine)
    monkeypatch.setattr(ui_notes.st, "session_state", {})
    nct = "NCT06610773"
    notes.add_note(engine, nct_id=nct, target="title", author="pat@example.org", body="old note")
    notes.add_note(engine, nct_id=nct, target="title", author="local:pat", body="local note")
    signed_in.update(iss="https://idp-a.example", sub="123", email="pat@example.org")
    assert [n.body for n in ui_notes.my_notes(nct)["title"]] == ["old note"]
    assert notes.adopt_legacy_notes(engine, legacy="local:pat", key="oidc:x|1") == 0  # new-form keys untouched


def test_a_long_issuer_and_subject_still_fit_the_author_column(signed_in):
    from trialkit.notes import MAX_AUTHOR_CHARS

    signed_in.update(iss="https://idp.example/" + "t" * 200, sub="s" * 255)
    key = auth.signed_in_key()
    assert key.startswith("oidc:sha256:") and len(key) <= MAX_AUTHOR_CHARS
    signed_in.update(sub="s" * 254)
    assert auth.signed_in_key() != key
