"""The SQLAlchemy handle shared by every domain package, with stable constraint names for migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def utcnow() -> datetime:
    """Timestamps are stored naive in UTC, the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the delivery worker and the web process read while the other writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def changed() -> bool:
    """Whether the request's session holds anything to write (a value set to what it was is no change)."""
    session = db.session
    return bool(session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty))


@contextmanager
def keeping_loaded() -> Iterator[None]:
    """Commits inside the block leave the session's rows loaded: the request goes on to show what it just wrote,
    and SQLAlchemy's default (expire everything on commit) would reload each row with a query of its own."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = keep


def commit_keeping_loaded() -> None:
    with keeping_loaded():
        db.session.commit()
