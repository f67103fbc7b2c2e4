"""notify(): what gets queued for each event, in the caller's transaction, with no secret in any payload."""

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from database import db
from delivery.models import OutboxMessage
from delivery.outbox import notify
from tests.delivery.delivery_peers import OPERATOR_SECRET, PORTAL_TOKEN
from tickets import answers
from tickets.models import Reply
from tickets.signals import announce


def queued() -> list[OutboxMessage]:
    return list(db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_new_ticket_queues_one_message_per_channel_and_recipient(delivery_config, file_ticket):
    ticket = file_ticket()
    rows = queued()
    assert sorted((m.channel, m.recipient, m.payload["audience"]) for m in rows) == [
        ("bitrix24", "vendor", "vendor"),
        ("email", "user@client.test", "user"),
        ("email", "vendor@desk.test", "vendor"),
        ("telegram", "-100777", "vendor"),
        ("webhook", "webhook", "vendor"),
    ]
    assert {m.ticket_id for m in rows} == {ticket.id}
    assert all(m.state == "pending" and m.event == "ticket_created" for m in rows)
    assert len({m.idempotency_key for m in rows}) == 5
    assert all(m.idempotency_key.startswith(ticket.number + ":") for m in rows)
    user_mail = next(m for m in rows if m.payload["audience"] == "user")
    assert user_mail.payload["lang"] == "ru" and user_mail.payload["template"] == "user_ticket_created"


def test_messages_belong_to_the_callers_transaction(delivery_config, file_ticket):
    file_ticket(commit=False)
    assert len(queued()) == 5
    db.session.rollback()
    assert queued() == []


def test_the_incident_store_reaches_the_outbox_by_its_signal_inside_its_own_transaction(delivery_config, file_ticket):
    """tickets.answers imports nothing of delivery: the outbox hears tickets.signals and adds to the same session,
    so a rolled-back answer leaves no message, and a committed one has its messages."""
    ticket = file_ticket()
    before = len(queued())
    staff = SimpleNamespace(id=None)  # the StaffMember protocol: the answer records who, here nobody
    answers.answer(ticket, staff, "consultation", "Press Save twice")
    assert sorted(m.channel for m in queued()[before:]) == ["email", "webhook"]
    db.session.rollback()
    assert len(queued()) == before
    assert db.session.execute(select(Reply).where(Reply.body == "Press Save twice")).first() is None
    answers.answer(db.session.merge(ticket), staff, "consultation", "Press Save twice")
    db.session.commit()
    assert sorted(m.channel for m in queued()[before:]) == ["email", "webhook"]


def test_an_unknown_ticket_event_is_refused_before_anyone_hears_it(delivery_config, file_ticket):
    with pytest.raises(ValueError, match="unknown ticket event"):
        announce(file_ticket(), "ticket_teleported")


def test_no_channel_configured_queues_nothing(app, file_ticket):
    file_ticket()
    assert queued() == []


def test_payloads_never_carry_secrets(delivery_config, file_ticket, add_reply):
    ticket = file_ticket()
    add_reply(ticket, author="user", body="More details")
    dumped = json.dumps([m.payload for m in queued()], ensure_ascii=False)
    assert OPERATOR_SECRET not in dumped
    assert PORTAL_TOKEN not in dumped
    assert "auth_id" not in dumped
    assert "Payme" in dumped and "app_version" in dumped  # the harmless facts are there


def test_replies_route_by_author_and_internal_notes_go_nowhere(delivery_config, file_ticket, add_reply):
    ticket = file_ticket()
    before = len(queued())
    add_reply(ticket, author="staff", body="internal note", internal=True)
    assert len(queued()) == before
    add_reply(ticket, author="staff", body="Fixed in 3.3")
    staff = [(m.channel, m.recipient) for m in queued()[before:]]
    assert sorted(staff) == [("email", "user@client.test"), ("webhook", "webhook")]
    add_reply(ticket, author="user", body="Thanks, one more thing")
    followup = sorted(m.channel for m in queued()[before + 2:])
    assert followup == ["bitrix24", "email", "telegram", "webhook"]


def test_the_same_status_twice_gives_two_distinct_messages(delivery_config, file_ticket):
    ticket = file_ticket()
    for status in ("resolved", "in_progress", "resolved"):
        ticket.status = status
        notify(ticket, "status_changed")
        db.session.commit()
    changes = [m for m in queued() if m.event == "status_changed" and m.channel == "email"]
    refs = [m.payload["event_ref"] for m in changes]
    assert refs == ["status:resolved:1", "status:in_progress:2", "status:resolved:3"]
    assert changes[0].payload["status"] == {"from": "new", "to": "resolved"}
    assert len({m.idempotency_key for m in changes}) == 3


def test_unknown_event_and_missing_reply_are_refused(delivery_config, file_ticket):
    ticket = file_ticket()
    with pytest.raises(ValueError, match="unknown delivery event"):
        notify(ticket, "ticket_deleted")
    with pytest.raises(ValueError, match="needs the reply"):
        notify(ticket, "staff_reply")


def test_notifying_the_same_event_twice_queues_nothing_new(delivery_config, file_ticket, add_reply):
    ticket = file_ticket()
    reply = add_reply(ticket, author="user", body="once")
    before = len(queued())
    assert notify(ticket, "ticket_created") == []
    assert notify(ticket, "user_followup", reply) == []
    db.session.commit()
    assert len(queued()) == before
