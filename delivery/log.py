"""The per-ticket delivery log: what went where, when, in what state, after how many tries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from database import db
from delivery.models import OutboxMessage
from tickets.models import Ticket


@dataclass(frozen=True)
class DeliveryEntry:
    id: int
    event: str
    channel: str
    audience: str  # user | vendor
    recipient: str  # an address or chat id; "webhook"/"vendor" for the vendor's systems
    state: str  # pending | sending | sent | dead
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None  # stored already stripped of configured secrets


def delivery_log(ticket: Ticket, audience: str | None = None) -> list[DeliveryEntry]:
    """Every message queued for ``ticket``, oldest first; ``audience="user"`` keeps only what went to the user."""
    messages = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id).order_by(OutboxMessage.id)
    ).scalars()
    entries = []
    for m in messages:
        who = (m.payload or {}).get("audience", "vendor")
        if audience and who != audience:
            continue
        entries.append(DeliveryEntry(
            id=m.id, event=m.event, channel=m.channel, audience=who, recipient=m.recipient or "", state=m.state,
            attempts=m.attempts, created_at=m.created_at, sent_at=m.sent_at,
            next_attempt_at=m.next_attempt_at if m.state == "pending" else None, last_error=m.last_error,
        ))
    return entries
