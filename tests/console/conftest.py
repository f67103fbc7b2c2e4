"""Console fixtures: staff accounts, a signed-in client that sends the CSRF token, portals, tickets, contracts."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from b24.calls import RestCall
from b24.models import Portal
from console.staff import create_user
from contracts.models import Contract
from database import db, utcnow
from staff.models import StaffUser
from tickets.models import Ticket

PASSWORD = "correct horse battery"
_numbers = count(1)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries no CSRF field"
    return match.group(1)


class ConsoleClient:
    """A test client signed in through the real login form; ``post`` adds the session's CSRF token."""

    def __init__(self, client, email: str, password: str = PASSWORD):
        self.client = client
        page = client.get("/console/login")
        token = csrf_from(page.get_data(as_text=True))
        response = client.post("/console/login", data={"email": email, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = csrf_from(client.get("/console/portals").get_data(as_text=True))

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, **kw):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kw)


def wait_for_call(app, portal_id: int, method: str) -> None:
    """Wait until `method` is in the portal's REST log, which a page's calls reach just after the page is sent.
    By portal, as the console lists them: the install's user.admin row comes before the portal row exists, so a
    count by member_id let a page be read before the open's row was written."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with app.app_context():
            if db.session.scalar(select(func.count(RestCall.id)).where(RestCall.portal_id == portal_id,
                                                                          RestCall.method == method)):
                return
        time.sleep(0.05)
    raise AssertionError(f"{method} was not logged for portal {portal_id}")


@pytest.fixture
def make_staff(app):
    def make(email: str = "dev@vendor.test", name: str = "Dana Dev", vulnerabilities: bool = False,
             password: str = PASSWORD) -> StaffUser:
        with app.app_context():
            user = create_user(email, name, password, can_see_vulnerabilities=vulnerabilities)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user
    return make


@pytest.fixture
def staff(make_staff) -> StaffUser:
    return make_staff()


@pytest.fixture
def console(app, client, staff) -> ConsoleClient:
    return ConsoleClient(client, staff.email)


@pytest.fixture
def make_portal(app):
    def make(domain: str = "shop.bitrix24.ru", **fields) -> int:
        with app.app_context():
            n = next(_numbers)
            portal = Portal(member_id=fields.pop("member_id", f"member{n:04d}{'a' * 20}"), domain=domain,
                            status=fields.pop("status", "active"), app_version=fields.pop("app_version", 3),
                            app_status=fields.pop("app_status", "P"), installed_at=utcnow() - timedelta(days=30),
                            last_seen_at=utcnow(), client_endpoint=f"https://{domain}/rest/", settings={}, **fields)
            db.session.add(portal)
            portal.record("created", new=domain)
            db.session.commit()
            return portal.id
    return make


@pytest.fixture
def make_ticket(app):
    def make(portal_id: int, **fields) -> str:
        with app.app_context():
            number = fields.pop("number", f"TU-2026-{next(_numbers):05d}")
            ticket = Ticket(number=number, portal_id=portal_id,
                            contact_email=fields.pop("contact_email", "ann@shop.test"),
                            user_name=fields.pop("user_name", "Ann Buyer"),
                            what_done=fields.pop("what_done", "Opened the payment form"),
                            what_expected=fields.pop("what_expected", "A QR code"),
                            what_obtained=fields.pop("what_obtained", "An empty page"),
                            context=fields.pop("context", {"placement": "DEFAULT_SUPPORT", "app": {"version": 3}}),
                            **fields)
            db.session.add(ticket)
            db.session.commit()
            return number
    return make


@pytest.fixture
def make_contract(app):
    def make(number: str, portal_id: int | None = None, hours: int = 8, valid_from: date | None = None,
             valid_to: date | None = None) -> int:
        with app.app_context():
            today = utcnow().date()
            contract = Contract(number=number, portal_id=portal_id, customer="Shop LLC",
                                valid_from=valid_from or today - timedelta(days=10),
                                valid_to=valid_to or today + timedelta(days=300), reaction_hours=hours)
            db.session.add(contract)
            db.session.commit()
            return contract.id
    return make


class FakePortalRest:
    """A Bitrix24 portal's REST endpoint on 127.0.0.1: answers app.info and batch like the real one."""

    def __init__(self, version: int = 5):
        from flask import Flask, jsonify, request

        self.version = version
        self.calls: list[tuple[str, dict]] = []
        rest = Flask("fake_portal")
        timing = {"start": 0, "finish": 0, "duration": 0.01, "processing": 0.01,
                  "date_start": "2026-01-01T00:00:00+00:00", "date_finish": "2026-01-01T00:00:00+00:00"}

        @rest.post("/rest/<method>.json")
        def call(method: str):
            body = request.get_json(silent=True) or {}
            self.calls.append((method, body))
            if method == "app.info":
                return jsonify(result={"ID": 7, "CODE": "local.test.app", "VERSION": self.version, "STATUS": "P",
                                       "INSTALLED": True, "PAYMENT_EXPIRED": "N", "DAYS": None,
                                       "LICENSE": "ru_project", "LICENSE_FAMILY": "project"}, time=timing)
            if method == "batch":
                done = {name: True for name in body.get("cmd", {})}
                return jsonify(result={"result": done, "result_error": [], "result_total": [], "result_next": [],
                                       "result_time": {}}, time=timing)
            return jsonify(error="ERROR_METHOD_NOT_FOUND", error_description="Method not found"), 404

        from tests.conftest import LiveServer

        self.server = LiveServer(rest).start()
        self.url = self.server.url


@pytest.fixture
def fake_portal_rest():
    rest = FakePortalRest()
    yield rest
    rest.server.stop()
