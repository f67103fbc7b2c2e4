"""Staff-side operations on a ticket: answers of the policy's kinds, internal notes, status changes.

Each change queues its notification through delivery.outbox.notify in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from database import utcnow
from delivery.outbox import notify
from tickets.models import ANSWER_KINDS, TICKET_STATUSES, Reply, Ticket

NOTE = "note"
CLOSED_STATUSES = ("resolved", "closed")


def answer(ticket: Ticket, staff: Any, kind: str, body: str, data: dict[str, str] | None = None) -> Reply:
    """Add a staff answer (one of ANSWER_KINDS) or an internal note; the first answer stamps the reaction time."""
    if kind != NOTE and kind not in ANSWER_KINDS:
        raise ValueError(f"unknown answer kind {kind}")
    data = dict(data or {})
    missing = [name for name in ANSWER_KINDS.get(kind, ()) if not data.get(name)]
    if missing:
        raise ValueError(f"answer {kind} needs {', '.join(missing)}")
    now = utcnow()
    reply = Reply(author="staff", staff_user_id=getattr(staff, "id", None), kind=kind, body=body, data=data,
                  internal=kind == NOTE, created_at=now)
    ticket.replies.append(reply)
    ticket.updated_at = now
    if kind != NOTE:
        # Reaction time is measured to the first answer the user sees (policy §1), never to a note.
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        if ticket.status == "new":
            ticket.status = "in_progress"
        notify(ticket, "staff_reply", reply)
    return reply


def change_status(ticket: Ticket, staff: Any, status: str) -> bool:
    """Move the ticket to ``status``; False when it already was there (nothing queued)."""
    if status not in TICKET_STATUSES:
        raise ValueError(f"unknown ticket status {status}")
    if ticket.status == status:
        return False
    now = utcnow()
    ticket.status = status
    ticket.updated_at = now
    ticket.resolved_at = now if status in CLOSED_STATUSES else None
    notify(ticket, "status_changed")
    return True
