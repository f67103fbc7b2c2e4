"""What an operator does to the outbox by hand: retry a message that gave up, list what is queued."""

from __future__ import annotations

from sqlalchemy import select, update

from database import db, utcnow
from delivery.models import OutboxMessage


def retry(message_id: int) -> bool:
    """Put a dead (or waiting) message back in line now with a fresh set of attempts; False if there is none."""
    revived = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state.in_(("dead", "pending")))
        .values(state="pending", attempts=0, next_attempt_at=utcnow(), locked_by=None, locked_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(revived)


def retry_dead(ticket_id: int | None = None) -> int:
    """Revive every dead message (of one ticket, if given); returns how many."""
    query = update(OutboxMessage).where(OutboxMessage.state == "dead")
    if ticket_id is not None:
        query = query.where(OutboxMessage.ticket_id == ticket_id)
    revived = db.session.execute(
        query.values(state="pending", attempts=0, next_attempt_at=utcnow(), locked_by=None, locked_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return revived


def messages(state: str | None = None, limit: int = 200) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if state:
        query = query.where(OutboxMessage.state == state)
    return list(db.session.execute(query).scalars())
