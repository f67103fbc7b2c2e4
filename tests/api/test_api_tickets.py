"""GET /api/v1/tickets and /tickets/{number}: filters, overdue, privacy of vulnerabilities and secrets."""

from __future__ import annotations

from datetime import timedelta

from database import utcnow


def _get(client, auth, path, **params):
    response = client.get(path, headers=auth, query_string=params)
    return response, response.get_json()


def _numbers(client, auth, **params) -> list[str]:
    response, body = _get(client, auth, "/api/v1/tickets", **params)
    assert response.status_code == 200, body
    return [item["number"] for item in body["items"]]


def test_ticket_list_is_newest_first_with_portal_deadline_and_overdue(client, auth, make_portal, make_contract,
                                                                     make_ticket):
    portal = make_portal(domain="shop.test")
    make_contract(portal, number="C-FAST", reaction_hours=2)
    now = utcnow()
    late = make_ticket(portal, contract_number="C-FAST", created_at=now - timedelta(hours=3))
    fresh = make_ticket(portal, created_at=now - timedelta(hours=1))  # default 24 h promise
    answered = make_ticket(portal, contract_number="C-FAST", created_at=now - timedelta(hours=5),
                           first_response_at=now - timedelta(hours=4, minutes=30), status="in_progress")
    response, body = _get(client, auth, "/api/v1/tickets")
    assert response.status_code == 200
    items = {item["number"]: item for item in body["items"]}
    assert [item["number"] for item in body["items"]] == [fresh.number, late.number, answered.number]
    assert items[late.number]["overdue"] is True and items[late.number]["reaction_hours"] == 2
    assert items[fresh.number]["overdue"] is False and items[fresh.number]["reaction_hours"] == 24
    assert items[answered.number]["overdue"] is False and items[answered.number]["reaction_minutes"] == 30
    assert items[late.number]["portal"] == {"member_id": portal.member_id, "domain": "shop.test"}
    assert "SECRET" not in response.get_data(as_text=True)
    assert _numbers(client, auth, overdue="true") == [late.number]
    assert _numbers(client, auth, overdue="false") == [fresh.number, answered.number]


def test_ticket_filters_and_search(client, auth, make_portal, make_ticket):
    one = make_portal(domain="one.test")
    two = make_portal(domain="two.test")
    a = make_ticket(one, status="new", category="error", contact_email="anna@corp.test")
    b = make_ticket(two, status="closed", category="consultation", user_name="Boris Petrov")
    c = make_ticket(two, status="new", category="contract", assignee_id=7)
    assert _numbers(client, auth, status="new") == [c.number, a.number]
    assert _numbers(client, auth, portal=two.member_id) == [c.number, b.number]
    assert _numbers(client, auth, category="consultation") == [b.number]
    assert _numbers(client, auth, assignee_id=7) == [c.number]
    assert _numbers(client, auth, q="ANNA@") == [a.number]
    assert _numbers(client, auth, q="petrov") == [b.number]
    assert _numbers(client, auth, status="open") == [c.number, a.number]
    assert _numbers(client, auth, q=a.number) == [a.number]
    assert _numbers(client, auth, portal="nobody") == []


def test_ticket_pages_by_cursor_walk_every_ticket_once(client, auth, make_portal, make_ticket):
    portal = make_portal()
    same_time = utcnow()
    made = [make_ticket(portal, created_at=same_time - timedelta(minutes=n // 2)).number for n in range(9)]
    seen, cursor = [], None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        _, body = _get(client, auth, "/api/v1/tickets", **params)
        seen += [item["number"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 9
    assert _numbers(client, auth, limit=4, offset=4) == seen[4:8]


def test_vulnerability_reports_are_private_to_staff_allowed_to_see_them(client, auth, reader_auth, security_auth,
                                                                         make_portal, make_ticket):
    portal = make_portal()
    visible = make_ticket(portal)
    private = make_ticket(portal, category="vulnerability")
    for headers in (auth, reader_auth):
        assert _numbers(client, headers) == [visible.number]
        assert _numbers(client, headers, category="vulnerability") == []
        response, body = _get(client, headers, f"/api/v1/tickets/{private.number}")
        assert response.status_code == 404
    response = client.post(f"/api/v1/tickets/{private.number}/status", headers=auth, json={"status": "closed"})
    assert response.status_code == 404
    assert _numbers(client, security_auth) == [private.number, visible.number]
    assert _numbers(client, security_auth, category="vulnerability") == [private.number]
    response, body = _get(client, security_auth, f"/api/v1/tickets/{private.number}")
    assert response.status_code == 200 and body["category"] == "vulnerability"
    response = client.post(f"/api/v1/tickets/{private.number}/status", headers=security_auth,
                           json={"status": "in_progress"})
    assert response.status_code == 200


def test_bad_ticket_parameters_are_400_with_details(client, auth):
    response, body = _get(client, auth, "/api/v1/tickets", status="opened", overdue="maybe", category="x",
                          assignee_id="-1", offset="-3")
    assert response.status_code == 400
    assert set(body["details"]) == {"status", "overdue", "category", "assignee_id", "offset"}
    response, body = _get(client, auth, "/api/v1/tickets", cursor="WyJhIiwxXQ")  # a portal cursor
    assert response.status_code == 400 and "cursor" in body["details"]


def test_ticket_page_has_full_context_replies_with_notes_flagged_and_never_operator_secrets(
        client, auth, make_portal, make_contract, make_ticket, add_reply):
    portal = make_portal(domain="ctx.test")
    make_contract(portal, number="C-CTX", reaction_hours=6)
    ticket = make_ticket(
        portal, contract_number="C-CTX", video_url="https://video.test/v.mp4",
        context={"app_version": 3, "placement": "CRM_DEAL_DETAIL_TOOLBAR", "auth_id": "AUTH-SECRET",
                 "user": {"id": 5, "access_token": "TOKEN-SECRET"}, "options": [{"refresh_id": "R-SECRET"}]},
    )
    add_reply(ticket, author="user", body="Here is more")
    add_reply(ticket, author="staff", kind="note", body="Looks like the operator's side", internal=True)
    add_reply(ticket, author="staff", kind="fixed_in_version", body="Update please", data={"version": "3.2"})
    response, body = _get(client, auth, f"/api/v1/tickets/{ticket.number}")
    assert response.status_code == 200
    assert body["number"] == ticket.number and body["operator"] == "Payme"
    assert body["what_done"] == "Paid an invoice" and body["video_url"] == "https://video.test/v.mp4"
    assert body["contract"]["number"] == "C-CTX" and body["reaction_hours"] == 6
    assert body["portal"]["domain"] == "ctx.test" and body["portal"]["token_health"] == "ok"
    assert body["context"] == {"app_version": 3, "placement": "CRM_DEAL_DETAIL_TOOLBAR", "user": {"id": 5},
                               "options": [{}]}
    assert [(r["kind"], r["internal"]) for r in body["replies"]] == [
        ("message", False), ("note", True), ("fixed_in_version", False)]
    assert body["replies"][2]["data"] == {"version": "3.2"}
    text = response.get_data(as_text=True)
    assert "operator_connection" not in text
    assert "SECRET" not in text and "secret" not in text


def test_unknown_ticket_is_404_json(client, auth):
    response, body = _get(client, auth, "/api/v1/tickets/TU-0000-000000")
    assert response.status_code == 404 and body["error"] == "not_found"
