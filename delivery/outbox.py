"""Writing messages to the outbox inside the transaction that caused them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from delivery.models import OutboxMessage
    from tickets.models import Reply, Ticket

EVENTS = ("ticket_created", "user_followup", "staff_reply", "status_changed")


def notify(ticket: Ticket, event: str, reply: Reply | None = None) -> list[OutboxMessage]:
    """Queue the messages that ``event`` on ``ticket`` causes, in the caller's session (not committed here).

    Filled in by the delivery work (issue 4); until then nothing is queued.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown delivery event {event}")
    return []
