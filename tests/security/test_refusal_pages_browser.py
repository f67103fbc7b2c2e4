"""The refusal pages a portal's user may see, in real Chromium: styled like Bitrix24, in the portal's language."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from b24.models import Portal
from b24.registry import block_portal
from database import db
from tests.conftest import screenshot
from tests.placements.support_pages import installed_portal, open_support

pytestmark = pytest.mark.browser


def _show(page, live_app: str, html: str, name: str) -> None:
    page.goto(f"{live_app}/healthz")  # same origin, so the page's stylesheet loads as inside the iframe
    page.set_content(html)
    page.wait_for_load_state("networkidle")
    screenshot(page, name)


def test_the_admin_only_and_blocked_pages_are_styled_and_translated(app, sandbox, live_app, page):
    acme = installed_portal(sandbox, "acme", lang="ru")
    url, form = sandbox.frame(acme, "INSTALL", user=7)
    refused = requests.post(url, data=form, timeout=30)
    assert refused.status_code == 403
    _show(page, live_app, refused.text, "security-install-admin-only-ru")
    assert page.locator("#install-admin-only h1").inner_text() == "Установка доступна только администратору"
    assert page.locator(".card").evaluate("e => getComputedStyle(e).borderRadius") != "0px"

    with app.app_context():
        row = db.session.execute(select(Portal).where(Portal.member_id == acme.member_id)).scalar_one()
        block_portal(row, "sec@vendor.test")
        db.session.commit()
    blocked = open_support(sandbox, acme)
    assert blocked.status_code == 403
    _show(page, live_app, blocked.text, "security-portal-blocked-ru")
    contacts = page.locator("#vendor-contacts").inner_text()
    assert app.config["VENDOR_EMAIL"] in contacts and app.config["VENDOR_TELEGRAM"] in contacts
