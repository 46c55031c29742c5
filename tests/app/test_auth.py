"""Who may write: read-only mode, optional sign-in (faked: no identity provider runs here), audit names."""
from __future__ import annotations

import pytest

from ui import auth, common


@pytest.fixture
def no_auth(monkeypatch):
    monkeypatch.setattr(auth, "_auth_section", lambda: None)


@pytest.fixture
def auth_on(monkeypatch):
    """An identity provider configured in secrets.toml (the check of st.secrets, faked)."""
    section = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 40,
               "client_id": "id", "client_secret": "secret",
               "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
               "hospital": {"client_id": "h", "client_secret": "s",
                            "server_metadata_url": "https://login.hospital.example/.well-known/openid-configuration"}}
    monkeypatch.setattr(auth, "_auth_section", lambda: section)
    user = {"is_logged_in": False}
    monkeypatch.setattr(auth, "_user", lambda: user)
    return user


def test_without_sign_in_the_local_user_writes(no_auth, monkeypatch):
    monkeypatch.delenv("TRIALKIT_READ_ONLY", raising=False)
    assert not auth.auth_configured()
    assert common.can_write() == (True, "")
    assert common.current_user().startswith("local:")


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_read_only_turns_every_write_off(no_auth, monkeypatch, value):
    monkeypatch.setenv("TRIALKIT_READ_ONLY", value)
    ok, reason = common.can_write()
    assert ok is False and "read-only" in reason


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_read_only_off_values(no_auth, monkeypatch, value):
    monkeypatch.setenv("TRIALKIT_READ_ONLY", value)
    assert common.can_write()[0] is True


def test_read_only_wins_over_a_signed_in_user(auth_on, monkeypatch):
    auth_on.update(is_logged_in=True, email="ana@hospital.example")
    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    assert common.can_write()[0] is False


def test_sign_in_configured_needs_a_signed_in_user(auth_on, monkeypatch):
    monkeypatch.delenv("TRIALKIT_READ_ONLY", raising=False)
    assert auth.auth_configured()
    assert auth.providers() == [None, "hospital"]
    ok, reason = common.can_write()
    assert ok is False and "Sign in" in reason
    assert common.current_user() == "anonymous"
    auth_on.update(is_logged_in=True, email="ana@hospital.example", name="Ana")
    assert common.can_write() == (True, "")
    assert common.current_user() == "ana@hospital.example"
    del auth_on["email"]
    assert common.current_user() == "Ana"


@pytest.mark.parametrize("section", [
    {"redirect_uri": "http://x/oauth2callback", "cookie_secret": "s"},  # no provider
    {"cookie_secret": "s", "client_id": "i", "client_secret": "c", "server_metadata_url": "u"},  # no redirect
    {"redirect_uri": "http://x/oauth2callback", "client_id": "i", "client_secret": "c", "server_metadata_url": "u"},
    {"redirect_uri": "r", "cookie_secret": "s", "google": {"client_id": "i"}},  # incomplete provider
])
def test_incomplete_auth_section_is_not_configured(monkeypatch, section):
    monkeypatch.setattr(auth, "_auth_section", lambda: section)
    assert not auth.auth_configured()


def test_repository_ships_no_secrets():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert (root / ".streamlit" / "secrets.toml.example").is_file()
    assert not (root / ".streamlit" / "secrets.toml").exists() or "secrets.toml" in (root / ".gitignore").read_text()


# -- in the app (AppTest) ---------------------------------------------------------------------------------
def _sidebar_buttons(at) -> list[str]:
    return [b.label for b in at.sidebar.button]


def test_sidebar_has_no_sign_in_when_not_configured(apptest, no_auth):
    at = apptest("pages/2_Criteria.py", trial="NCT07176143")
    assert not at.exception
    assert not [b for b in _sidebar_buttons(at) if "Sign" in b]


def test_sidebar_offers_sign_in_per_provider(apptest, auth_on):
    at = apptest("pages/2_Criteria.py", trial="NCT07176143")
    assert not at.exception
    assert {"Sign in", "Sign in with Hospital"} <= set(_sidebar_buttons(at))
    assert "Sign out" not in _sidebar_buttons(at)


def test_sidebar_shows_the_signed_in_user_and_sign_out(apptest, auth_on):
    auth_on.update(is_logged_in=True, email="ana@hospital.example")
    at = apptest("pages/2_Criteria.py", trial="NCT07176143")
    assert not at.exception
    assert "Sign out" in _sidebar_buttons(at)
    assert "ana@hospital.example" in [t.value for t in at.sidebar.text]


def test_import_page_says_why_it_cannot_write_in_read_only_mode(apptest, no_auth, monkeypatch):
    monkeypatch.setenv("TRIALKIT_READ_ONLY", "1")
    at = apptest("pages/8_Import.py")
    assert not at.exception
    shown = " ".join(e.value for kind in (at.warning, at.info, at.error, at.caption, at.markdown) for e in kind)
    assert "read-only" in shown
