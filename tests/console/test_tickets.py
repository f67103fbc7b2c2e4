"""The ticket inbox, the ticket page, answers of the policy's kinds, notes, status, assignment, reaction times."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from database import db, utcnow
from tests.console.conftest import ConsoleClient
from tickets.inbox import InboxFilters, inbox_page, reaction_stats
from tickets.models import Attachment, Reply, Ticket

EN = {"Accept-Language": "en"}


def _numbers(html: str) -> list[str]:
    return re.findall(r'data-ticket="([^"]+)"', html)


@pytest.fixture
def desk(app, make_portal, make_ticket, make_contract):
    """Tickets on two portals: overdue, fresh, answered, closed, and a vulnerability report."""
    now = utcnow()
    shop = make_portal("shop.bitrix24.ru")
    cafe = make_portal("cafe.bitrix24.kz")
    make_contract("C-8H", shop, hours=8)
    return {
        "shop": shop, "cafe": cafe,
        "late": make_ticket(shop, number="TU-2026-00101", contract_number="C-8H", created_at=now - timedelta(hours=10),
                            what_obtained="QR code never appears"),
        "fresh": make_ticket(shop, number="TU-2026-00102", contract_number="C-8H", created_at=now - timedelta(hours=2)),
        "answered": make_ticket(cafe, number="TU-2026-00103", status="in_progress",
                                created_at=now - timedelta(hours=30), first_response_at=now - timedelta(hours=27)),
        "closed": make_ticket(cafe, number="TU-2026-00104", status="closed", created_at=now - timedelta(days=3)),
        "vuln": make_ticket(shop, number="TU-2026-00105", category="vulnerability",
                            what_obtained="XSS in the support form", created_at=now - timedelta(hours=1)),
    }


def test_the_inbox_lists_tickets_newest_first_without_vulnerability_reports(console, desk):
    html = console.get("/console/tickets", headers=EN).get_data(as_text=True)
    assert _numbers(html) == ["TU-2026-00102", "TU-2026-00101", "TU-2026-00103", "TU-2026-00104"]
    assert "Found: 4" in html
    assert "Found: 1" in console.get("/console/tickets?overdue=1", headers=EN).get_data(as_text=True)
    assert "XSS" not in html and "vulnerability" not in html


INBOX_CASES = [
    ("status=open", ["TU-2026-00102", "TU-2026-00101", "TU-2026-00103"]),
    ("status=closed", ["TU-2026-00104"]),
    ("portal=cafe.bitrix24.kz", ["TU-2026-00103", "TU-2026-00104"]),
    ("category=consultation", []),
    ("overdue=1", ["TU-2026-00101"]),
    ("q=tu-2026-00103", ["TU-2026-00103"]),
    ("q=never appears", ["TU-2026-00101"]),
    ("assignee=none&status=closed", ["TU-2026-00104"]),
    ("sort=number&dir=asc", ["TU-2026-00101", "TU-2026-00102", "TU-2026-00103", "TU-2026-00104"]),
    ("per_page=1&page=2", ["TU-2026-00101"]),
    ("category=vulnerability", []),
]


def test_inbox_filters_and_search(console, desk):
    for query, expected in INBOX_CASES:
        assert _numbers(console.get(f"/console/tickets?{query}").get_data(as_text=True)) == expected, query


def test_overdue_tickets_are_marked_against_the_promised_hours(console, desk):
    html = console.get("/console/tickets", headers=EN).get_data(as_text=True)
    late_row = html.split('data-ticket="TU-2026-00101"')[0].rsplit("<tr", 1)[1]
    fresh_row = html.split('data-ticket="TU-2026-00102"')[0].rsplit("<tr", 1)[1]
    assert "is-overdue" in late_row and "is-overdue" not in fresh_row


def test_the_overdue_rule_uses_the_default_hours_without_a_contract(app, make_portal, make_ticket):
    portal = make_portal()
    make_ticket(portal, number="TU-2026-00201", created_at=utcnow() - timedelta(hours=25))
    make_ticket(portal, number="TU-2026-00202", created_at=utcnow() - timedelta(hours=23))
    with app.app_context():
        rows = inbox_page(InboxFilters(overdue=True)).items
    assert [r.ticket.number for r in rows] == ["TU-2026-00201"] and rows[0].promised_hours == 24


def test_staff_allowed_to_see_vulnerabilities_see_them_everywhere(app, client, desk, make_staff):
    sec = make_staff("sec@vendor.test", "Sam Sec", vulnerabilities=True)
    console = ConsoleClient(client, sec.email)
    assert "TU-2026-00105" in _numbers(console.get("/console/tickets").get_data(as_text=True))
    assert console.get("/console/tickets?category=vulnerability").status_code == 200
    assert "XSS in the support form" in console.get("/console/tickets/TU-2026-00105").get_data(as_text=True)


def test_a_vulnerability_report_is_404_for_other_staff_and_its_actions_too(app, console, desk):
    assert console.get("/console/tickets/TU-2026-00105").status_code == 404
    assert console.post("/console/tickets/TU-2026-00105/answer",
                        {"kind": "workaround", "body": "x"}).status_code == 404
    with app.app_context():
        assert db.session.execute(select(Reply)).first() is None


def test_the_ticket_page_shows_fields_context_and_hides_operator_connection_data(app, console, make_portal,
                                                                                make_ticket):
    portal = make_portal()
    number = make_ticket(portal, operator="Payme", operator_connection="merchant=77; key=SUPER-SECRET-KEY",
                         context={"placement": "CRM_DEAL_DETAIL_TOOLBAR", "user": {"id": 9, "admin": True},
                                  "browser": {"languages": ["ru", "en"]}})
    html = console.get(f"/console/tickets/{number}", headers=EN).get_data(as_text=True)
    assert "SUPER-SECRET-KEY" not in html and "merchant=77" not in html
    assert "stored encrypted and never shown" in html
    assert "user.id" in html and "browser.languages" in html and "ru, en" in html
    assert "An empty page" in html and "Payme" in html
    assert "SUPER-SECRET-KEY" not in console.get("/console/tickets", headers=EN).get_data(as_text=True)


def test_answer_fixed_in_version_is_stored_for_the_user_and_starts_the_reaction_clock(app, console, desk, staff):
    response = console.post("/console/tickets/TU-2026-00101/answer",
                            {"kind": "fixed_in_version", "version": "2.4.1", "body": "Update the app, please."})
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == "TU-2026-00101")).scalar_one()
        reply, moved = ticket.replies[-2:]
        assert (reply.author, reply.kind, reply.internal, reply.data) == ("staff", "fixed_in_version", False,
                                                                         {"version": "2.4.1"})
        # The answer hands the ticket to the user, and the history says so.
        assert ticket.status == "waiting_for_user"
        assert (moved.kind, moved.internal, moved.data) == (
            "status_changed", True, {"from": "new", "to": "waiting_for_user", "automatic": True})
        assert reply.staff_user_id == staff.id
        first = ticket.first_response_at
        assert first is not None and 9.9 < (first - ticket.created_at).total_seconds() / 3600 < 10.1
    console.post("/console/tickets/TU-2026-00101/answer", {"kind": "consultation", "body": "More detail."})
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == "TU-2026-00101")).scalar_one()
        assert ticket.first_response_at == first and len(ticket.replies) == 3  # no second move
    html = console.get("/console/tickets/TU-2026-00101", headers=EN).get_data(as_text=True)
    assert "Fixed in version" in html and "2.4.1" in html and "10.0 h" in html
    assert "is-overdue" not in console.get("/console/tickets?overdue=1").get_data(as_text=True)


BAD_ANSWERS = [
    ({"kind": "fixed_in_version", "version": ""}, "version", "Give a version"),
    ({"kind": "planned_release", "date": "next week"}, "date", "YYYY-MM-DD"),
    ({"kind": "known_issues_link", "link": "javascript:alert(1)"}, "link", "https://"),
    ({"kind": "update_available", "version": "3.0", "link": "ftp://x"}, "link", "https://"),
    ({"kind": "workaround", "body": "  "}, "body", "Write the text"),
    ({"kind": "teleport", "body": "x"}, "kind", "Pick a kind"),
]


def test_a_bad_answer_is_refused_field_by_field_and_nothing_is_stored(app, console, desk):
    for form, field, message in BAD_ANSWERS:
        response = console.post("/console/tickets/TU-2026-00101/answer", form, headers=EN)
        assert response.status_code == 400, form
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html, form
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == "TU-2026-00101")).scalar_one()
        assert ticket.replies == [] and ticket.first_response_at is None


def test_an_answer_without_the_csrf_token_is_refused(app, console, desk):
    response = console.client.post("/console/tickets/TU-2026-00101/answer",
                                   data={"kind": "workaround", "body": "Restart"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(select(Reply)).first() is None


def test_an_internal_note_is_kept_from_the_user_and_is_no_answer(app, console, desk):
    assert console.post("/console/tickets/TU-2026-00102/note", {"note": "Looks like the Payme callback"}
                        ).status_code == 302
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == "TU-2026-00102")).scalar_one()
        assert [(r.kind, r.internal) for r in ticket.replies] == [("note", True)]
        assert ticket.first_response_at is None
    assert console.post("/console/tickets/TU-2026-00102/note", {"note": ""}).status_code == 400


def test_status_changes_are_kept_in_the_history(app, console, desk):
    console.post("/console/tickets/TU-2026-00102/status", {"status": "resolved"})
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == "TU-2026-00102")).scalar_one()
        assert ticket.status == "resolved" and ticket.resolved_at is not None
        assert ticket.replies[-1].data == {"from": "new", "to": "resolved"} and ticket.replies[-1].internal
    assert console.post("/console/tickets/TU-2026-00102/status", {"status": "lost"}).status_code == 400


def test_assignment_and_the_assignee_filter(app, console, desk, make_staff):
    ivan = make_staff("ivan@vendor.test", "Ivan Ops")
    console.post("/console/tickets/TU-2026-00103/assign", {"assignee": str(ivan.id)})
    assert _numbers(console.get(f"/console/tickets?assignee={ivan.id}").get_data(as_text=True)) == ["TU-2026-00103"]
    assert "Ivan Ops" in console.get("/console/tickets/TU-2026-00103").get_data(as_text=True)
    assert console.post("/console/tickets/TU-2026-00103/assign", {"assignee": "999"}).status_code == 400
    console.post("/console/tickets/TU-2026-00103/assign", {"assignee": ""})
    with app.app_context():
        assert db.session.execute(select(Ticket.assignee_id).where(Ticket.number == "TU-2026-00103")).scalar() is None


def test_reaction_average_and_median_per_contract(app, make_portal, make_ticket, make_contract):
    portal = make_portal()
    make_contract("C-R", portal, hours=4)
    now = utcnow()
    for hours in (1, 2, 9):
        make_ticket(portal, contract_number="C-R", created_at=now - timedelta(hours=hours + 1),
                    first_response_at=now - timedelta(hours=1))
    make_ticket(portal, contract_number="C-R", created_at=now)  # unanswered: not in the figures
    with app.app_context():
        stats = reaction_stats(["C-R", "C-NONE"])
    assert stats["C-R"].answered == 3 and stats["C-R"].within_promise == 2
    assert abs(stats["C-R"].average_hours - 4.0) < 0.01 and abs(stats["C-R"].median_hours - 2.0) < 0.01
    assert stats["C-NONE"].answered == 0 and stats["C-NONE"].average_hours is None


def test_the_video_attachment_is_served_with_range_requests(app, console, make_portal, make_ticket):
    portal = make_portal()
    number = make_ticket(portal)
    body = bytes(range(256)) * 40
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        Path(app.config["ATTACHMENT_DIR"]).mkdir(parents=True, exist_ok=True)
        (Path(app.config["ATTACHMENT_DIR"]) / "a1b2c3d4e5f6a7b8").write_bytes(body)
        att = Attachment(ticket_id=ticket.id, role="video", original_name="bug.webm", storage_name="a1b2c3d4e5f6a7b8",
                         content_type="video/webm", size=len(body), sha256=hashlib.sha256(body).hexdigest())
        db.session.add(att)
        db.session.commit()
        att_id = att.id
    html = console.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert f'<video controls preload="metadata" src="/console/tickets/{number}/attachments/{att_id}"' in html
    part = console.get(f"/console/tickets/{number}/attachments/{att_id}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == body[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    assert console.get(f"/console/tickets/TU-2026-00101/attachments/{att_id}").status_code == 404


def test_an_inbox_page_costs_the_same_number_of_queries_whatever_its_size(app, console, make_portal, make_ticket,
                                                                           make_contract, make_staff):
    from tests.console.test_portals import _count_queries

    ivan = make_staff("ivan@vendor.test", "Ivan Ops")
    for n in range(24):
        portal = make_portal(f"q{n:02d}.bitrix24.ru")
        make_contract(f"Q-{n}", portal)
        make_ticket(portal, contract_number=f"Q-{n}", assignee_id=ivan.id if n % 2 else None)
    small = _count_queries(app, lambda: console.get("/console/tickets?per_page=2"))
    large = _count_queries(app, lambda: console.get("/console/tickets?per_page=24"))
    assert small == large <= 6  # staff, count, rows, staff directory (+ the session's own)


def test_a_link_that_is_not_http_is_never_made_clickable(console, make_portal, make_ticket):
    number = make_ticket(make_portal(), video_url="javascript:alert(1)")
    html = console.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


def test_counting_stops_at_the_cap_and_paging_still_knows_what_follows(app, make_portal, make_ticket):
    portal = make_portal()
    for n in range(5):
        make_ticket(portal, number=f"TU-2026-0030{n}")
    with app.app_context():
        first = inbox_page(InboxFilters(), 1, 2, cap=3)
        last = inbox_page(InboxFilters(), 3, 2, cap=3)
        exact = inbox_page(InboxFilters(), 1, 2, cap=None)
    assert (first.total, first.total_capped, first.has_next) == (3, True, True)
    assert [r.ticket.number for r in last.items] == ["TU-2026-00300"] and not last.has_next
    assert (exact.total, exact.total_capped, exact.pages) == (5, False, 3)


def test_dead_deliveries_are_shown_and_can_be_retried_from_the_ticket_page(app, console, desk):
    from delivery.models import OutboxMessage

    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == "TU-2026-00101")).scalar_one()
        db.session.add(OutboxMessage(ticket_id=ticket.id, channel="webhook", event="ticket_created",
                                     idempotency_key="TU-2026-00101:test-dead", state="dead", attempts=10,
                                     last_error="HTTP 500 from the receiver", payload={"audience": "vendor"}))
        db.session.commit()
    page = console.get("/console/tickets/TU-2026-00101", headers=EN).get_data(as_text=True)
    assert "HTTP 500 from the receiver" in page and 'id="retry-deliveries"' in page

    refused = console.client.post("/console/tickets/TU-2026-00101/deliveries/retry")  # no CSRF token
    assert refused.status_code in (400, 403)
    response = console.post("/console/tickets/TU-2026-00101/deliveries/retry")

    assert response.status_code == 302
    with app.app_context():
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert (message.state, message.attempts) == ("pending", 0)
    page = console.get("/console/tickets/TU-2026-00101", headers=EN).get_data(as_text=True)
    assert "Failed messages are queued again." in page and 'id="retry-deliveries"' not in page


def test_the_status_follows_the_work_and_the_history_shows_each_move(app, console, desk):
    """An answer hands a new ticket to the user; the user's follow-up hands it back; another answer, to the user."""
    from tickets.filing import Author, add_followup

    def status() -> str:
        with app.app_context():
            return db.session.execute(select(Ticket.status).where(Ticket.number == "TU-2026-00102")).scalar_one()

    console.post("/console/tickets/TU-2026-00102/answer", {"kind": "consultation", "body": "Try the new form."})
    assert status() == "waiting_for_user"
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == "TU-2026-00102")).scalar_one()
        add_followup(ticket, "It still spins.", author=Author(7, "Ivan Sidorov"))
    assert status() == "in_progress"
    console.post("/console/tickets/TU-2026-00102/answer", {"kind": "workaround", "body": "Clear the cache."})
    assert status() == "waiting_for_user"

    html = console.get("/console/tickets/TU-2026-00102", headers=EN).get_data(as_text=True)
    moves = re.findall(r'data-kind="status_changed">.*?<p>(.*?)</p>', html, re.S)
    assert [" ".join(re.sub(r"<[^>]+>", "", m).split()) for m in moves] == [
        "new → waiting for the user (as the work moved)",
        "waiting for the user → in progress (as the work moved)",
        "in progress → waiting for the user (as the work moved)",
    ]
    assert "Ivan Sidorov" in html and "c_answer_" not in html
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == "TU-2026-00102")).scalar_one()
        # The reaction time is the first answer's, whatever the moves after it.
        first, second = [r.created_at for r in ticket.replies if r.author == "staff"]
        assert abs((ticket.first_response_at - first).total_seconds()) < 1 and ticket.first_response_at < second
