"""A portal admin installs the app in a real browser: the sandbox portal frames the installer like Bitrix24."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from b24.models import Portal
from database import db
from tests.conftest import INSTALL_BLOCKED_BY_SCOPES, screenshot

pytestmark = pytest.mark.browser


@INSTALL_BLOCKED_BY_SCOPES
@pytest.mark.parametrize("lang, heading", [("ru", "техподдержка"), ("en", "support")])
def test_admin_clicks_install_and_lands_in_the_installed_app(app, sandbox, page, lang, heading):
    portal = sandbox.add_portal(f"shop-{lang}", lang=lang)
    page.goto(sandbox.portal_page(portal))

    page.click("#install")
    page.wait_for_url("**view=app", timeout=15_000)

    frame = page.frame_locator("#app-frame")
    assert heading in frame.locator("h1").first.inner_text(timeout=10_000).lower()
    assert portal.installed
    with app.app_context():
        stored = db.session.execute(select(Portal).where(Portal.member_id == portal.member_id)).scalar_one()
        assert stored.status == "active"
    screenshot(page, f"install-{lang}")
