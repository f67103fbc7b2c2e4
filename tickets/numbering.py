"""Human ticket numbers (TU-2026-000042): one counter row per prefix and year, locked while a number is taken."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from database import db, utcnow
from tickets.models import TicketSequence


def next_number(prefix: str | None = None) -> str:
    """Take the next number for ``prefix`` (default: setting TICKET_PREFIX) in the caller's transaction.

    The counter row stays locked until the caller commits, so call this just before the ticket is
    written: two submissions can then never share a number, and a rolled-back filing leaves no gap.
    """
    prefix = prefix or current_app.config["TICKET_PREFIX"]
    year = utcnow().year
    session = db.session
    dialect = session.get_bind().dialect.name
    _ensure_row(dialect, prefix, year)
    where = (TicketSequence.prefix == prefix, TicketSequence.year == year)
    if dialect == "postgresql":
        session.execute(select(TicketSequence.id).where(*where).with_for_update())
    # On SQLite this UPDATE is the transaction's first write, so it waits for and takes the database
    # write lock before reading last_value; on PostgreSQL the row lock above is already held.
    value = session.execute(
        update(TicketSequence)
        .where(*where)
        .values(last_value=TicketSequence.last_value + 1)
        .returning(TicketSequence.last_value)
    ).scalar_one()
    return format_number(prefix, year, value)


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:06d}"


def _ensure_row(dialect: str, prefix: str, year: int) -> None:
    """Create the year's counter once; a concurrent creator is not an error (ON CONFLICT DO NOTHING)."""
    values = {"prefix": prefix, "year": year, "last_value": 0}
    if dialect == "postgresql":
        statement = postgresql.insert(TicketSequence).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(TicketSequence).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"ticket numbering does not support {dialect}")
    db.session.execute(statement)
