"""The benchmark's peer: a placement handler written the way b24pysdk's own documentation shows it.

b24pysdk 1.3.2 README, "Flask" (``@placement_required`` with ``bitrix_app=`` so the launch is validated through
``app.info``) and "Incoming payload validation" (``BitrixToken.from_oauth_placement_data``), then
``client.user.current()``: verify, then ask who the user is, one call after the other. Served by the same gunicorn
as the app (bench/wsgi.py), at /bench/peer. The SDK pins its hosts (``https://oauth.bitrix24.tech`` and
``https://{domain}/rest``, protocol §5); for the benchmark alone both are pointed at the sandbox, nothing else is
changed.
"""

from __future__ import annotations

import os

from b24pysdk import BitrixApp, BitrixToken, Client
from b24pysdk.api.callers.call_method import _MethodCaller
from b24pysdk.api.requesters.bitrix_oauth_requester import BitrixOAuthRequester
from b24pysdk.integrations.flask.decorators import placement_required
from b24pysdk.integrations.flask.dependencies import get_oauth_placement_data
from flask import Flask


def _point_at_sandbox(sandbox_url: str) -> None:
    BitrixOAuthRequester._APP_INFO_URL = f"{sandbox_url}/rest/app.info/"
    BitrixOAuthRequester._OAUTH_TOKEN_URL = f"{sandbox_url}/oauth/token/"
    # The sandbox serves portal <slug>.bitrix24.test at /p/<slug>/rest.
    _MethodCaller._base_url = property(lambda self: f"{sandbox_url}/p/{self._domain.split('.')[0]}/rest")


def register(app: Flask, sandbox_url: str | None = None) -> None:
    sandbox_url = sandbox_url or os.environ.get("BENCH_SANDBOX_URL")
    if not sandbox_url:
        return
    _point_at_sandbox(sandbox_url.rstrip("/"))
    bitrix_app = BitrixApp(client_id=app.config["B24_CLIENT_ID"], client_secret=app.config["B24_CLIENT_SECRET"])

    @app.post("/bench/peer")
    @placement_required(bitrix_app=bitrix_app)
    def peer_placement():
        placement = get_oauth_placement_data()
        token = BitrixToken.from_oauth_placement_data(placement, bitrix_app)
        user = Client(token).user.current().result
        return f"<p>Hello, {user.get('NAME', '')} {user.get('LAST_NAME', '')}</p>"
