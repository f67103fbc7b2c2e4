"""Fixtures for the delivery tests: the channel peers, settings pointing at them, ticket factories."""

from __future__ import annotations

import itertools
import time

import pytest
from sqlalchemy import func, select

from b24.models import Portal
from database import db
from delivery import worker
from delivery.models import OutboxMessage
from delivery.outbox import notify
from tests.delivery.delivery_peers import (
    OPERATOR_SECRET,
    PORTAL_TOKEN,
    TELEGRAM_TOKEN,
    WEBHOOK_SECRET,
    Bitrix24Hook,
    Mailbox,
    TelegramApi,
    WebhookReceiver,
)
from tickets.models import Reply, Ticket


@pytest.fixture
def ctx(app):
    """The app with a pushed context; list ``delivery_config`` before it so the config is set first."""
    with app.app_context():
        yield app


@pytest.fixture
def receivers():
    parts = {"mail": Mailbox(), "telegram": TelegramApi(), "webhook": WebhookReceiver(), "b24": Bitrix24Hook()}
    yield parts
    for part in parts.values():
        part.down()


@pytest.fixture
def delivery_config(app_config, receivers) -> dict:
    """Every channel pointed at its local receiver, with timeouts and back-off small enough for tests."""
    app_config.update({
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": receivers["mail"].port, "SMTP_SECURITY": "plain",
        "MAIL_FROM": "Didox24 Support <support@desk.test>", "VENDOR_ALERT_EMAIL": "vendor@desk.test",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_CHAT_ID": "-100777",
        "TELEGRAM_API_URL": receivers["telegram"].url,
        "WEBHOOK_URL": receivers["webhook"].url + "/incidents", "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "VENDOR_B24_WEBHOOK_URL": receivers["b24"].hook_url, "VENDOR_B24_RESPONSIBLE_ID": "7",
        "SMTP_TIMEOUT": 0.5, "TELEGRAM_TIMEOUT": 0.5, "WEBHOOK_TIMEOUT": 0.5, "VENDOR_B24_TIMEOUT": 0.5,
        "DELIVERY_BACKOFF_BASE": 0.05, "DELIVERY_BACKOFF_CAP": 0.2, "DELIVERY_MAX_ATTEMPTS": 6,
        "DELIVERY_LEASE_SECONDS": 2.0, "DELIVERY_POLL_INTERVAL": 0.05,
    })
    return app_config


_numbers = itertools.count(1)


@pytest.fixture
def file_ticket(ctx):
    """File a ticket the way the ticket store will: rows + notify in one transaction, then commit."""

    def file(language: str = "ru", commit: bool = True, **fields) -> Ticket:
        portal = db.session.execute(select(Portal).where(Portal.member_id == "m-delivery")).scalar_one_or_none()
        if portal is None:
            portal = Portal(member_id="m-delivery", domain="client.bitrix24.ru", status="active",
                            access_token=PORTAL_TOKEN, application_token=PORTAL_TOKEN)
            db.session.add(portal)
        values = {
            "number": f"TU-2026-{next(_numbers):05d}", "portal": portal, "category": "error",
            "contact_email": "user@client.test", "user_name": "Иван Петров", "language": language,
            "what_done": "Opened an invoice", "what_expected": "It is sent to Didox",
            "what_obtained": "Error 500", "operator": "Payme", "operator_connection": OPERATOR_SECRET,
            "context": {"app_version": "3.2", "auth_id": PORTAL_TOKEN, "placement": "DEFAULT"},
        }
        values.update(fields)
        ticket = Ticket(**values)
        db.session.add(ticket)
        notify(ticket, "ticket_created")
        if commit:
            db.session.commit()
        return ticket

    return file


@pytest.fixture
def add_reply(ctx):
    def add(ticket: Ticket, author: str = "staff", body: str = "Fixed in 3.3", internal: bool = False,
            kind: str = "message", data: dict | None = None) -> Reply:
        reply = Reply(ticket=ticket, author=author, body=body, internal=internal, kind=kind, data=data or {})
        db.session.add(reply)
        notify(ticket, "user_followup" if author == "user" else "staff_reply", reply)
        db.session.commit()
        return reply

    return add


def unsent() -> int:
    return db.session.execute(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.state.in_(("pending", "claimed", "sending")))
    ).scalar_one()


@pytest.fixture
def drain(ctx):
    """Run worker passes until nothing is pending (or the deadline passes); back-off waits happen here."""

    def run(deadline: float = 20.0, name: str = "test-worker") -> None:
        until = time.monotonic() + deadline
        while True:
            worker.run(worker=name, once=True)
            if not unsent() or time.monotonic() > until:
                return
            time.sleep(0.05)

    return run
