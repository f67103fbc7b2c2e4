"""Fixtures for the ops tests: a loopback OAuth server the app trusts, and a way to post frame requests."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer
from tests.ops.standin import StandInOAuth


@pytest.fixture
def oauth(app_config):
    standin = StandInOAuth(client_id=app_config["B24_CLIENT_ID"])
    server = LiveServer(standin.wsgi()).start()
    app_config["B24_OAUTH_URL"] = server.url
    yield standin
    server.stop()


def frame_post(domain: str, member_id: str, access: str, refresh: str = "", **form: str) -> tuple[str, dict]:
    """The query string and form of a frame request, as the portal posts it (protocol §1)."""
    query = f"DOMAIN={domain}&PROTOCOL=1&LANG=en&APP_SID=abc"
    body = {"AUTH_ID": access, "AUTH_EXPIRES": "3600", "REFRESH_ID": refresh, "member_id": member_id,
            "PLACEMENT": "DEFAULT", "PLACEMENT_OPTIONS": "{}", **form}
    return query, body
