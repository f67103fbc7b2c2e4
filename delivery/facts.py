"""What a message may say about a ticket: a whitelisted snapshot, so no secret can reach a channel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect

from redactor import redact_value
from tickets.models import Reply, Ticket

# Ticket columns a message may carry. operator_connection (payment-operator credentials) is deliberately absent:
# a whitelist means a column added later stays out of every channel until someone decides otherwise.
TICKET_FIELDS = (
    "number", "status", "category", "language", "contract_number", "operator", "what_done", "what_expected",
    "what_obtained", "video_url", "contact_email", "contact_telegram", "contact_phone", "user_name",
)


def ticket_facts(ticket: Ticket) -> dict[str, Any]:
    """The ticket as channels may see it: plain JSON, secrets left out."""
    facts: dict[str, Any] = {name: getattr(ticket, name) for name in TICKET_FIELDS}
    facts["portal"] = ticket.portal.domain if ticket.portal is not None else None
    facts["created_at"] = ticket.created_at.isoformat() if ticket.created_at else None
    facts["context"] = redact_value(ticket.context or {})  # the one redactor: no URL query, no credential key
    facts["attachments"] = [
        {"name": a.original_name, "size": a.size, "content_type": a.content_type} for a in ticket.attachments
    ]
    return facts


def reply_facts(reply: Reply) -> dict[str, Any]:
    return {
        "id": reply.id,
        "author": reply.author,
        "kind": reply.kind,
        "body": reply.body,
        "data": redact_value(reply.data or {}, urls=False),  # a staff link is sent whole, secrets never
        "created_at": reply.created_at.isoformat() if reply.created_at else None,
    }


def remember_previous_status() -> None:
    """Make SQLAlchemy load a ticket's old status when it is set, so a status mail can say what it was before."""
    if not event.contains(Ticket.status, "set", _status_set):
        event.listen(Ticket.status, "set", _status_set, active_history=True)


def _status_set(target, value, oldvalue, initiator):
    return value


def status_change(ticket: Ticket) -> dict[str, str | None]:
    """The status before and after, when the caller has not flushed the change yet; else just the new one."""
    history = inspect(ticket).attrs.status.history
    previous = history.deleted[0] if history.deleted else None
    return {"from": previous, "to": ticket.status}

