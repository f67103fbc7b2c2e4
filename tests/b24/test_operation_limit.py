"""OPERATION_TIME_LIMIT waits for the reset the answer names, when it is near, and otherwise fails clearly.

A loopback stand-in answers as b24restdocs limits.md describes: HTTP 429, `error` OPERATION_TIME_LIMIT, and
`time.operating_reset_at`, the UNIX time the method's budget is released.
"""

from __future__ import annotations

import time

import pytest
from flask import Flask, jsonify

from b24.errors import PortalCallFailed
from b24.rest import PortalClient
from tests.conftest import LiveServer


class LimitedPortal:
    def __init__(self, reset_in: float, refusals: int = 1):
        self.reset_in, self.refusals, self.calls = reset_in, refusals, []
        rest = Flask("limited_portal")

        @rest.post("/rest/<method>.json")
        def call(method: str):
            now = time.time()
            self.calls.append(now)
            timing = {"start": now, "finish": now, "duration": 0.01, "operating": 480.2,
                      "operating_reset_at": int(now + self.reset_in) + 1}
            if len(self.calls) <= self.refusals:
                return jsonify(error="OPERATION_TIME_LIMIT", error_description="Method is blocked due to operation "
                               "time limit.", time=timing), 429
            return jsonify(result={"ID": 7, "VERSION": 1}, time=timing)

        self.server = LiveServer(rest).start()
        self.url = f"{self.server.url}/rest/"


@pytest.fixture
def limited():
    portals = []

    def make(reset_in: float) -> LimitedPortal:
        portals.append(LimitedPortal(reset_in))
        return portals[-1]
    yield make
    for portal in portals:
        portal.server.stop()


def test_a_near_reset_is_waited_for_then_the_call_goes_through(app, limited):
    portal = limited(0.2)
    with app.app_context():
        result = PortalClient(portal.url, "access-1").call("app.info")
    assert result["VERSION"] == 1
    assert len(portal.calls) == 2
    assert portal.calls[1] - portal.calls[0] >= 0.2  # it waited, and did not hammer the portal


def test_a_far_reset_fails_at_once_with_a_clear_error(app, limited):
    portal = limited(3600)
    started = time.monotonic()
    with app.app_context(), pytest.raises(PortalCallFailed) as failure:
        PortalClient(portal.url, "access-1").call("crm.deal.list")
    assert time.monotonic() - started < 2
    assert len(portal.calls) == 1
    assert failure.value.code == "OPERATION_TIME_LIMIT"
    assert "crm.deal.list" in failure.value.message and "s more" in failure.value.message
