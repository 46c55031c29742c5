"""Optional sign-in with Streamlit's ``st.login`` (OpenID Connect), and who may write.

Sign-in is on only when an identity provider is configured in ``.streamlit/secrets.toml`` (an ``[auth]``
section with ``redirect_uri``, ``cookie_secret`` and a provider's ``client_id``/``client_secret``/
``server_metadata_url``, either directly in ``[auth]`` or in ``[auth.<provider>]``; see
``.streamlit/secrets.toml.example``). When it is on, writes (imports, recorded screenings, notes) need a
signed-in user, whose e-mail (or name) goes into the audit trail. When it is off, the app is a local,
single-user tool and the audit trail names the operating-system user.

``TRIALKIT_READ_ONLY=1`` (see ``ui.common.is_read_only``) turns every write off whatever the sign-in state.
Streamlit's auth needs the ``Authlib`` package only when sign-in is configured.
"""
from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def _auth_section() -> Mapping | None:
    """The ``[auth]`` table of ``.streamlit/secrets.toml``, or None (no file, no section)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get("auth")
    except Exception:  # unreadable secrets file: treat as not configured (Streamlit reports the parse error)
        return None
    return section if isinstance(section, Mapping) else None


def providers() -> list[str | None]:
    """Configured identity providers: None for the default one (keys directly in ``[auth]``), else names."""
    section = _auth_section()
    if not section:
        return []
    out: list[str | None] = []
    if all(k in section for k in _PROVIDER_KEYS):
        out.append(None)
    out += [name for name, value in section.items()
            if isinstance(value, Mapping) and all(k in value for k in _PROVIDER_KEYS)]
    return out


def auth_configured() -> bool:
    """True when ``secrets.toml`` sets up at least one identity provider for ``st.login``."""
    section = _auth_section()
    return bool(section and section.get("redirect_uri") and section.get("cookie_secret") and providers())


def _user() -> Mapping:
    """The signed-in user's claims (``st.user``); a separate function so tests can stand in for it."""
    try:
        return st.user.to_dict()
    except Exception:
        return {}


def is_signed_in() -> bool:
    return auth_configured() and bool(_user().get("is_logged_in"))


def signed_in_name() -> str | None:
    """The signed-in user's e-mail, else name, else subject id (None when nobody is signed in)."""
    if not is_signed_in():
        return None
    user = _user()
    for key in ("email", "name", "preferred_username", "sub"):
        value = user.get(key)
        if value:
            return str(value)[:200]
    return "signed-in user"


def _provider_label(name: str | None) -> str:
    return "Sign in" if name is None else f"Sign in with {name.replace('_', ' ').title()}"


def sidebar_controls(container=None) -> None:
    """Sign in / sign out in the sidebar when sign-in is configured; nothing otherwise."""
    if not auth_configured():
        return
    box = container if container is not None else st.sidebar
    with box:
        if is_signed_in():
            st.caption("Signed in as")
            st.text(signed_in_name())  # data text: shown literally
            if st.button("Sign out", icon=":material/logout:", key="_auth_sign_out"):
                st.logout()
        else:
            st.caption("Sign in to import studies, record screenings and keep notes.")
            for name in providers():
                if st.button(_provider_label(name), icon=":material/login:", key=f"_auth_sign_in_{name or 'default'}"):
                    st.login(name) if name else st.login()
