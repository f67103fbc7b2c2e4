"""Moving a ticket between statuses: one rule for the console's status control and for the moves the work makes.

Every move leaves an internal ``status_changed`` line, so the console's history shows each one. Policy §3.2
counts the reaction time from the first staff answer (``first_response_at``); the status says whose turn it is.
"""

from __future__ import annotations

from database import utcnow
from tickets.models import Reply, Ticket

# A staff answer hands the ticket to the user; the user's follow-up hands it back to the vendor.
AFTER_STAFF_ANSWER = {"new": "waiting_for_user", "in_progress": "waiting_for_user"}
AFTER_USER_FOLLOWUP = {"waiting_for_user": "in_progress"}


def move(ticket: Ticket, status: str, staff_user_id: int | None = None, *, automatic: bool = False) -> Reply | None:
    """Set ``status`` and record the move; None (and nothing recorded) when the ticket already has it."""
    if status == ticket.status:
        return None
    old = ticket.status
    ticket.status = status
    now = utcnow()
    ticket.updated_at = now
    if status in ("resolved", "closed"):
        ticket.resolved_at = ticket.resolved_at or now
    else:
        ticket.resolved_at = None
    data: dict[str, object] = {"from": old, "to": status}
    if automatic:
        data["automatic"] = True
    line = Reply(author="system", staff_user_id=staff_user_id, kind="status_changed", body="", data=data,
                 internal=True)
    ticket.replies.append(line)
    return line


def follow_the_work(ticket: Ticket, rule: dict[str, str], staff_user_id: int | None = None) -> Reply | None:
    """Apply one of the rules above: the move it names for the ticket's status, if any."""
    target = rule.get(ticket.status)
    return move(ticket, target, staff_user_id, automatic=True) if target else None
