"""Only an admin installs: a non-admin's genuine token changes no stored token and plants no application_token."""

from __future__ import annotations

import requests
from sqlalchemy import select

from b24.models import Portal
from database import db
from sandbox.wire import flatten
from tests.placements.support_pages import installed_portal

NON_ADMIN = 7  # the sandbox portal's accountant, a plain user


def _stored(app, member_id: str) -> Portal:
    with app.app_context():
        portal = db.session.execute(select(Portal).where(Portal.member_id == member_id)).scalar_one()
        db.session.expunge(portal)
        return portal


def _event(live_app: str, fields: dict) -> requests.Response:
    return requests.post(f"{live_app}/b24/events", data=flatten(fields), timeout=10)


def _forged_uninstall(live_app: str, portal, application_token: str) -> requests.Response:
    return _event(live_app, {"event": "ONAPPUNINSTALL", "data": {"LANGUAGE_ID": "en", "CLEAN": "1"},
                             "auth": {"domain": portal.domain, "member_id": portal.member_id,
                                      "application_token": application_token}})


def _user_token(sandbox, portal, user: int) -> tuple[str, str]:
    """A genuine access token of this portal's user, as any user who opens the app holds one."""
    _url, form = sandbox.frame(portal, user=user)
    return form["AUTH_ID"], form["REFRESH_ID"]


def test_a_non_admin_at_the_installer_gets_the_admin_only_page_and_nothing_changes(app, sandbox, unchanged):
    acme = installed_portal(sandbox, "acme", lang="ru")
    url, form = sandbox.frame(acme, "INSTALL", user=NON_ADMIN)
    form["APPLICATION_TOKEN"] = "planted-by-the-accountant"
    with unchanged():
        response = requests.post(url, data=form, timeout=30)
    assert response.status_code == 403
    assert "Только администратор портала может установить" in response.text
    assert "installFinish" not in response.text
    assert _forged_uninstall(sandbox.state.app_url, acme, "planted-by-the-accountant").status_code == 401
    assert _stored(app, acme.member_id).status == "active"


def test_a_non_admin_cannot_be_the_first_to_install_either(app, sandbox, unchanged):
    fresh = sandbox.add_portal("fresh", lang="en")
    with unchanged():
        response = sandbox.install(fresh, user_id=NON_ADMIN)
    assert response.status_code == 403
    assert "Only a portal administrator can install" in response.text
    assert not fresh.installed  # installFinish was never called


def test_the_installers_application_token_field_is_never_stored(app, sandbox, live_app):
    acme = sandbox.add_portal("acme", lang="en")
    url, form = sandbox.frame(acme, "INSTALL")
    form["APPLICATION_TOKEN"] = "planted-in-the-form"
    assert requests.post(url, data=form, timeout=30).status_code == 200  # the admin's own install
    assert _stored(app, acme.member_id).application_token is None  # only a verified ONAPPINSTALL brings it
    assert _forged_uninstall(live_app, acme, "planted-in-the-form").status_code == 401
    assert _stored(app, acme.member_id).status == "active"


def test_a_forged_install_event_with_a_users_own_token_is_refused(app, sandbox, live_app, unchanged):
    acme = installed_portal(sandbox, "acme")
    access, refresh = _user_token(sandbox, acme, NON_ADMIN)
    fields = {"event": "ONAPPINSTALL", "event_handler_id": "1", "ts": "1",
              "data": {"VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "en"},
              "auth": {"access_token": access, "refresh_token": refresh, "expires_in": "3600",
                       "domain": acme.domain, "member_id": acme.member_id, "user_id": "1",
                       "server_endpoint": sandbox.state.server_endpoint(),
                       "client_endpoint": sandbox.state.client_endpoint(acme),
                       "application_token": "planted-by-event"}}
    with unchanged():
        response = _event(live_app, fields)
    assert response.status_code == 403
    assert response.json()["error"] == "not_admin"
    assert _forged_uninstall(live_app, acme, "planted-by-event").status_code == 401
    assert _stored(app, acme.member_id).status == "active"


def test_a_forged_update_event_with_a_users_own_token_is_refused(app, sandbox, live_app, unchanged):
    acme = installed_portal(sandbox, "acme")
    access, refresh = _user_token(sandbox, acme, NON_ADMIN)
    fields = {"event": "ONAPPUPDATE", "data": {"VERSION": "9", "PREVIOUS_VERSION": "1", "LANGUAGE_ID": "en"},
              "auth": {"access_token": access, "refresh_token": refresh, "expires_in": "3600",
                       "domain": acme.domain, "member_id": acme.member_id, "application_token": "planted-by-update"}}
    with unchanged():
        response = _event(live_app, fields)
    assert response.status_code == 403
    assert _forged_uninstall(live_app, acme, "planted-by-update").status_code == 401


def test_an_honest_install_asks_user_admin_at_the_oauth_servers_endpoint_and_uninstall_still_works(app, sandbox):
    acme = installed_portal(sandbox, "acme")
    asked = [c for c in sandbox.calls("rest", "user.admin") if c.member_id == acme.member_id]
    assert len(asked) == 2  # the installer page, then ONAPPINSTALL
    stored = _stored(app, acme.member_id)
    assert stored.application_token == acme.application_token  # from the verified ONAPPINSTALL
    responses = sandbox.uninstall(acme)
    assert [r.status_code for r in responses] == [200]
    assert _stored(app, acme.member_id).status == "uninstalled"
