"""Human ticket numbers (TU-2026-000042): one counter row per prefix and year, locked while a number is taken."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from database import db, utcnow
from tickets.models import TicketSequence


def next_number(prefix: str | None = None) -> str:
    """Take the next number for ``prefix`` (default: setting TICKET_PREFIX) in the caller's transaction.

    One upsert creates the year's counter at 1 or adds one to it, and returns the value. The counter row stays
    locked until the caller commits (PostgreSQL's ON CONFLICT DO UPDATE locks the row it updates; on SQLite the
    statement is the transaction's first write, so it takes the database's write lock before it reads), so call
    this just before the ticket is written: two submissions can then never share a number, and a rolled-back
    filing leaves no gap.
    """
    prefix = prefix or current_app.config["TICKET_PREFIX"]
    year = utcnow().year
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"ticket numbering does not support {dialect}")
    table = TicketSequence.__table__  # a Core statement: the ORM's bulk-insert path adds nothing to one row
    statement = (
        insert(table)
        .values(prefix=prefix, year=year, last_value=1)
        .on_conflict_do_update(index_elements=["prefix", "year"], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    return format_number(prefix, year, db.session.execute(statement).scalar_one())


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:06d}"
