"""Writing messages to the outbox inside the transaction that caused them.

Decision: *what* a message says is fixed at enqueue time, *how* it is worded is decided at send time.
``notify`` stores a whitelisted snapshot of the facts (the ticket as it was, the reply, the status change), so a
mail about "resolved" still says "resolved" when it leaves after the ticket was closed, and a later edit cannot
change what an earlier notification reports. Templates are rendered by the worker, which keeps the ticket-filing
transaction short and lets a wording fix reach messages still queued. The one fact read at send time is the vendor
Bitrix24 task id, which only exists once the first message for that ticket has gone out.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from sqlalchemy import distinct, func, select

import settings
from database import db
from delivery import channels
from delivery.facts import reply_facts, status_change, ticket_facts
from delivery.models import OutboxMessage
from tickets.models import Reply, Ticket
from tickets.signals import EVENTS, ticket_event

# Who hears about what: event -> [(channel, audience, template)]. "user" mail goes to the ticket's contact in the
# ticket's language; "vendor" messages go to the vendor's configured addresses in VENDOR_ALERT_LANGUAGE.
ROUTES: dict[str, list[tuple[str, str, str | None]]] = {
    "ticket_created": [
        ("email", "user", "user_ticket_created"),
        ("email", "vendor", "vendor_ticket_created"),
        ("telegram", "vendor", "vendor_ticket_created"),
        ("webhook", "vendor", None),
        ("bitrix24", "vendor", "vendor_ticket_created"),
    ],
    "user_followup": [
        ("email", "vendor", "vendor_user_followup"),
        ("telegram", "vendor", "vendor_user_followup"),
        ("webhook", "vendor", None),
        ("bitrix24", "vendor", "vendor_user_followup"),
    ],
    "staff_reply": [
        ("email", "user", "user_staff_reply"),
        ("webhook", "vendor", None),
    ],
    "status_changed": [
        ("email", "user", "user_status_changed"),
        ("webhook", "vendor", None),
        ("bitrix24", "vendor", "vendor_status_changed"),
    ],
    # releases/following.py: the portal's update reached the release that fixes the ticket.
    "fixed_by_update": [
        ("email", "user", "user_fixed_by_update"),
        ("webhook", "vendor", None),
        ("bitrix24", "vendor", "vendor_status_changed"),
    ],
    # A planned release's date passed with no release named (releases/following.py, flask releases flag-overdue).
    "planned_overdue": [
        ("email", "vendor", "vendor_planned_overdue"),
        ("webhook", "vendor", None),
    ],
}


def notify(ticket: Ticket, event: str, reply: Reply | None = None) -> list[OutboxMessage]:
    """Queue the messages that ``event`` on ``ticket`` causes, in the caller's session (not committed here).

    Internal replies (staff notes) cause nothing. Returns the queued messages (none when no channel is set up).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown delivery event {event}")
    if event in ("user_followup", "staff_reply") and reply is None:
        raise ValueError(f"{event} needs the reply")
    if reply is not None and reply.internal:
        return []
    config = current_app.config
    targets = [
        (channel, recipient, audience, template)
        for channel, audience, template in ROUTES[event]
        if channels.get(channel).enabled(config)
        for recipient in _recipients(channel, audience, ticket, config)
    ]
    if not targets:
        return []
    # Read the status history before anything flushes: a flush forgets the previous value.
    status = status_change(ticket) if event == "status_changed" else None
    if ticket.id is None or (reply is not None and reply.id is None):
        db.session.flush()  # ids are part of the idempotency key; flushing stays inside the caller's transaction
    event_ref = _event_ref(ticket, event, reply)
    facts = ticket_facts(ticket)
    keys = {target: idempotency_key(ticket.number, event, event_ref, target[0], target[1]) for target in targets}
    # notify() twice for the same event (a retried request, a double click) queues nothing new.
    known = set(db.session.execute(
        select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(list(keys.values())))
    ).scalars())
    queued = []
    for target, key in keys.items():
        channel, recipient, audience, template = target
        if key in known:
            continue
        payload: dict[str, Any] = {
            # Which occurrence of the event: "created", "reply:<id>", "status:<status>:<n>" (part of the key).
            "event_ref": event_ref,
            "template": template,
            "lang": ticket.language if audience == "user" else config["VENDOR_ALERT_LANGUAGE"],
            "audience": audience,
            "ticket": facts,
            "reply": reply_facts(reply) if reply is not None else None,
            "status": status,
        }
        message = OutboxMessage(
            ticket_id=ticket.id, channel=channel, event=event, recipient=recipient,
            idempotency_key=key, payload=payload,
        )
        db.session.add(message)
        queued.append(message)
    return queued


def listen() -> None:
    """Queue messages for every event the incident store announces (tickets.signals), in its transaction."""
    ticket_event.connect(_on_ticket_event, weak=False)


def _on_ticket_event(ticket: Ticket, event: str, reply: Reply | None = None) -> None:
    notify(ticket, event, reply)  # adds to the announcing session; the caller's one commit writes both


def idempotency_key(number: str, event: str, event_ref: str, channel: str, recipient: str) -> str:
    """Stable for one message across every re-send; the receiver drops a key it has seen."""
    digest = hashlib.sha256(f"{number}:{event}:{event_ref}:{channel}:{recipient}".encode()).hexdigest()
    return f"{number}:{digest[:40]}"


def _recipients(channel: str, audience: str, ticket: Ticket, config: dict[str, Any]) -> list[str]:
    if channel == "email":
        if audience == "user":
            return [ticket.contact_email] if ticket.contact_email else []
        return settings.csv(config["VENDOR_ALERT_EMAIL"])
    if channel == "telegram":
        return [str(config["TELEGRAM_CHAT_ID"])]
    return [channel if channel == "webhook" else "vendor"]


def _event_ref(ticket: Ticket, event: str, reply: Reply | None) -> str:
    if event == "ticket_created":
        return "created"
    if reply is not None:
        return f"reply:{reply.id}"
    # A ticket may reach the same status twice (reopened, resolved again): count the earlier changes.
    earlier = db.session.execute(
        select(func.count(distinct(OutboxMessage.payload["event_ref"].as_string()))).where(
            OutboxMessage.ticket_id == ticket.id, OutboxMessage.event == "status_changed"
        )
    ).scalar_one()
    return f"status:{ticket.status}:{earlier + 1}"
