"""Issue 15 against the strict sandbox: exactly the declared scopes, what user.current reveals, PAYMENT_REQUIRED."""

from __future__ import annotations

import re

import pytest
import requests

from tests.b24.test_real_platform import _portal
from tests.placements.support_pages import good_fields, installed_portal, open_support, submit, text_of, video_part
from tests.placements.test_support_placement import with_contract


def test_install_with_exactly_the_declared_scopes_finishes(app, sandbox):
    assert sandbox.state.scopes == app.config["B24_SCOPES"]  # the vendor cabinet holds what the app declares
    acme = sandbox.add_portal("acme", lang="en")

    page = sandbox.install(acme)

    assert page.status_code == 200 and 'id="install-done"' in page.text
    assert acme.installed  # installFinish reached the portal, and ONAPPINSTALL came back
    stored = _portal(app, acme.member_id)
    assert stored.placements_bound == [c for c in app.config["B24_PLACEMENTS"].split(",") if c]
    assert stored.placements_refused == {}
    assert {e["key"] for e in acme.events} == {"ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL", "ONAPPPAYMENT"}


def test_the_contact_email_is_hidden_under_user_brief_and_shown_under_user_basic(app, sandbox):
    acme = sandbox.add_portal("acme", lang="en")
    sandbox.install(acme)
    email = acme.admin.email

    shown = sandbox.open(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    assert f'value="{email}"' in re.search(r'<input[^>]*name="contact_email"[^>]*>', shown.text).group(0)

    sandbox.state.scopes = "crm,placement,user_brief"  # a vendor cabinet registered with the README's old scopes
    hidden = sandbox.open(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    assert email not in hidden.text


# --- PAYMENT_REQUIRED -------------------------------------------------------------------------------


def _filed_ticket(app, sandbox, lang: str):
    acme = installed_portal(sandbox, f"acme-{lang}", lang=lang)
    acme.app_status, acme.days = "T", 1  # the last day of a trial: app.info says so at every open
    with_contract(app, acme)
    filed = submit(open_support(sandbox, acme), good_fields(), [video_part()])
    assert filed.status_code == 200, filed.text[:500]
    return acme, text_of(filed, "ticket-number")


@pytest.mark.parametrize("lang, title, lead", [
    ("ru", "Подписка на Didox24 закончилась", "Пробный или оплаченный период"),
    ("en", "The Didox24 subscription has ended", "The trial or paid period"),
])
def test_payment_required_shows_the_vendor_and_the_portals_tickets(app, sandbox, lang, title, lead):
    acme, number = _filed_ticket(app, sandbox, lang)
    sandbox.require_payment(acme)

    page = sandbox.open(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})

    assert page.status_code == 402
    assert title in page.text and lead in page.text
    contacts = re.search(r'id="vendor-contacts">(.*?)</dl>', page.text, re.S).group(1)
    for value in ("info@technounit.uz", "@technounit", "+99871 203 7006"):
        assert value in contacts
    assert f'data-number="{number}"' in page.text
    assert 'name="contact_email"' not in page.text  # no form: nothing can be filed meanwhile
    stored = _portal(app, acme.member_id)
    assert stored.standing == "unpaid" and stored.token_health == "ok"  # unpaid, not "needs re-authorisation"
    assert stored.payment_expired == "Y"


def test_payment_required_shows_nothing_to_a_forged_frame(app, sandbox):
    acme, number = _filed_ticket(app, sandbox, "en")
    sandbox.require_payment(acme)
    url, form = sandbox.frame(acme)
    form["AUTH_ID"] = "made-up-token"

    page = requests.post(url, data=form, timeout=30)

    assert page.status_code == 401 and number not in page.text
    assert _portal(app, acme.member_id).standing == "ok"  # an unproven request marks nothing


def test_payment_lifts_the_unpaid_mark(app, sandbox):
    acme, _ = _filed_ticket(app, sandbox, "en")
    sandbox.require_payment(acme)
    assert sandbox.open(acme).status_code == 402

    sandbox.pay(acme, status="P", days=30)

    stored = _portal(app, acme.member_id)
    assert (stored.app_status, stored.payment_expired, stored.payment_days) == ("P", "N", 30)
    assert stored.standing == "ok"
    assert sandbox.open(acme).status_code == 200
