"""Refused bindings against the strict sandbox: the install finishes, says what and why, and later runs retry."""

from __future__ import annotations

import re
import time

import pytest

from tests.b24.test_real_platform import _flask, _portal

ALL_FOUR = "CRM_DEAL_DETAIL_TOOLBAR,CRM_LEAD_DETAIL_TOOLBAR,CRM_CONTACT_DETAIL_TOOLBAR,CRM_COMPANY_DETAIL_TOOLBAR,"


@pytest.fixture
def app_config(app_config):
    """The vendor wants the user-menu button too and declares `user`, but the cabinet was not updated."""
    return {**app_config, "B24_PLACEMENTS": ALL_FOUR + "USER_PROFILE_MENU", "B24_SCOPES": "crm,placement,user"}


@pytest.mark.parametrize("lang, says", [
    ("ru", "у приложения нет права «user» на этом портале"),
    ("en", "the app has no “user” permission (scope) on this portal"),
])
def test_a_placement_whose_scope_is_missing_is_reported_and_the_install_still_finishes(app, sandbox, lang, says):
    sandbox.state.scopes = "crm,placement,user_basic"
    acme = sandbox.add_portal(f"acme-{lang}", lang=lang)

    page = sandbox.install(acme)

    assert page.status_code == 200
    assert "installFinish" in page.text and acme.installed
    refused = re.search(r'<ul class="refusals" id="install-refused">(.*?)</ul>', page.text, re.S).group(1)
    assert 'data-code="USER_PROFILE_MENU"' in refused and says in refused and "ERROR_PLACEMENT_NOT_FOUND" in refused
    assert "CRM_DEAL_DETAIL_TOOLBAR" not in refused
    assert {p["key"] for p in acme.placements} == set(ALL_FOUR.strip(",").split(","))
    stored = _portal(app, acme.member_id)
    assert stored.placements_refused == {"USER_PROFILE_MENU": "ERROR_PLACEMENT_NOT_FOUND"}
    assert "USER_PROFILE_MENU" not in stored.placements_bound

    shown = _flask(app, "portals", "show", acme.member_id).stdout
    assert "refused          USER_PROFILE_MENU (ERROR_PLACEMENT_NOT_FOUND)" in shown
    assert "CRM_COMPANY_DETAIL_TOOLBAR" in re.search(r"^bound .*$", shown, re.M).group(0)


def test_flask_portals_bind_names_what_is_still_refused(app, sandbox):
    sandbox.state.scopes = "crm,placement,user_basic"
    acme = sandbox.add_portal("acme", lang="en")
    sandbox.install(acme)

    again = _flask(app, "portals", "bind", acme.member_id)

    assert again.returncode == 0, again.stderr
    assert "refused USER_PROFILE_MENU: ERROR_PLACEMENT_NOT_FOUND" in again.stdout
    assert "CRM_DEAL_DETAIL_TOOLBAR" in again.stdout


def test_an_install_the_portal_could_not_bind_at_all_still_finishes_and_flask_portals_bind_retries(app, sandbox):
    acme = sandbox.add_portal("acme", lang="ru")
    # the bindings' batch gives up after its back-off: one request and B24_MAX_RETRIES (3) more
    sandbox.fail_next(acme, "QUERY_LIMIT_EXCEEDED", times=4, method="batch")

    page = sandbox.install(acme)

    assert page.status_code == 200 and acme.installed
    assert "Портал не ответил на просьбу добавить кнопки (QUERY_LIMIT_EXCEEDED)" in page.text
    assert acme.placements == [] and _portal(app, acme.member_id).status == "active"

    retried = _flask(app, "portals", "bind", acme.member_id)

    assert retried.returncode == 0, retried.stderr
    assert "refused" not in retried.stdout
    assert {p["key"] for p in acme.placements} == {*ALL_FOUR.strip(",").split(","), "USER_PROFILE_MENU"}
    assert {e["key"] for e in acme.events} >= {"ONAPPUNINSTALL", "ONAPPPAYMENT"}


def test_an_update_binds_the_refused_placement_once_the_scope_is_granted(app, sandbox):
    sandbox.state.scopes = "crm,placement,user_basic"
    acme = sandbox.add_portal("acme", lang="en")
    sandbox.install(acme)
    assert _portal(app, acme.member_id).placements_refused

    sandbox.state.scopes = "crm,placement,user"
    sandbox.update(acme, 2)

    deadline = time.monotonic() + 10
    while _portal(app, acme.member_id).placements_refused and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _portal(app, acme.member_id).placements_refused == {}
    assert any(p["key"] == "USER_PROFILE_MENU" for p in acme.placements)
