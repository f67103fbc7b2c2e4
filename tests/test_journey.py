"""The whole journey over loopback: install, Support on a deal, a ticket, its number by email, the answer back."""

from __future__ import annotations

import html
import re

import pytest
import requests

from b24.models import Portal
from database import db
from delivery import worker
from tests.delivery.delivery_peers import Mailbox
from tests.placements.support_pages import (
    good_fields,
    installed_portal,
    link,
    open_support,
    registry_row,
    submit,
    text_of,
    video_part,
)
from tests.support_factories import make_contract


@pytest.fixture
def mailbox():
    box = Mailbox()
    box.up()
    yield box
    box.down()


@pytest.fixture
def mail_config(app_config, mailbox):
    app_config.update({
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": mailbox.port, "SMTP_SECURITY": "plain",
        "MAIL_FROM": "Didox24 Support <support@desk.test>", "VENDOR_ALERT_EMAIL": "vendor@desk.test",
    })
    return app_config


def _customer(app, sandbox, name: str, lang: str):
    """An installed portal with an active support contract, as policy §2 requires."""
    portal = installed_portal(sandbox, name, lang=lang)
    with app.app_context():
        make_contract(db.session.get(Portal, registry_row(app, portal)), "SUP-2026-17")
    return portal


def _section(page, element_id: str) -> str:
    """The visible text of a <section id=...> of a page."""
    start = page.text.index(f'id="{element_id}"')
    chunk = page.text[start:page.text.index("</section>", start)]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", chunk)).split())


def _deliver(app) -> dict:
    with app.app_context():
        return worker.run(once=True)


@pytest.mark.parametrize("lang, words", [("ru", "Заявка"), ("en", "request")])
def test_filed_request_is_numbered_and_the_number_is_emailed_to_the_user(mail_config, app, sandbox, mailbox,
                                                                         lang, words):
    acme = _customer(app, sandbox, f"acme-{lang}", lang)
    form = open_support(sandbox, acme)
    assert form.status_code == 200

    filed = submit(form, good_fields(contact_email="anna@acme.uz"), [video_part()])

    assert filed.status_code == 200, filed.text[:400]
    number = text_of(filed, "ticket-number")
    counts = _deliver(app)
    assert counts["sent"] >= 2
    (mail,) = mailbox.to("anna@acme.uz")
    assert number in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert number in body and words.lower() in body.lower()
    assert "TOP-SECRET-42" not in mail.as_string()
    (alert,) = mailbox.to("vendor@desk.test")
    assert number in alert["Subject"]
    assert "TOP-SECRET-42" not in alert.as_string()


def test_the_users_request_page_shows_the_confirmation_mail_went_out(mail_config, app, sandbox, mailbox):
    acme = _customer(app, sandbox, "acme", "en")
    filed = submit(open_support(sandbox, acme), good_fields(contact_email="anna@acme.uz"), [video_part()])
    number = text_of(filed, "ticket-number")

    before = requests.get(link(filed, "open-ticket"), timeout=10)
    _deliver(app)
    after = requests.get(link(filed, "open-ticket"), timeout=10)

    assert number in after.text
    assert "anna@acme.uz" in _section(before, "deliveries")
    assert "delivered" not in _section(before, "deliveries")
    log = _section(after, "deliveries")
    assert "anna@acme.uz" in log and "delivered" in log
    assert "vendor@desk.test" not in after.text  # the user sees only what was sent to them


def test_the_confirmation_promises_the_number_by_mail_only_where_mail_goes_out(app_config, app, sandbox):
    acme = _customer(app, sandbox, "quiet", "en")
    filed = submit(open_support(sandbox, acme), good_fields(contact_email="anna@acme.uz"), [video_part()])
    assert filed.status_code == 200 and 'id="ticket-number"' in filed.text
    assert 'id="filed-mail"' not in filed.text and "will also be sent" not in filed.text
    app.config.update({"SMTP_HOST": "127.0.0.1", "MAIL_FROM": "Didox24 Support <support@desk.test>"})
    promised = submit(open_support(sandbox, acme), good_fields(contact_email="anna@acme.uz"), [video_part()])
    assert "The number will also be sent to anna@acme.uz." in text_of(promised, "filed-mail")
