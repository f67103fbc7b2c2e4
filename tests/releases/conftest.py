"""Fixtures for releases and known issues: a real SMTP peer, releases, tickets on sandbox portals, a worker pass."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from console.staff import create_user
from database import db
from delivery import worker
from releases import registry
from tests.delivery.delivery_peers import Mailbox
from tickets.models import Ticket

_numbers = itertools.count(1)


@pytest.fixture
def mailbox():
    box = Mailbox()
    box.up()
    yield box
    box.down()


@pytest.fixture
def mail_config(app_config, mailbox) -> dict:
    """List before ``app``/``sandbox``: users' mail goes to the local aiosmtpd peer."""
    app_config.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": mailbox.port, "SMTP_SECURITY": "plain",
                       "MAIL_FROM": "Didox24 Support <support@desk.test>", "VENDOR_ALERT_EMAIL": "vendor@desk.test",
                       "SMTP_TIMEOUT": 2.0})
    return app_config


@pytest.fixture
def staff_member(app):
    with app.app_context():
        user = create_user("dev@vendor.test", "Dana Dev", "correct horse battery")
        db.session.commit()
        return user.id


def add_releases(app, *versions: tuple[int, str]) -> dict[int, int]:
    """Releases by version; returns {version: release id}."""
    with app.app_context():
        ids = {}
        for version, label in versions:
            ids[version] = registry.save_release(None, {"version": str(version), "label": label}).id
        db.session.commit()
        return ids


def add_ticket(app, portal_id: int, *, language: str = "ru", email: str | None = None, **fields) -> str:
    with app.app_context():
        n = next(_numbers)
        ticket = Ticket(number=f"TU-2026-{n:06d}", portal_id=portal_id, status="new", category="error",
                        what_done=fields.pop("what_done", "Sent an invoice"), what_expected="It reaches Didox",
                        what_obtained=fields.pop("what_obtained", "Error 500"), language=language,
                        contact_email=email or f"user{n}@client.test", user_name=f"User {n}", context={}, **fields)
        db.session.add(ticket)
        db.session.commit()
        return ticket.number


def ticket_of(app, number: str) -> Ticket:
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        db.session.expunge(ticket)
        return ticket


def drain(app, passes: int = 5) -> None:
    with app.app_context():
        for _ in range(passes):
            worker.run(worker="releases-test", once=True)
