"""Optional sign-in with Streamlit's ``st.login`` (OpenID Connect), and who may write.

Sign-in is on only when an identity provider is configured in ``.streamlit/secrets.toml`` (an ``[auth]``
section with ``redirect_uri``, ``cookie_secret`` and a provider's ``client_id``/``client_secret``/
``server_metadata_url``, either directly in ``[auth]`` or in ``[auth.<provider>]``; see
``.streamlit/secrets.toml.example``). When it is on, writes (imports, recorded screenings, notes) need a
signed-in user, whose e-mail (or name) goes into the audit trail. When it is off, the app is a local,
single-user tool and the audit trail names the operating-system user.

``TRIALKIT_READ_ONLY=1`` (see ``ui.common.is_read_only``) turns every write off whatever the sign-in state.

Without sign-in there is no way to tell visitors apart, so only visitors on this machine may write
(``write_refusal``): a visitor from another machine (``st.context.ip_address`` is set, or a proxy's
``X-Forwarded-For`` names a non-loopback address) reads but cannot change anything. To serve a team, turn
sign-in on, or run the shared server read-only.
Streamlit's auth needs the ``Authlib`` package only when sign-in is configured.
"""
from __future__ import annotations

from trialkit.i18n import _

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


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _visitor_addresses() -> list[str]:
    """The addresses this session's requests came from that are not this machine: the websocket peer
    (``st.context.ip_address``: None for a loopback peer) and every hop of ``X-Forwarded-For`` (a reverse
    proxy on this machine passes the real visitor's address there). A separate function so tests can
    stand in for it."""
    out: list[str] = []
    try:
        ip = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For") or ""
    except Exception:  # no session (a bare script run): nobody from elsewhere
        return out
    if isinstance(ip, str) and ip:  # (AppTest's stand-in runtime gives a mock, not an address)
        out.append(ip)
    if isinstance(forwarded, str):
        out += [h.strip() for h in forwarded.split(",") if h.strip()]
    return [a for a in out if a.lower() not in _LOOPBACK and not a.startswith("127.")]


def write_refusal() -> str | None:
    """Why this session may not write because of where it comes from, or None.

    The one network policy for writes (``ui.common.can_write`` asks it for every write path): with
    sign-in on, the identity provider decides who writes; with sign-in off every visitor would be the
    same anonymous local user, so writes are refused for any visitor not on this machine."""
    if auth_configured():
        return None
    if _visitor_addresses():
        return _("Changes can only be made on the server's own machine while sign-in is off (everyone else "
                 "would write as the same anonymous user). Ask the administrator to turn sign-in on.")
    return None


def signed_in_key() -> str | None:
    """Who the signed-in user is, for what they own (notes, shares): ``oidc:<issuer>|<subject>``, the
    OpenID Connect ``iss`` + ``sub`` claims, unique and stable per account (an e-mail or a name can be shared
    or changed; a user may even be called "anonymous"). None when nobody is signed in or the provider sent
    no subject."""
    if not is_signed_in():
        return None
    user = _user()
    sub = user.get("sub")
    if not sub:
        return None
    key = f"oidc:{user.get('iss') or ''}|{sub}"
    if len(key) > 320:  # the notes/shares author column; a long issuer + subject is kept as its digest
        import hashlib

        key = "oidc:sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _provider_label(name: str | None) -> str:
    return _("Sign in") if name is None else _("Sign in with {provider}").format(
        provider=name.replace('_', ' ').title())


def sidebar_controls(container=None) -> None:
    """Sign in / sign out in the sidebar when sign-in is configured; nothing otherwise."""
    if not auth_configured():
        return
    box = container if container is not None else st.sidebar
    with box:
        if is_signed_in():
            st.caption(_("Signed in as"))
            st.text(signed_in_name())  # data text: shown literally
            if st.button(_("Sign out"), icon=":material/logout:", key="_auth_sign_out"):
                st.logout()
        else:
            st.caption(_("Sign in to import studies, record screenings and keep notes."))
            for name in providers():
                if st.button(_provider_label(name), icon=":material/login:", key=f"_auth_sign_in_{name or 'default'}"):
                    st.login(name) if name else st.login()
