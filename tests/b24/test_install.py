"""The install flow over loopback HTTP against the sandbox portal, with wire-exact frame requests."""

from __future__ import annotations

from sqlalchemy import func, select

from b24.models import Portal
from database import db


def _portal(app, member_id: str) -> Portal | None:
    with app.app_context():
        portal = db.session.execute(select(Portal).where(Portal.member_id == member_id)).scalar_one_or_none()
        if portal is not None:
            db.session.expunge(portal)
        return portal


def test_install_remembers_portal_binds_handlers_and_finishes(app, sandbox, live_app):
    acme = sandbox.add_portal("acme")

    response = sandbox.install(acme)

    assert response.status_code == 200
    assert "B24Frame.installFinish()" in response.text
    portal = _portal(app, acme.member_id)
    assert portal.status == "active"
    assert portal.domain == "acme.bitrix24.test"
    assert portal.app_version == 1
    assert portal.client_endpoint == f"{sandbox.url}/p/acme/rest/"
    assert portal.application_token == acme.application_token
    bound = {(p["key"], p["handler"]) for p in acme.placements}
    assert ("CRM_DEAL_DETAIL_TOOLBAR", f"{live_app}/placements/support") in bound
    events = {(e["key"], e["handler"]) for e in acme.events}
    assert events == {(name, f"{live_app}/b24/events") for name in ("ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL",
                                                                  "ONAPPPAYMENT")}
    # installFinish was followed by ONAPPINSTALL, which the app accepted
    assert [c.method for c in sandbox.calls("event_out")] == ["ONAPPINSTALL"]
    assert acme.installed


def test_install_stores_tokens_sealed_not_in_clear(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    portal = _portal(app, acme.member_id)
    with app.app_context():
        raw = db.session.execute(
            db.text("SELECT access_token, refresh_token, application_token FROM portal")
        ).one()
    assert portal.access_token and portal.access_token not in raw
    assert acme.application_token not in raw


def test_reinstall_on_same_member_id_replaces_tokens_without_duplicates(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    first = _portal(app, acme.member_id)

    sandbox.uninstall(acme)
    response = sandbox.install(acme)

    assert response.status_code == 200
    again = _portal(app, acme.member_id)
    with app.app_context():
        assert db.session.scalar(select(func.count(Portal.id))) == 1
    assert again.id == first.id
    assert again.status == "active"
    assert again.access_token != first.access_token
    assert again.application_token == acme.application_token != first.application_token
    # handlers bound once each, not twice
    assert len([p for p in acme.placements if p["key"] == "CRM_DEAL_DETAIL_TOOLBAR"]) == 1


def test_running_the_installer_twice_without_uninstall_is_clean(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    response = sandbox.install(acme)
    assert response.status_code == 200
    assert "installFinish" in response.text
    assert len([e for e in acme.events if e["key"] == "ONAPPUNINSTALL"]) == 1


def test_main_page_opens_for_an_installed_portal(sandbox):
    acme = sandbox.add_portal("acme", lang="en")
    sandbox.install(acme)
    response = sandbox.open(acme)
    assert response.status_code == 200
    assert "acme.bitrix24.test" in response.text
