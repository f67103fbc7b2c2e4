"""No secret enters what we store or send: URLs with queries (page, referrer, links) are cut wherever they go."""

from __future__ import annotations

import json
import logging
import re

import requests
from sqlalchemy import select

from api import tokens
from b24.lifecycle import portal_by_member
from console.staff import create_user
from database import db
from delivery.models import OutboxMessage
from redactor import REDACTED, redact_url, redact_value
from tests.placements.support_pages import good_fields, installed_portal, link, submit
from tickets.models import Ticket

PASSWORD = "correct horse battery"
BOT = "123456789:AAF-bot-token-abcdefghijklmnopqrstuvwx"


def _console_page(live_app: str, path: str) -> str:
    """A staff member signs in through the real form and opens a console page."""
    session = requests.Session()
    login = session.get(f"{live_app}/console/login", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    signed = session.post(f"{live_app}/console/login", timeout=10, allow_redirects=False,
                          data={"email": "sec@vendor.test", "password": PASSWORD, "csrf_token": csrf})
    assert signed.status_code == 302
    return session.get(f"{live_app}{path}", timeout=10).text


def _staff_and_api_token(app) -> str:
    with app.app_context():
        staff = create_user("sec@vendor.test", "Sec", PASSWORD)
        db.session.commit()
        _, plain = tokens.issue("security test", staff)
        db.session.commit()
        return plain


def test_tokens_in_the_page_referrer_and_options_reach_no_store_page_api_webhook_mail_or_log(
        app, sandbox, live_app, caplog):
    caplog.set_level(logging.DEBUG)
    api_token = _staff_and_api_token(app)
    acme = installed_portal(sandbox, "acme")
    url, form = sandbox.frame(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={
        "ID": "8061", "URI": f"https://{acme.domain}/marketplace/app/1/?auth=OPTIONS-SECRET-77&x=1"})
    auth_id = form["AUTH_ID"]
    first = requests.post(url, data=form, timeout=30)
    view_token = re.search(r"[?&]t=([^&\"']+)", link(first, "tab-requests")).group(1)
    referrer = f"https://{acme.domain}/crm/deal/details/8061/?IFRAME=Y&t={view_token}&AUTH_ID={auth_id}#x"
    page = requests.post(url, data=form, headers={"Referer": referrer}, timeout=30)
    assert page.status_code == 200
    secrets = [auth_id, view_token, "OPTIONS-SECRET-77", "PAGE-SECRET-99"]
    assert not any(s in page.text for s in secrets[:1])

    reported = f"https://{acme.domain}/crm/deal/details/8061/?auth=PAGE-SECRET-99&t={view_token}"
    filed = submit(page, good_fields(category="contract", page=reported), allow_redirects=False)
    assert filed.status_code == 303, filed.text[:300]

    with app.app_context():
        ticket = db.session.execute(select(Ticket)).scalar_one()
        number, stored = ticket.number, json.dumps(ticket.context)
        payloads = json.dumps([m.payload for m in db.session.execute(select(OutboxMessage)).scalars()])
    assert f"https://{acme.domain}/crm/deal/details/8061/?{REDACTED}" in stored  # the page, without its query
    console = _console_page(live_app, f"/console/tickets/{number}")
    api = requests.get(f"{live_app}/api/v1/tickets/{number}", timeout=10,
                       headers={"Authorization": f"Bearer {api_token}"}).text
    for where, text in (("stored context", stored), ("webhook and mail payloads", payloads),
                        ("console", console), ("API", api), ("log", caplog.text)):
        for secret in secrets:
            assert secret not in text, f"{secret[:12]}... in the {where}"
        assert "IFRAME=Y" not in text, where


def test_a_context_stored_before_the_fix_is_redacted_on_every_way_out(app, sandbox, live_app):
    api_token = _staff_and_api_token(app)
    acme = installed_portal(sandbox, "acme")
    leaky = {"page": "https://acme.bitrix24.test/crm/?t=eyJvbGQiOiJ0b2tlbiJ9.Z1x2.abcdefghijklmnopqrstu",
             "placement": {"code": "LEFT_MENU", "options": {"URI": "https://x.test/?AUTH_ID=OLD-AUTH-SECRET"}},
             "auth": {"access_token": "OLD-ACCESS-SECRET"}, "note": f"see https://api.telegram.org/bot{BOT}/x"}
    with app.app_context():
        db.session.add(Ticket(number="TU-2026-000900", portal=portal_by_member(acme.member_id),
                              contact_email="a@acme.uz", context=leaky))
        db.session.commit()
    console = _console_page(live_app, "/console/tickets/TU-2026-000900")
    api = requests.get(f"{live_app}/api/v1/tickets/TU-2026-000900", timeout=10,
                       headers={"Authorization": f"Bearer {api_token}"}).text
    for text in (console, api):
        for secret in ("eyJvbGQi", "OLD-AUTH-SECRET", "OLD-ACCESS-SECRET", BOT):
            assert secret not in text
        assert "https://acme.bitrix24.test/crm/" in text  # the page is still named, only its query is gone


def test_the_one_redactor_cuts_each_kind_of_url_and_secret():
    assert redact_url("https://user:pw@portal.test:8443/a/b?t=x#frag") == f"https://portal.test:8443/a/b?{REDACTED}#{REDACTED}"
    assert redact_url("/placements/support/requests?t=abc") == f"/placements/support/requests?{REDACTED}"
    assert redact_url("https://portal.test/crm/") == "https://portal.test/crm/"
    assert redact_url("http://[::1") == REDACTED  # not even a URL
    value = redact_value({"page": "https://p.test/x?auth=1", "refresh_token": "r", "list": ["Bearer abcdefgh"],
                          "text": "go to https://p.test/y?t=2 now", "n": 5})
    assert value == {"page": f"https://p.test/x?{REDACTED}", "list": [f"Bearer {REDACTED}"],
                     "text": f"go to https://p.test/y?{REDACTED} now", "n": 5}
    # A staff link in an answer keeps its query (it may be what makes it work) but never a secret.
    assert redact_value({"link": "https://vendor.test/dl?file=7"}, urls=False) == {"link": "https://vendor.test/dl?file=7"}
    assert redact_value({"link": "https://vendor.test/dl?token=abcdef"}, urls=False) == {
        "link": f"https://vendor.test/dl?token={REDACTED}"}
