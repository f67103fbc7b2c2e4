"""Calls to a portal: back-off on limits, box portals over http, and the cost of opening a frame."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from b24 import lifecycle
from b24.errors import PortalCallFailed
from b24.models import Portal
from database import db


@pytest.fixture
def acme(sandbox):
    portal = sandbox.add_portal("acme", lang="en")
    sandbox.install(portal)
    return portal


def _stored(app, member_id):
    return db.session.execute(select(Portal).where(Portal.member_id == member_id)).scalar_one()


def test_query_limit_is_waited_out_with_back_off(app, sandbox, acme):
    sandbox.fail_next(acme, "QUERY_LIMIT_EXCEEDED", times=2)
    before = len(sandbox.calls("rest", "app.info"))
    with app.app_context():
        info = lifecycle.check_portal(_stored(app, acme.member_id))
    assert info["VERSION"] == 1
    assert len(sandbox.calls("rest", "app.info")) - before == 3  # two refused, the third answered


def test_overload_limit_is_answered_by_one_request_and_marks_the_portal(app, sandbox, acme):
    sandbox.fail_next(acme, "OVERLOAD_LIMIT", times=5)
    before = len(sandbox.calls("rest", "app.info"))
    with app.app_context(), pytest.raises(PortalCallFailed) as failure:
        lifecycle.check_portal(_stored(app, acme.member_id))
    assert failure.value.code == "OVERLOAD_LIMIT"
    assert "only Bitrix24 support" in failure.value.message
    assert len(sandbox.calls("rest", "app.info")) - before == 1  # no retry against a manual block
    with app.app_context():
        portal = _stored(app, acme.member_id)
        assert portal.standing == "overloaded"
        assert [e.kind for e in portal.history][-1] == "overloaded"


def test_operation_time_limit_without_a_near_reset_gives_up_at_once(app, sandbox, acme):
    sandbox.fail_next(acme, "OPERATION_TIME_LIMIT", times=5)
    before = len(sandbox.calls("rest", "app.info"))
    with app.app_context(), pytest.raises(PortalCallFailed) as failure:
        lifecycle.check_portal(_stored(app, acme.member_id))
    assert failure.value.code == "OPERATION_TIME_LIMIT"
    assert "time budget" in failure.value.message
    assert len(sandbox.calls("rest", "app.info")) - before == 1


def test_limits_that_outlast_the_retries_fail_clearly(app, sandbox, acme):
    sandbox.fail_next(acme, "QUERY_LIMIT_EXCEEDED", times=10)
    with app.app_context(), pytest.raises(PortalCallFailed) as failure:
        lifecycle.check_portal(_stored(app, acme.member_id))
    assert failure.value.code == "QUERY_LIMIT_EXCEEDED"


def test_box_portal_on_plain_http_is_recorded_as_such(app, sandbox):
    box = sandbox.add_portal("crm-box", lang="ru", domain="crm.box-company.test:8080")
    url, form = sandbox.frame(box, "INSTALL")
    response = requests.post(url.replace("PROTOCOL=1", "PROTOCOL=0"), data=form, timeout=10)
    assert response.status_code == 200
    with app.app_context():
        portal = _stored(app, box.member_id)
        assert portal.protocol == "http"
        assert portal.domain == "crm.box-company.test:8080"
        assert portal.client_endpoint.startswith("http://")


def test_repeat_open_with_the_same_token_asks_the_oauth_server_once(sandbox, acme):
    url, form = sandbox.frame(acme)
    before = len(sandbox.calls("oauth.app_info"))
    for _ in range(3):
        assert requests.post(url, data=form, timeout=10).status_code == 200
    assert len(sandbox.calls("oauth.app_info")) - before == 1


def test_frame_from_a_renamed_portal_updates_the_registry(app, sandbox, acme):
    sandbox.rename(acme, "acme-new")
    assert sandbox.open(acme).status_code == 200
    with app.app_context():
        portal = _stored(app, acme.member_id)
        assert portal.domain == "acme-new.bitrix24.test"
        assert [e.kind for e in portal.history].count("domain_changed") == 1


def test_user_token_answered_expired_is_refreshed_once_and_the_call_retried(app, sandbox, acme):
    from b24.oauth import OAuthServer
    from b24.rest import PortalClient

    _, form = sandbox.frame(acme, user=7)
    sandbox.expire_tokens(acme)
    with app.app_context():
        client = PortalClient(f"{sandbox.url}/p/acme/rest/", form["AUTH_ID"], form["REFRESH_ID"],
                              oauth=OAuthServer.for_endpoint())
        user = client.call("user.current")
    assert user["NAME"] == "Ivan"
    assert client.access_token != form["AUTH_ID"]
    assert len(sandbox.calls("oauth.token", "refresh_token")) == 1


def test_an_overloaded_portal_is_asked_once_and_not_again_until_the_block_is_lifted(app, sandbox, acme):
    sandbox.overload(acme)
    before = len(sandbox.calls("rest", "app.info"))
    with app.app_context(), pytest.raises(PortalCallFailed) as failure:
        lifecycle.check_portal(_stored(app, acme.member_id))
    assert failure.value.code == "OVERLOAD_LIMIT"
    assert len(sandbox.calls("rest", "app.info")) - before == 1
    sandbox.overload(acme, on=False)
    with app.app_context():
        lifecycle.check_portal(_stored(app, acme.member_id))
        assert _stored(app, acme.member_id).standing == "ok"


def test_operation_time_limit_waits_for_the_reset_the_answers_before_it_named(app, sandbox, acme):
    reset_at = sandbox.limit_operation(acme, "app.info", reset_in=1.5, allow=1)
    with app.app_context():
        lifecycle.check_portal(_stored(app, acme.member_id))  # answered; its `time` names the reset
        before = len(sandbox.calls("rest", "app.info"))
        info = lifecycle.check_portal(_stored(app, acme.member_id))  # refused, waits for the reset, answered
    assert info["VERSION"] == 1 and time.time() >= reset_at
    assert len(sandbox.calls("rest", "app.info")) - before == 2  # one refusal, one answer: no hammering


def test_operation_time_limit_with_a_far_reset_fails_at_once(app, sandbox, acme):
    sandbox.limit_operation(acme, "app.info", reset_in=3600, allow=1)
    with app.app_context():
        lifecycle.check_portal(_stored(app, acme.member_id))  # its `time` names the reset, an hour away
    before = len(sandbox.calls("rest", "app.info"))
    with app.app_context(), pytest.raises(PortalCallFailed) as failure:
        lifecycle.check_portal(_stored(app, acme.member_id))
    assert failure.value.code == "OPERATION_TIME_LIMIT" and "s more" in failure.value.message
    assert len(sandbox.calls("rest", "app.info")) - before == 1
