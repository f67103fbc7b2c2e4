"""The portal list (search, filters, sort, pages, constant SQL), its CSV, one portal and the actions on it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from b24.models import Portal, PortalEvent
from database import db, utcnow
from readmodels.portals import PortalFilters, portal_page


@pytest.fixture
def registry(make_portal, make_ticket, make_contract):
    """Three portals: one with a live contract and tickets, one expired, one without a contract."""
    today = utcnow().date()
    shop = make_portal("shop.bitrix24.ru", app_version=5, member_id="a" * 32)
    cafe = make_portal("cafe.bitrix24.kz", app_version=4, member_id="b" * 32)
    mill = make_portal("mill.bitrix24.by", app_version=5, member_id="c" * 32, status="blocked")
    make_contract("C-100", shop)
    make_contract("C-090", cafe, valid_from=today - timedelta(days=400), valid_to=today - timedelta(days=35))
    make_ticket(shop, status="new")
    make_ticket(shop, status="in_progress")
    make_ticket(shop, status="closed")
    make_ticket(shop, status="new", category="vulnerability")
    make_ticket(cafe, status="waiting_for_user", user_name="Carl Cafe", contact_email="carl@cafe.test")
    return {"shop": shop, "cafe": cafe, "mill": mill}


def _rows(html: str) -> list[str]:
    import re

    return re.findall(r'data-portal="([^"]+)"', html)


def test_the_list_shows_each_portal_with_its_contract_and_open_tickets(console, registry):
    html = console.get("/console/portals", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _rows(html) == ["b" * 32, "c" * 32, "a" * 32]  # sorted by domain: cafe, mill, shop
    assert "C-100" in html and "C-090" in html and "expired" in html
    assert 'status=open">2</a>' in html  # shop: new + in_progress; closed and the vulnerability report not counted


def test_open_counts_include_vulnerabilities_only_for_staff_who_may_see_them(app, registry):
    with app.app_context():
        hidden = {r.portal.domain: r.open_tickets for r in portal_page(PortalFilters()).items}
        shown = {r.portal.domain: r.open_tickets
                 for r in portal_page(PortalFilters(include_vulnerabilities=True)).items}
    assert hidden["shop.bitrix24.ru"] == 2 and shown["shop.bitrix24.ru"] == 3


LIST_CASES = [
    ("q=cafe", ["b" * 32]),
    ("q=" + "a" * 32, ["a" * 32]),
    ("status=blocked", ["c" * 32]),
    ("version=5", ["c" * 32, "a" * 32]),
    ("contract=active", ["a" * 32]),
    ("contract=expired", ["b" * 32]),
    ("contract=none", ["c" * 32]),
    ("sort=open_tickets&dir=desc", ["a" * 32, "b" * 32, "c" * 32]),
    ("sort=domain&dir=desc", ["a" * 32, "c" * 32, "b" * 32]),
    ("per_page=2&page=2", ["a" * 32]),
]


def test_search_filters_sort_and_pages(console, registry):
    for query, expected in LIST_CASES:
        assert _rows(console.get(f"/console/portals?{query}").get_data(as_text=True)) == expected, query


def test_bad_paging_input_falls_back_instead_of_failing(console, registry):
    assert console.get("/console/portals?page=x&per_page=-4&version=abc").status_code == 200
    assert console.get("/console/portals?page=99999999999999999999&per_page=999").status_code == 200


def _count_queries(app, call):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(app, console, make_portal, make_ticket,
                                                                    make_contract):
    for n in range(30):
        portal = make_portal(f"p{n:02d}.bitrix24.ru")
        make_ticket(portal)
        make_contract(f"K-{n}", portal)
    console.get("/console/portals?per_page=3")  # both measured with the versions filter's list already kept
    small = _count_queries(app, lambda: console.get("/console/portals?per_page=3"))
    large = _count_queries(app, lambda: console.get("/console/portals?per_page=30"))
    assert small == large
    assert large <= 6  # staff, count, rows, open counts, contracts (+ the session's own); versions kept 10 s


def test_the_csv_export_streams_every_matching_portal(app, console, registry):
    with app.app_context():
        portal = db.session.get(Portal, registry["shop"])
        portal.access_token, portal.refresh_token, portal.application_token = "SECRET-A", "SECRET-R", "SECRET-APP"
        db.session.commit()
    response = console.get("/console/portals.csv?version=5")
    assert response.mimetype == "text/csv" and response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["domain"] for r in rows] == ["mill.bitrix24.by", "shop.bitrix24.ru"]
    shop = rows[1]
    assert shop["contract"] == "C-100" and shop["contract_state"] == "active" and shop["open_tickets"] == "2"
    assert shop["token_health"] == "ok"
    assert "SECRET" not in response.get_data(as_text=True)  # tokens never leave the registry


def test_the_portal_page_shows_history_tickets_and_people(app, console, registry):
    with app.app_context():
        portal = db.session.get(Portal, registry["cafe"])
        portal.record("domain_changed", "old-cafe.bitrix24.kz", "cafe.bitrix24.kz")
        portal.record("version_updated", 3, 4)
        db.session.commit()
    html = console.get(f"/console/portals/{registry['cafe']}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "old-cafe.bitrix24.kz → cafe.bitrix24.kz" in html
    assert "3 → 4" in html
    assert "Carl Cafe" in html and "carl@cafe.test" in html
    assert "C-090" in html


def test_a_vulnerability_report_is_not_listed_on_the_portal_page_for_ordinary_staff(console, registry, app):
    html = console.get(f"/console/portals/{registry['shop']}").get_data(as_text=True)
    with app.app_context():
        from tickets.models import Ticket
        secret = db.session.execute(select(Ticket.number).where(Ticket.category == "vulnerability")).scalar_one()
    assert secret not in html


def test_unknown_portal_is_404(console):
    response = console.get("/console/portals/4242")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "No such portal." in response.get_data(as_text=True)


def test_block_and_unblock_are_recorded_in_the_history(app, console, registry, staff):
    url = f"/console/portals/{registry['shop']}"
    assert console.post(f"{url}/block", {"reason": "unpaid licence"}).status_code == 302
    with app.app_context():
        portal = db.session.get(Portal, registry["shop"])
        assert portal.status == "blocked"
        assert portal.history[-1].kind == "blocked" and staff.email in portal.history[-1].detail
    console.post(f"{url}/unblock")
    with app.app_context():
        portal = db.session.get(Portal, registry["shop"])
        assert portal.status == "active" and portal.history[-1].kind == "unblocked"


def test_blocking_twice_says_so_and_records_once(app, console, registry):
    url = f"/console/portals/{registry['mill']}"
    response = console.post(f"{url}/block", follow_redirects=True, headers={"Accept-Language": "en"})
    assert "already blocked" in response.get_data(as_text=True)
    with app.app_context():
        kinds = db.session.execute(select(PortalEvent.kind).where(
            PortalEvent.portal_id == registry["mill"])).scalars().all()
    assert "blocked" not in kinds


def test_an_action_without_the_csrf_token_is_refused_and_changes_nothing(app, console, registry):
    response = console.client.post(f"/console/portals/{registry['shop']}/block", data={"reason": "x"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Portal, registry["shop"]).status == "active"


def _point_at(app, portal_id: int, rest_url: str) -> None:
    with app.app_context():
        portal = db.session.get(Portal, portal_id)
        portal.client_endpoint = f"{rest_url}/rest/"
        portal.access_token = "access-1"
        portal.refresh_token = "refresh-1"
        portal.token_expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()


def test_check_now_asks_the_portal_and_records_its_version(app, console, registry, fake_portal_rest):
    _point_at(app, registry["cafe"], fake_portal_rest.url)
    response = console.post(f"/console/portals/{registry['cafe']}/check", follow_redirects=True,
                            headers={"Accept-Language": "en"})
    assert "The portal answered: version 5" in response.get_data(as_text=True)
    assert fake_portal_rest.calls[0] == ("app.info", {"auth": "access-1"})
    with app.app_context():
        portal = db.session.get(Portal, registry["cafe"])
        assert portal.app_version == 5 and portal.license == "ru_project"
        assert portal.history[-1].kind == "version_updated"


def test_bind_again_sends_the_placement_batch(app, console, registry, fake_portal_rest):
    _point_at(app, registry["cafe"], fake_portal_rest.url)
    response = console.post(f"/console/portals/{registry['cafe']}/bind", follow_redirects=True,
                            headers={"Accept-Language": "en"})
    assert "bound again" in response.get_data(as_text=True)
    method, body = fake_portal_rest.calls[0]
    assert method == "batch" and "bind_ONAPPUPDATE" in body["cmd"]
    assert any(k.startswith("bind_CRM_") for k in body["cmd"])
    with app.app_context():
        assert db.session.get(Portal, registry["cafe"]).history[-1].kind == "handlers_bound"


def test_check_now_on_a_portal_without_tokens_explains_the_failure(console, registry):
    response = console.post(f"/console/portals/{registry['mill']}/check", follow_redirects=True,
                            headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "That did not work" in response.get_data(as_text=True)
