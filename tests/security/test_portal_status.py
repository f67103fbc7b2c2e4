"""A portal's status is enforced on every frame and token, whatever a process remembers."""

from __future__ import annotations

import requests
from sqlalchemy import select

from b24.models import Portal
from b24.registry import block_portal
from database import db
from tests.placements.support_pages import good_fields, installed_portal, link, open_support, submit


def _block(app, member_id: str) -> None:
    """The vendor blocks the portal, from its own session (as the console in another worker would)."""
    with app.app_context():
        portal = db.session.execute(select(Portal).where(Portal.member_id == member_id)).scalar_one()
        block_portal(portal, "security@vendor.test", "unpaid")
        db.session.commit()


def test_a_blocked_portals_button_shows_the_vendors_contacts_in_its_language(app, sandbox, unchanged):
    acme = installed_portal(sandbox, "acme", lang="ru")
    _block(app, acme.member_id)
    with unchanged():
        response = open_support(sandbox, acme)
    assert response.status_code == 403
    assert "Техподдержка для этого портала приостановлена" in response.text
    assert app.config["VENDOR_EMAIL"] in response.text
    assert app.config["VENDOR_PHONE"] in response.text
    assert 'id="support-form"' not in response.text


def test_a_blocked_portals_main_page_is_refused_too(app, sandbox, unchanged):
    acme = installed_portal(sandbox, "acme", lang="en")
    _block(app, acme.member_id)
    with unchanged():
        response = sandbox.open(acme)
    assert response.status_code == 403
    assert "Support is suspended for this portal" in response.text


def test_forms_and_views_opened_before_a_block_stop_at_once(app, sandbox, unchanged):
    acme = installed_portal(sandbox, "acme", lang="en")
    page = open_support(sandbox, acme)
    assert page.status_code == 200
    requests_url = link(page, "tab-requests")
    _block(app, acme.member_id)
    with unchanged():
        filed = submit(page, good_fields(category="contract"))
        listed = requests.get(requests_url, timeout=10)
    assert filed.status_code == 403 and "Support is suspended" in filed.text
    assert listed.status_code == 403 and app.config["VENDOR_EMAIL"] in listed.text


def test_a_block_applies_even_while_the_oauth_verdict_is_cached(app, sandbox, unchanged):
    acme = installed_portal(sandbox, "acme", lang="en")
    url, form = sandbox.frame(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    assert requests.post(url, data=form, timeout=30).status_code == 200  # verdict now remembered
    verified = len(sandbox.calls("oauth.app_info"))
    _block(app, acme.member_id)
    with unchanged():
        again = requests.post(url, data=form, timeout=30)
    assert again.status_code == 403
    assert len(sandbox.calls("oauth.app_info")) == verified  # the cached verdict was used, and still refused


def test_an_uninstalled_portals_frames_form_tokens_and_view_tokens_stop_at_once(app, sandbox, unchanged):
    acme = installed_portal(sandbox, "acme", lang="en")
    url, form = sandbox.frame(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    page = requests.post(url, data=form, timeout=30)
    assert page.status_code == 200
    requests_url = link(page, "tab-requests")
    assert [r.status_code for r in sandbox.uninstall(acme)] == [200]
    with unchanged():
        reopened = requests.post(url, data=form, timeout=30)  # the very token whose verdict was cached
        filed = submit(page, good_fields(category="contract"))
        listed = requests.get(requests_url, timeout=10)
    assert reopened.status_code in (401, 403)
    assert filed.status_code == 403
    assert listed.status_code == 403
    assert "removed from the portal" in listed.text


def test_tokens_from_before_an_uninstall_stay_dead_after_a_reinstall(app, sandbox, unchanged):
    acme = installed_portal(sandbox, "acme", lang="en")
    url, form = sandbox.frame(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    page = requests.post(url, data=form, timeout=30)  # its OAuth verdict is now cached in this process
    requests_url = link(page, "tab-requests")
    sandbox.uninstall(acme)
    assert sandbox.install(acme).status_code == 200
    asked = len(sandbox.calls("oauth.app_info"))
    with unchanged():
        listed = requests.get(requests_url, timeout=10)
        filed = submit(page, good_fields(category="contract"))
        reopened = requests.post(url, data=form, timeout=30)
    assert listed.status_code == 403 and filed.status_code == 403
    assert reopened.status_code == 401  # the cached verdict predates the uninstall: asked again, and refused
    assert len(sandbox.calls("oauth.app_info")) == asked + 1
    fresh = open_support(sandbox, acme)
    assert fresh.status_code == 200
    assert requests.get(link(fresh, "tab-requests"), timeout=10).status_code == 200
