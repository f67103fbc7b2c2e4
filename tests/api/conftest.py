"""Factories for API tests: portals, contracts, tickets and bearer tokens in the real database."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest

from api import tokens
from b24.models import Portal
from contracts.models import Contract
from database import db, utcnow
from staff.models import StaffUser
from tickets.models import Reply, Ticket

_serial = count(1)


@pytest.fixture(autouse=True)
def app_context(app):
    """Factories and assertions run in an app context of their own; each request gets its own session."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def make_portal(app):
    def make(**fields) -> Portal:
        n = next(_serial)
        values = {"member_id": f"member{n:06d}", "domain": f"portal{n:06d}.bitrix24.test", "status": "active",
                  "app_version": 3, "app_status": "P", "license": "ru_pro", "installed_at": utcnow(),
                  "last_seen_at": utcnow(), "refresh_token": f"refresh-secret-{n}",
                  "access_token": f"access-secret-{n}", "application_token": f"app-secret-{n}"}
        values.update(fields)
        portal = Portal(**values)
        db.session.add(portal)
        db.session.commit()
        return portal
    return make


@pytest.fixture
def make_contract(app):
    def make(portal: Portal | None, **fields) -> Contract:
        n = next(_serial)
        today = date.today()
        values = {"number": f"C-{n:05d}", "portal_id": portal.id if portal else None, "customer": f"Customer {n}",
                  "valid_from": today - timedelta(days=100), "valid_to": today + timedelta(days=200),
                  "reaction_hours": 8}
        values.update(fields)
        contract = Contract(**values)
        db.session.add(contract)
        db.session.commit()
        return contract
    return make


@pytest.fixture
def make_ticket(app):
    def make(portal: Portal, **fields) -> Ticket:
        n = next(_serial)
        values = {"number": f"TU-2026-{n:06d}", "portal_id": portal.id, "status": "new", "category": "error",
                  "contact_email": f"user{n}@example.test", "what_done": "Paid an invoice",
                  "what_expected": "A receipt", "what_obtained": "An error", "user_name": f"User {n}",
                  "operator": "Payme", "operator_connection": f"merchant-key-SECRET-{n}",
                  "context": {"app_version": 3, "placement": "DEFAULT_SUPPORT"}}
        values.update(fields)
        ticket = Ticket(**values)
        db.session.add(ticket)
        db.session.commit()
        return ticket
    return make


@pytest.fixture
def add_reply(app):
    def add(ticket: Ticket, **fields) -> Reply:
        reply = Reply(ticket_id=ticket.id, **{"author": "user", "kind": "message", "body": "More detail", **fields})
        db.session.add(reply)
        db.session.commit()
        return reply
    return add


@pytest.fixture
def make_staff(app):
    def make(email: str, can_see_vulnerabilities: bool = False):
        # No password: the API never signs staff in, and hashing one costs a tenth of a second per test.
        user = StaffUser(email=email, name=email.split("@")[0].title(), password_hash="!",
                         can_see_vulnerabilities=can_see_vulnerabilities)
        db.session.add(user)
        db.session.commit()
        return user
    return make


def _bearer(name: str, staff=None) -> dict[str, str]:
    _, plain = tokens.issue(name, staff)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def api_token(app, make_staff) -> str:
    """A valid bearer token acting for a staff member who may not see vulnerability reports."""
    return _bearer("tests", make_staff("agent@vendor.test"))["Authorization"].split(" ", 1)[1]


@pytest.fixture
def auth(api_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token}"}


@pytest.fixture
def reader_auth(app) -> dict[str, str]:
    """A token acting for nobody: it may read, never change, never see vulnerability reports."""
    return _bearer("reader")


@pytest.fixture
def security_auth(app, make_staff) -> dict[str, str]:
    """A token acting for staff who may see vulnerability reports."""
    return _bearer("security", make_staff("security@vendor.test", can_see_vulnerabilities=True))
