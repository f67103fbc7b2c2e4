"""What a portal may read of the incident store: only its own tickets, answers and attachments."""

from __future__ import annotations

from sqlalchemy import select

from database import db
from tickets.models import Attachment, Reply, Ticket


def tickets_of_portal(portal_id: int, limit: int = 200) -> list[Ticket]:
    """The portal's tickets, newest first."""
    return list(db.session.execute(
        select(Ticket).where(Ticket.portal_id == portal_id).order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).scalars())


def ticket_of_portal(portal_id: int, number: str) -> Ticket | None:
    """A ticket by number, or None when it does not exist or belongs to another portal (the same answer)."""
    return db.session.execute(
        select(Ticket).where(Ticket.number == number, Ticket.portal_id == portal_id)
    ).scalar_one_or_none()


def attachment_of_portal(portal_id: int, attachment_id: int) -> Attachment | None:
    """An attachment of one of the portal's tickets, unless it hangs on an internal note."""
    attachment = db.session.execute(
        select(Attachment).join(Ticket, Attachment.ticket_id == Ticket.id)
        .where(Attachment.id == attachment_id, Ticket.portal_id == portal_id)
    ).scalar_one_or_none()
    if attachment is not None and attachment.reply is not None and attachment.reply.internal:
        return None
    return attachment


def public_replies(ticket: Ticket) -> list[Reply]:
    """The conversation as the user sees it: their follow-ups and the vendor's answers, never internal notes."""
    return [reply for reply in ticket.replies if not reply.internal and reply.kind != "note"]


def latest_answer(ticket: Ticket) -> Reply | None:
    """The vendor's most recent answer the user may see."""
    answers = [reply for reply in public_replies(ticket) if reply.author == "staff"]
    return answers[-1] if answers else None
