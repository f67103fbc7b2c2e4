"""The console's portal page shows what the platform said: bound and refused placements, payment, token age,
REST standing, and the REST call log (issue 15), for a portal installed through the sandbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from b24 import lifecycle
from b24.errors import PortalCallFailed
from b24.models import Portal
from database import db
from tests.console.conftest import wait_for_call


@pytest.fixture
def acme(app, sandbox):
    portal = sandbox.add_portal("acme", lang="en")
    sandbox.install(portal)
    with app.app_context():
        portal.row_id = db.session.execute(select(Portal.id).where(Portal.member_id == portal.member_id)).scalar_one()
    return portal


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(dd|table|tbody)>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_portal_page_shows_bindings_payment_token_age_and_rest_calls(app, sandbox, acme, console):
    sandbox.send_event(acme, "ONAPPPAYMENT", {"CODE": app.config["B24_CLIENT_ID"], "VERSION": 1, "STATUS": "S",
                                              "PAYMENT_EXPIRED": "N", "DAYS": 14, "LANGUAGE_ID": "en"})
    sandbox.open(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    wait_for_call(app, acme.row_id, "batch:user.current,user.admin,app.info")  # logged just after the page is sent

    html = console.get(f"/console/portals/{acme.row_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert _text(html, "placements-bound") == ("CRM_DEAL_DETAIL_TOOLBAR, CRM_LEAD_DETAIL_TOOLBAR, "
                                               "CRM_CONTACT_DETAIL_TOOLBAR, CRM_COMPANY_DETAIL_TOOLBAR")
    assert _text(html, "placements-refused") == "—"
    assert _text(html, "payment") == "paid up, 14 days left"
    assert _text(html, "token-age") == "0 d"
    assert _text(html, "standing") == "ok"
    calls = _text(html, "rest-calls")
    assert "batch:user.current,user.admin,app.info 200" in calls
    assert "batch:placement.unbind,placement.bind,event.unbind,event.bind 200" in calls


def test_an_overloaded_portal_is_marked_so_in_the_console(app, sandbox, acme, console):
    sandbox.fail_next(acme, "OVERLOAD_LIMIT", times=1)
    with app.app_context(), pytest.raises(PortalCallFailed):
        lifecycle.check_portal(db.session.get(Portal, acme.row_id))

    page = console.get(f"/console/portals/{acme.row_id}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert _text(page, "standing").startswith("REST заблокирован (OVERLOAD_LIMIT)")
    listing = console.get("/console/portals", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "REST blocked (OVERLOAD_LIMIT)" in listing
    assert "OVERLOAD_LIMIT" in _text(page, "rest-calls")

    # the block is lifted by Bitrix24 support: the next answer clears the mark
    with app.app_context():
        lifecycle.check_portal(db.session.get(Portal, acme.row_id))
    page = console.get(f"/console/portals/{acme.row_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _text(page, "standing") == "ok"
