"""The console's portal page after issue 15, in real headless Chromium, in Russian and English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from b24 import lifecycle
from b24.errors import PortalCallFailed
from b24.models import Portal
from database import db
from tests.conftest import screenshot
from tests.console.conftest import PASSWORD, wait_for_call

pytestmark = pytest.mark.browser


def _sign_in(page, live_app: str, email: str, lang: str) -> None:
    page.context.set_extra_http_headers({"Accept-Language": lang})
    page.goto(f"{live_app}/console/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_console_portal_page_shows_bindings_payment_token_age_standing_and_rest_calls(
        app, sandbox, live_app, page, make_staff, lang):
    staff = make_staff(email=f"dev-{lang}@vendor.test")
    acme = sandbox.add_portal(f"acme-{lang}", lang=lang)
    sandbox.install(acme)
    sandbox.send_event(acme, "ONAPPPAYMENT", {"CODE": app.config["B24_CLIENT_ID"], "VERSION": 1, "STATUS": "T",
                                              "PAYMENT_EXPIRED": "N", "DAYS": 9, "LANGUAGE_ID": lang})
    sandbox.open(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    with app.app_context():
        portal = db.session.execute(select(Portal).where(Portal.member_id == acme.member_id)).scalar_one()
    wait_for_call(app, portal.id, "batch:user.current,user.admin,app.info")  # logged just after the page is sent
    sandbox.fail_next(acme, "OVERLOAD_LIMIT")
    with app.app_context():
        portal = db.session.get(Portal, portal.id)
        with pytest.raises(PortalCallFailed):
            lifecycle.check_portal(portal)
        portal_id = portal.id

    _sign_in(page, live_app, staff.email, lang)
    page.goto(f"{live_app}/console/portals/{portal_id}")

    standing = page.locator("#standing").inner_text()
    assert ("REST заблокирован" if lang == "ru" else "REST blocked") in standing
    assert "CRM_DEAL_DETAIL_TOOLBAR" in page.locator("#placements-bound").inner_text()
    assert page.locator("#rest-calls tbody tr").count() >= 3
    assert "OVERLOAD_LIMIT" in page.locator("#rest-calls").inner_text()
    assert ("осталось 9 дней" if lang == "ru" else "9 days left") in page.locator("#payment").inner_text()
    screenshot(page, f"console-portal-platform-{lang}")


@pytest.mark.parametrize("lang, unpaid, why", [("ru", "не оплачено", "нет права «user»"),
                                               ("en", "unpaid", "no “user” permission")])
def test_console_shows_an_unpaid_portal_and_its_refused_button(app, sandbox, live_app, page, make_staff,
                                                               lang, unpaid, why):
    staff = make_staff(email=f"pay-{lang}@vendor.test")
    app.config["B24_PLACEMENTS"] += ",USER_PROFILE_MENU"  # a cabinet without `user` (the start-up check is passed)
    acme = sandbox.add_portal(f"unpaid-{lang}", lang=lang)
    sandbox.install(acme)
    sandbox.require_payment(acme)
    assert sandbox.open(acme).status_code == 402
    with app.app_context():
        portal_id = db.session.execute(select(Portal.id).where(Portal.member_id == acme.member_id)).scalar_one()

    _sign_in(page, live_app, staff.email, lang)
    page.goto(f"{live_app}/console/portals/{portal_id}")

    assert unpaid in page.locator("#standing").inner_text()
    assert why in page.locator("#placements-refused [data-code=USER_PROFILE_MENU]").inner_text()
    # unpaid, not "needs re-authorisation"
    assert page.locator("#token-health").inner_text().startswith("в порядке" if lang == "ru" else "ok")
    screenshot(page, f"console-portal-unpaid-{lang}")
