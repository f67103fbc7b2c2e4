"""The small table ops keeps in the shared database: rate-limit windows (counters live in prometheus_client)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from database import db


class RateLimitWindow(db.Model):
    """Requests counted for one key in one fixed window; shared by every worker through the database."""

    __tablename__ = "rate_limit_window"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # "<name>:<subject>:<window index>"
    hits: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def upsert_add(conn, table, key: dict, column: str, amount: int, **extra) -> int:
    """``INSERT ... ON CONFLICT DO UPDATE column = column + amount RETURNING column``: one atomic statement.

    Both PostgreSQL and SQLite (3.35+) do this in one round trip, so concurrent workers never lose a count.
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**key, **{column: amount}, **extra)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={column: getattr(table.c, column) + amount}
    ).returning(getattr(table.c, column))
    return int(conn.execute(statement).scalar_one())
