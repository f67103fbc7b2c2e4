"""TEMPORARY until the sandbox lands on main: the same `sandbox` fixture the lead's conftest will provide."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer


@pytest.fixture
def sandbox(app, live_app):
    pytest.importorskip("sandbox", reason="the sandbox portal lands on main with the lead's work")
    from sandbox import create_sandbox_app
    from sandbox.driver import Sandbox
    from sandbox.state import SandboxState

    state = SandboxState("http://127.0.0.1", app.config["B24_CLIENT_ID"], app.config["B24_CLIENT_SECRET"], live_app)
    server = LiveServer(create_sandbox_app(state))
    state.base_url = server.url
    app.config["B24_OAUTH_URL"] = server.url
    app.config["FRAME_ANCESTORS_EXTRA"] = server.url
    server.start()
    yield Sandbox(state)
    server.stop()
