"""Malformed input never gives a 500: each case is a 4xx with a clear message, and nothing changes."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests

from tests.placements.support_pages import installed_portal


@pytest.fixture
def acme(sandbox):
    return installed_portal(sandbox, "acme")


def _event(live_app: str, body: str) -> requests.Response:
    return requests.post(f"{live_app}/b24/events", data=body, timeout=10,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})


def _admin_event(sandbox, portal, **data: str) -> str:
    """A genuine ONAPPUPDATE body (the admin's own fresh token), with ``data`` as given."""
    grant = sandbox.state.issue(portal, 1)
    fields = {"event": "ONAPPUPDATE", "auth[access_token]": grant.access_token,
              "auth[refresh_token]": grant.refresh_token, "auth[expires_in]": "3600",
              "auth[member_id]": portal.member_id, "auth[domain]": portal.domain,
              "auth[server_endpoint]": sandbox.state.server_endpoint(),
              "auth[application_token]": portal.application_token}
    fields.update({f"data[{k}]": v for k, v in data.items()})
    return "&".join(f"{quote(k, safe='[]')}={quote(str(v))}" for k, v in fields.items())


@pytest.mark.parametrize(("body", "says"), [
    ("event=ONAPPUNINSTALL&auth=x&auth[member_id]=m", "both a value and a group"),
    ("event=ONAPPUNINSTALL&auth[member_id]=m&auth=x", "both a value and a group"),
    ("event=ONAPPUNINSTALL&[member_id]=m", "malformed or has no name"),
    ("event=ONAPPUNINSTALL&auth[]=m", "empty"),
    ("event=ONAPPUNINSTALL&=m", "malformed or has no name"),
    ("event=ONAPPUNINSTALL&auth" + "[a]" * 5000 + "=1", "too long"),
    ("event=ONAPPUNINSTALL&auth[a][b][c][d][e]=1", "nested more than"),
    ("event=ONAPPUNINSTALL&event=ONAPPINSTALL&auth[member_id]=m", "sent twice"),
    ("event=ONAPPUNINSTALL&auth[member_id]=m&auth[member_id]=n", "sent twice"),
    ("event=ONAPPUNINSTALL&auth[member_id][x]=m", "single value"),
    ("event[x]=ONAPPUNINSTALL&auth[member_id]=m", "single value"),
    ("event=ONAPPUNINSTALL&data=1&auth[member_id]=m", "group of fields"),
    ("event=ONAPPUNINSTALL&auth[member_id]=m%00x", "control characters"),
])
def test_a_malformed_event_body_is_a_clear_400(app, acme, live_app, unchanged, body, says):
    with unchanged():
        response = _event(live_app, body)
    assert response.status_code == 400, response.text
    assert says in response.json()["error_description"]


@pytest.mark.parametrize("version", [str(2**64 + 1), "-" + str(2**63 + 5), "9" * 400, "1e30", "0x10"])
def test_a_genuine_event_with_a_number_past_range_changes_nothing(app, sandbox, acme, live_app, unchanged, version):
    with unchanged():
        response = _event(live_app, _admin_event(sandbox, acme, VERSION=version))
    assert response.status_code == 400, response.text
    assert "data[VERSION]" in response.json()["error_description"]


@pytest.mark.parametrize(("field", "value", "says"), [
    ("AUTH_EXPIRES", str(2**70), "AUTH_EXPIRES is out of range"),
    ("AUTH_EXPIRES", "3600.5", "not a whole number"),
    ("PLACEMENT_OPTIONS", "[" * 100_000, "too long"),
    ("PLACEMENT_OPTIONS", "[" * 2_000 + "]" * 2_000, "nested too deeply"),
    ("PLACEMENT_OPTIONS", json.dumps({"a": {"b": {"c": {"d": {"e": 1}}}}}), "nested too deeply"),
    ("PLACEMENT_OPTIONS", json.dumps({"ID": 2**70}), "not valid JSON"),
    ("PLACEMENT_OPTIONS", '{"ID": NaN}', "not valid JSON"),
    ("PLACEMENT_OPTIONS", json.dumps(["8061"]), "must be a JSON object"),
    ("member_id", "m\x00", "control characters"),
])
def test_a_malformed_frame_field_is_a_clear_400(app, sandbox, acme, unchanged, field, value, says):
    url, form = sandbox.frame(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    form[field] = value
    with unchanged():
        response = requests.post(url, data=form, timeout=30)
    assert response.status_code == 400, response.text[:300]
    assert says in response.text


def test_a_frame_field_sent_twice_is_a_clear_400(app, sandbox, acme, unchanged):
    url, form = sandbox.frame(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    pairs = [*form.items(), ("member_id", "0" * 32)]
    with unchanged():
        response = requests.post(url, data=pairs, timeout=30)
    assert response.status_code == 400
    assert "member_id is sent more than once" in response.text


@pytest.mark.parametrize("target", [
    "/console/%0d%0aSet-Cookie:%20staff=1", "/console/%00", "/console/\t", "/console/" + "a" * 3000,
])
def test_control_characters_in_the_consoles_next_are_a_clear_400(app, live_app, unchanged, target):
    with unchanged():
        login = requests.get(f"{live_app}/console/login?next={target}", timeout=10, allow_redirects=False)
        switch = requests.get(f"{live_app}/console/lang/ru?next={target}", timeout=10, allow_redirects=False)
    for response in (login, switch):
        assert response.status_code == 400
        assert "not a console page" in response.text
        assert "Set-Cookie: staff" not in str(response.headers)


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/console", "/consolation", "\\\\evil.test"])
def test_another_sites_next_is_ignored_not_followed(app, live_app, target):
    response = requests.get(f"{live_app}/console/lang/ru?next={quote(target)}", timeout=10, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login"
