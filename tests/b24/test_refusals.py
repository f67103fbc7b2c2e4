"""Forged, incomplete or contradictory requests: each refused with a clear 4xx, and nothing changes."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import func, select

from b24.models import Portal, PortalEvent
from database import db
from sandbox.wire import flatten


def _snapshot(app):
    with app.app_context():
        portals = db.session.execute(
            select(Portal.member_id, Portal.status, Portal.domain, Portal.app_version, Portal.token_expires_at)
        ).all()
        events = db.session.scalar(select(func.count(PortalEvent.id)))
    return portals, events


@pytest.fixture
def acme(sandbox):
    portal = sandbox.add_portal("acme", lang="en")
    sandbox.install(portal)
    return portal


def _post_event(live_app, fields: dict) -> requests.Response:
    return requests.post(f"{live_app}/b24/events", data=flatten(fields), timeout=10)


def test_forged_uninstall_with_wrong_application_token_is_refused(app, sandbox, acme, live_app):
    before = _snapshot(app)
    response = _post_event(live_app, {
        "event": "ONAPPUNINSTALL", "event_handler_id": 3, "ts": 1,
        "data": {"LANGUAGE_ID": "en", "CLEAN": "1"},
        "auth": {"domain": acme.domain, "member_id": acme.member_id, "application_token": "forged"},
    })
    assert response.status_code == 401
    assert "application_token" in response.json()["error_description"]
    assert _snapshot(app) == before


def test_forged_update_with_made_up_access_token_is_refused(app, sandbox, acme, live_app):
    before = _snapshot(app)
    response = _post_event(live_app, {
        "event": "ONAPPUPDATE", "ts": 1,
        "data": {"VERSION": "9", "PREVIOUS_VERSION": "1"},
        "auth": {"access_token": "made-up", "member_id": acme.member_id, "domain": acme.domain,
                 "application_token": "forged", "refresh_token": "x", "expires_in": "3600"},
    })
    assert response.status_code == 401
    assert _snapshot(app) == before


def test_event_for_unknown_member_id_is_refused(app, sandbox, acme, live_app):
    before = _snapshot(app)
    response = _post_event(live_app, {
        "event": "ONAPPUNINSTALL",
        "data": {"CLEAN": "0"},
        "auth": {"member_id": "0" * 32, "application_token": acme.application_token},
    })
    assert response.status_code == 401
    assert "does not know" in response.json()["error_description"]
    assert _snapshot(app) == before


def test_event_without_member_id_or_name_is_a_bad_request(app, acme, live_app):
    before = _snapshot(app)
    assert requests.post(f"{live_app}/b24/events", data={"event": "ONAPPUPDATE"}, timeout=5).status_code == 400
    assert requests.post(f"{live_app}/b24/events", data={"auth[member_id]": "x"}, timeout=5).status_code == 400
    assert _snapshot(app) == before


def test_event_sent_as_json_instead_of_form_is_refused(app, acme, live_app):
    before = _snapshot(app)
    response = requests.post(f"{live_app}/b24/events", json={"event": "ONAPPUNINSTALL",
                             "auth": {"member_id": acme.member_id}}, timeout=5)
    assert response.status_code == 400
    assert _snapshot(app) == before


def test_frame_whose_auth_id_the_oauth_server_rejects_is_refused(app, sandbox, acme):
    url, form = sandbox.frame(acme)
    form["AUTH_ID"] = "not-a-token"
    before = _snapshot(app)
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 401
    assert "does not recognise this token" in response.text
    assert _snapshot(app) == before


def test_install_whose_member_id_disagrees_with_the_oauth_server_is_refused(app, sandbox, acme):
    other = sandbox.add_portal("other")
    url, form = sandbox.frame(other, "INSTALL")
    form["member_id"] = acme.member_id
    before = _snapshot(app)
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 401
    assert "member_id" in response.text
    assert _snapshot(app) == before


def test_frame_whose_domain_points_at_another_host_is_refused(app, sandbox, acme):
    url, form = sandbox.frame(acme)
    url = url.replace("DOMAIN=acme.bitrix24.test", "DOMAIN=evil.example.com")
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 401
    assert "DOMAIN" in response.text


@pytest.mark.parametrize("missing", ["AUTH_ID", "member_id"])
def test_frame_missing_fields_is_a_bad_request(app, sandbox, acme, missing):
    url, form = sandbox.frame(acme, "INSTALL")
    del form[missing]
    before = _snapshot(app)
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 400
    assert missing in response.text
    assert _snapshot(app) == before


@pytest.mark.parametrize("options", ["{not json", '"a string"', "[1, 2]"])
def test_malformed_placement_options_are_a_bad_request(app, sandbox, acme, options):
    url, form = sandbox.frame(acme)
    form["PLACEMENT_OPTIONS"] = options
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 400
    assert "PLACEMENT_OPTIONS" in response.text


def test_empty_placement_options_are_accepted(sandbox, acme):
    url, form = sandbox.frame(acme)
    for value in ("", "[]", json.dumps({})):
        form_copy = dict(form, PLACEMENT_OPTIONS=value)
        assert requests.post(url, data=form_copy, timeout=10).status_code == 200


def test_server_endpoint_naming_an_untrusted_oauth_host_is_not_followed(app, sandbox, acme, live_app):
    # a forger's OAuth server would vouch for anything; the app keeps asking the configured one
    url, form = sandbox.frame(acme)
    form["SERVER_ENDPOINT"] = "http://127.0.0.1:9/rest/"
    form["AUTH_ID"] = "forged"
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 401
    assert sandbox.calls("oauth.app_info")[-1].member_id is None  # the sandbox, not 127.0.0.1:9, was asked
