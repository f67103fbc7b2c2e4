"""What the incident store announces, so the layers above it (delivery's outbox) react without tickets importing them.

``ticket_event`` is sent with the Ticket as sender and ``event`` (one of EVENTS) and ``reply`` (the Reply, or None)
inside the transaction that caused it. Receivers add to that transaction and never commit: delivery writes its
outbox rows there, so a ticket is never filed without its messages, nor a message queued for a ticket rolled back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blinker import Namespace

if TYPE_CHECKING:
    from tickets.models import Reply, Ticket

EVENTS = ("ticket_created", "user_followup", "staff_reply", "status_changed", "fixed_by_update", "planned_overdue")

_signals = Namespace()
ticket_event = _signals.signal("ticket-event")


def announce(ticket: Ticket, event: str, reply: Reply | None = None) -> None:
    """Tell the receivers that ``event`` happened to ``ticket`` (with ``reply`` for the reply events)."""
    if event not in EVENTS:
        raise ValueError(f"unknown ticket event {event}")
    ticket_event.send(ticket, event=event, reply=reply)
