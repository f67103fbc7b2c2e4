"""What a message may say about a ticket: a whitelisted snapshot, so no secret can reach a channel."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect

if TYPE_CHECKING:
    from tickets.models import Reply, Ticket

# Ticket columns a message may carry. operator_connection (payment-operator credentials) is deliberately absent:
# a whitelist means a column added later stays out of every channel until someone decides otherwise.
TICKET_FIELDS = (
    "number", "status", "category", "language", "contract_number", "operator", "what_done", "what_expected",
    "what_obtained", "video_url", "contact_email", "contact_telegram", "contact_phone", "user_name",
)
# Keys in the placement context that could hold credentials, whatever a future placement puts there.
_SECRET_KEY = re.compile(r"token|auth|secret|passw|connection|refresh|session|key|cookie", re.IGNORECASE)


def ticket_facts(ticket: Ticket) -> dict[str, Any]:
    """The ticket as channels may see it: plain JSON, secrets left out."""
    facts: dict[str, Any] = {name: getattr(ticket, name) for name in TICKET_FIELDS}
    facts["portal"] = ticket.portal.domain if ticket.portal is not None else None
    facts["created_at"] = ticket.created_at.isoformat() if ticket.created_at else None
    facts["context"] = scrub(ticket.context or {})
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
        "data": scrub(reply.data or {}),
        "created_at": reply.created_at.isoformat() if reply.created_at else None,
    }


def remember_previous_status() -> None:
    """Make SQLAlchemy load a ticket's old status when it is set, so a status mail can say what it was before."""
    from tickets.models import Ticket

    if not event.contains(Ticket.status, "set", _status_set):
        event.listen(Ticket.status, "set", _status_set, active_history=True)


def _status_set(target, value, oldvalue, initiator):
    return value


def status_change(ticket: Ticket) -> dict[str, str | None]:
    """The status before and after, when the caller has not flushed the change yet; else just the new one."""
    history = inspect(ticket).attrs.status.history
    previous = history.deleted[0] if history.deleted else None
    return {"from": previous, "to": ticket.status}


def scrub(value: Any) -> Any:
    """Drop dict entries whose key looks like a credential, at any depth."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not _SECRET_KEY.search(str(k))}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value
