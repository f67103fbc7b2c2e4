"""A page costs the same number of SQL queries whatever its size: no query per row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from database import db


@contextmanager
def counting(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _queries(app, client, auth, url: str) -> int:
    with counting(app) as statements:
        response = client.get(url, headers=auth)
    assert response.status_code == 200, response.get_json()
    return len(statements)


def _fill(make_portal, make_contract, make_ticket, add_reply, portals: int = 110) -> list:
    today = date.today()
    made = []
    for n in range(portals):
        portal = make_portal(domain=f"q{n:04d}.test")
        if n % 2:
            make_contract(portal, valid_to=today + timedelta(days=5 if n % 3 else 300))
        ticket = make_ticket(portal, status="new" if n % 4 else "closed")
        if n % 5 == 0:
            add_reply(ticket)
        made.append(ticket)
    return made


def test_portal_and_ticket_pages_cost_the_same_queries_for_10_and_100_rows(
        app, client, auth, make_portal, make_contract, make_ticket, add_reply):
    _fill(make_portal, make_contract, make_ticket, add_reply)
    client.get("/api/v1/portals", headers=auth)  # token last_used_at is written once; keep it out of the count
    for url in ("/api/v1/portals?limit={n}", "/api/v1/portals?limit={n}&contract=active",
                "/api/v1/tickets?limit={n}", "/api/v1/tickets?limit={n}&status=new&q=test"):
        small = _queries(app, client, auth, url.format(n=10))
        large = _queries(app, client, auth, url.format(n=100))
        assert small == large, url
        assert large <= 4, url


def test_ticket_and_portal_detail_cost_the_same_whatever_the_number_of_replies(
        app, client, auth, make_portal, make_contract, make_ticket, add_reply):
    portal = make_portal()
    make_contract(portal)
    few, many = make_ticket(portal), make_ticket(portal)
    add_reply(few)
    for _ in range(30):
        add_reply(many)
    for _ in range(25):
        make_ticket(portal)
    client.get("/api/v1/portals", headers=auth)
    assert _queries(app, client, auth, f"/api/v1/tickets/{few.number}") == \
        _queries(app, client, auth, f"/api/v1/tickets/{many.number}")
    other = make_portal()
    make_ticket(other)
    assert _queries(app, client, auth, f"/api/v1/portals/{portal.member_id}") == \
        _queries(app, client, auth, f"/api/v1/portals/{other.member_id}")
