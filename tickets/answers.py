"""The vendor's side of a ticket: answers of the policy's kinds (§3.2), internal notes, assignment, status.

Each function changes the session but does not commit: the caller commits once, so the change and the
outbox messages queued for it (``tickets.signals.announce``; delivery listens) land in the same transaction
(or not at all).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Protocol
from urllib.parse import urlsplit

from database import db, utcnow
from tickets import signals
from tickets.models import ANSWER_KINDS, TICKET_STATUSES, Reply, Ticket
from tickets.status import AFTER_STAFF_ANSWER, follow_the_work, move

MAX_BODY = 20_000
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+\-_]{0,31}$")


class StaffMember(Protocol):
    id: int


class AnswerInvalid(ValueError):
    """Bad input; ``errors`` maps each form field to a code of i18n_labels.LABELS."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def clean_answer_data(kind: str, data: dict[str, Any]) -> dict[str, str]:
    """The data ``kind`` carries, checked: a version, an ISO date, an http(s) link. Raises AnswerInvalid."""
    if kind not in ANSWER_KINDS:
        raise AnswerInvalid({"kind": "answer_kind_unknown"})
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for name in ANSWER_KINDS[kind]:
        value = str((data or {}).get(name) or "").strip()
        if name == "version":
            if not VERSION_RE.match(value):
                errors[name] = "answer_version_invalid"
        elif name == "date":
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                errors[name] = "answer_date_invalid"
        elif name == "link":
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 1024:
                errors[name] = "answer_link_invalid"
        clean[name] = value
    if errors:
        raise AnswerInvalid(errors)
    return clean


def answer(ticket: Ticket, staff: StaffMember, kind: str, body: str, data: dict[str, Any] | None = None) -> Reply:
    """Answer the user with one of the policy's kinds; the first answer is the ticket's reaction time."""
    clean = clean_answer_data(kind, data or {})
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise AnswerInvalid({"body": "answer_body_too_long"})
    if not body and not ANSWER_KINDS[kind]:
        # A workaround or a recommendation without words says nothing.
        raise AnswerInvalid({"body": "answer_body_required"})
    reply = Reply(author="staff", staff_user_id=staff.id, kind=kind, body=body, data=clean, internal=False)
    ticket.replies.append(reply)
    now = utcnow()
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.updated_at = now
    # The answer itself tells the user; the status move is history only (no second mail).
    follow_the_work(ticket, AFTER_STAFF_ANSWER, staff.id)
    db.session.flush()
    signals.announce(ticket, "staff_reply", reply)
    return reply


def add_note(ticket: Ticket, staff: StaffMember, body: str) -> Reply:
    """An internal note: staff only, never sent or shown to the user, so nothing is queued for delivery."""
    body = (body or "").strip()
    if not body:
        raise AnswerInvalid({"body": "answer_body_required"})
    if len(body) > MAX_BODY:
        raise AnswerInvalid({"body": "answer_body_too_long"})
    reply = Reply(author="staff", staff_user_id=staff.id, kind="note", body=body, data={}, internal=True)
    ticket.replies.append(reply)
    db.session.flush()
    return reply


def change_status(ticket: Ticket, staff: StaffMember, status: str) -> Reply | None:
    """Move the ticket to ``status``; the user is told. Returns the internal history line, or None if unchanged."""
    if status not in TICKET_STATUSES:
        raise AnswerInvalid({"status": "status_unknown"})
    line = move(ticket, status, staff.id)
    if line is None:
        return None
    db.session.flush()
    signals.announce(ticket, "status_changed", None)
    return line


def assign(ticket: Ticket, staff: StaffMember, assignee: StaffMember | None) -> Reply | None:
    """Give the ticket to ``assignee`` (None: nobody); an internal history line, nothing sent to the user."""
    new_id = assignee.id if assignee is not None else None
    if new_id == ticket.assignee_id:
        return None
    line = Reply(author="system", staff_user_id=staff.id, kind="assigned", body="",
                 data={"from": ticket.assignee_id, "to": new_id}, internal=True)
    ticket.assignee_id = new_id
    ticket.replies.append(line)
    db.session.flush()
    return line
