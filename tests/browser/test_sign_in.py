"""Sign-in configured for real (a secrets.toml with an [auth] section, read by Streamlit itself): the sidebar
offers sign-in and writing is refused until someone signs in. No identity provider is contacted: the
test never presses "Sign in" (the provider's address is a closed loopback port)."""
from __future__ import annotations

import shutil

import pytest

from conftest import ROOT, StreamlitServer, make_data_dir, goto, shoot, exceptions

SECRETS = """
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "test-only-cookie-secret-0123456789abcdef"
client_id = "trialkit-test"
client_secret = "test-only"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("auth")
    (base / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", base / ".streamlit" / "config.toml")
    srv = StreamlitServer(ROOT / "app.py", data_dir=make_data_dir(base), cwd=base, log=base / "streamlit.log")
    (base / ".streamlit" / "secrets.toml").write_text(SECRETS.format(port=srv.port))
    srv.start()
    yield srv
    srv.stop()


def test_sidebar_offers_sign_in_and_writes_wait_for_it(auth_server, browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    try:
        goto(pg, auth_server.url("/Import?trial=NCT07176143"))
        shoot(pg, "sign_in_configured_Import")
        assert not exceptions(pg)
        sidebar = pg.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_role("button", name="Sign in").count() == 1
        assert sidebar.get_by_role("button", name="Sign out").count() == 0
        assert "Sign in" in pg.inner_text('[data-testid="stMain"]')  # the Import page says why it cannot add
    finally:
        ctx.close()
