"""POST replies and status changes: each policy answer kind, notes, reaction time, and refusals that change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from database import db
from tickets.models import ANSWER_KINDS, Reply, Ticket

DATA = {"version": "3.4.1", "date": "2027-01-15", "link": "https://example.test/known-issues?q=pay#top"}


def _reply_count() -> int:
    return db.session.execute(select(func.count()).select_from(Reply)).scalar_one()


def _fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


@pytest.mark.parametrize("kind", list(ANSWER_KINDS))
def test_every_policy_answer_kind_is_accepted_with_its_data(client, auth, make_portal, make_ticket, kind):
    ticket = make_ticket(make_portal())
    data = {name: DATA[name] for name in ANSWER_KINDS[kind]}
    response = client.post(f"/api/v1/tickets/{ticket.number}/replies", headers=auth,
                           json={"kind": kind, "body": "See the details", "data": data})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["reply"]["kind"] == kind and body["reply"]["data"] == data
    assert body["reply"]["internal"] is False and body["reply"]["author"] == "staff"
    stored = _fresh(ticket)
    assert stored.first_response_at is not None
    assert [(r.kind, r.data, r.staff_user_id) for r in stored.replies if not r.internal] == [
        (kind, data, body["reply"]["staff_user_id"])]
    assert stored.status == "waiting_for_user"  # the answer hands the ticket to the user
    assert body["reply"]["staff_user_id"] is not None


def test_a_note_is_internal_and_does_not_count_as_the_reaction(client, auth, make_portal, make_ticket):
    ticket = make_ticket(make_portal())
    response = client.post(f"/api/v1/tickets/{ticket.number}/replies", headers=auth,
                           json={"kind": "note", "body": "Check the operator logs first"})
    assert response.status_code == 201
    assert response.get_json()["reply"]["internal"] is True
    stored = _fresh(ticket)
    assert stored.first_response_at is None and stored.status == "new"
    detail = client.get(f"/api/v1/tickets/{ticket.number}", headers=auth).get_json()
    assert [(r["kind"], r["internal"]) for r in detail["replies"]] == [("note", True)]


@pytest.mark.parametrize(("payload", "fields"), [
    ({"kind": "fixed_in_version", "body": "x"}, {"data.version"}),
    ({"kind": "fixed_in_version", "data": {"version": " 3.4"}}, {"data.version"}),
    ({"kind": "planned_release", "data": {"date": "20270115"}}, {"data.date"}),
    ({"kind": "planned_release", "data": {"date": "next week"}}, {"data.date"}),
    ({"kind": "update_available", "data": {"version": "2", "link": "javascript:alert(1)"}}, {"data.link"}),
    ({"kind": "workaround", "body": "   "}, {"body"}),
    ({"kind": "praise", "body": "Well done"}, {"kind"}),
    ({"body": "no kind"}, {"kind"}),
    ({"kind": "note", "body": 5}, {"body"}),
    ({"kind": "known_issues_link", "data": {"link": "https://x.test", "version": "1"}}, {"data.version"}),
    ({"kind": "consultation", "body": "ok", "data": "v1"}, {"data"}),
    ({"kind": "consultation", "body": "ok", "extra": 1}, {"extra"}),
])
def test_invalid_replies_are_422_per_field_and_store_nothing(client, auth, make_portal, make_ticket, payload, fields):
    ticket = make_ticket(make_portal())
    response = client.post(f"/api/v1/tickets/{ticket.number}/replies", headers=auth, json=payload)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_failed" and set(body["details"]) == fields
    assert _reply_count() == 0
    assert _fresh(ticket).first_response_at is None


def test_reply_body_must_be_a_json_object_of_the_right_content_type(client, auth, make_portal, make_ticket):
    ticket = make_ticket(make_portal())
    url = f"/api/v1/tickets/{ticket.number}/replies"
    response = client.post(url, headers=auth, data={"kind": "note", "body": "form"})
    assert response.status_code == 415 and response.get_json()["error"] == "unsupported_media_type"
    response = client.post(url, headers={**auth, "Content-Type": "application/json"}, data="{not json")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_json"
    response = client.post(url, headers=auth, json=["note"])
    assert response.status_code == 422 and "body" in response.get_json()["details"]
    assert _reply_count() == 0


def test_reply_to_unknown_ticket_is_404(client, auth):
    response = client.post("/api/v1/tickets/TU-0000-999999/replies", headers=auth,
                           json={"kind": "note", "body": "hello"})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_status_change_moves_the_ticket_and_stamps_resolution(client, auth, make_portal, make_ticket):
    ticket = make_ticket(make_portal())
    url = f"/api/v1/tickets/{ticket.number}/status"
    response = client.post(url, headers=auth, json={"status": "resolved"})
    assert response.status_code == 200
    assert response.get_json() == {"number": ticket.number, "status": "resolved", "changed": True}
    assert _fresh(ticket).resolved_at is not None
    again = client.post(url, headers=auth, json={"status": "resolved"}).get_json()
    assert again["changed"] is False
    reopened = client.post(url, headers=auth, json={"status": "in_progress"}).get_json()
    assert reopened["status"] == "in_progress" and _fresh(ticket).resolved_at is None
    history = [(r.kind, r.data, r.internal) for r in _fresh(ticket).replies]
    assert history == [("status_changed", {"from": "new", "to": "resolved"}, True),
                       ("status_changed", {"from": "resolved", "to": "in_progress"}, True)]


def test_a_token_acting_for_nobody_may_read_but_not_change(client, reader_auth, make_portal, make_ticket):
    ticket = make_ticket(make_portal())
    assert client.get(f"/api/v1/tickets/{ticket.number}", headers=reader_auth).status_code == 200
    for path, payload in (("replies", {"kind": "workaround", "body": "Try again"}), ("status", {"status": "closed"})):
        response = client.post(f"/api/v1/tickets/{ticket.number}/{path}", headers=reader_auth, json=payload)
        assert response.status_code == 403
        assert response.get_json()["error"] == "insufficient_scope"
    stored = _fresh(ticket)
    assert stored.status == "new" and _reply_count() == 0


def test_invalid_status_changes_nothing(client, auth, make_portal, make_ticket):
    ticket = make_ticket(make_portal())
    url = f"/api/v1/tickets/{ticket.number}/status"
    for payload in ({"status": "done"}, {}, {"status": None}, {"status": "closed", "why": "x"}):
        response = client.post(url, headers=auth, json=payload)
        assert response.status_code == 422, payload
        assert "details" in response.get_json()
    assert client.post(url, headers=auth, data="status=closed",
                       content_type="application/x-www-form-urlencoded").status_code == 415
    assert client.post("/api/v1/tickets/NOPE/status", headers=auth, json={"status": "closed"}).status_code == 404
    assert _fresh(ticket).status == "new"


def test_revoked_or_missing_token_cannot_change_anything(client, runner, make_portal, make_ticket, make_staff):
    ticket = make_ticket(make_portal())
    make_staff("leaver@vendor.test")
    created = runner.invoke(args=["api", "create-token", "gone", "--staff", "leaver@vendor.test"])
    plain = created.output.strip().splitlines()[-1]
    from api.models import ApiToken

    token_id = db.session.execute(select(ApiToken.id).where(ApiToken.name == "gone")).scalar_one()
    assert runner.invoke(args=["api", "revoke-token", str(token_id)]).exit_code == 0
    for headers in ({}, {"Authorization": f"Bearer {plain}"}):
        reply = client.post(f"/api/v1/tickets/{ticket.number}/replies", headers=headers,
                            json={"kind": "workaround", "body": "Try again"})
        status = client.post(f"/api/v1/tickets/{ticket.number}/status", headers=headers, json={"status": "closed"})
        assert reply.status_code == status.status_code == 401
    stored = _fresh(ticket)
    assert stored.status == "new" and _reply_count() == 0
