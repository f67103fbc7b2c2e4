"""The REST call log the marketplace asks for: method, portal, HTTP status, error code, duration, time.

Never a token and never a parameter value (one could carry a token). Rows are written in their own short
transaction, so the request's transaction is neither committed early nor held open by the log.
(b24restdocs market/preparing-to-publish/common-requirements.md: keep REST requests and answers >= 3 days.)
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from datetime import datetime, timedelta

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import ForeignKey, Index, String, delete, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from database import db, utcnow

log = logging.getLogger(__name__)


class RestCall(db.Model):
    __tablename__ = "rest_call"
    __table_args__ = (Index("ix_rest_call_portal_at", "portal_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    member_id: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(128))
    http_status: Mapped[int | None]
    error_code: Mapped[str | None] = mapped_column(String(64))
    duration_ms: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # pruning by age


def record_call(*, portal_id: int | None, member_id: str | None, method: str, http_status: int | None,
                error_code: str | None, duration_ms: int) -> None:
    """Log one REST request. Inside a web request the row joins the process's journal, written a moment later
    together with the other requests' rows (off the page's time, one statement for many); elsewhere (CLI,
    workers) at once."""
    row = {"portal_id": portal_id, "member_id": member_id, "method": method[:128], "http_status": http_status,
           "error_code": (error_code or None) and error_code[:64], "duration_ms": duration_ms, "at": utcnow()}
    sink = g.get("rest_call_sink") if has_app_context() else None
    if sink is not None:  # a call made off the request's thread (b24.ahead): the request logs it, or the thread
        sink.append(row)
        return
    record_rows([row])


def record_rows(rows: list[dict]) -> None:
    """Rows gathered elsewhere (b24.ahead) too: a web request's go to the journal, anything else's are written."""
    if not rows:
        return
    if not has_request_context():
        _write(rows)
        return
    app = current_app._get_current_object()
    journal = app.extensions.get("rest_call_journal")
    if journal is None:
        journal = app.extensions.setdefault("rest_call_journal", _Journal(app))
    journal.add(rows)


JOURNAL_THREAD = "rest-call-log"  # the writer's thread name (bench/wsgi.py counts its statements)


def flush_journal(app) -> None:
    """Write what ``app``'s journal holds now and wait for a write under way (before its engine is disposed)."""
    journal = app.extensions.get("rest_call_journal")
    if journal is not None:
        journal.flush()


class _Journal:
    """A web process's REST log rows on their way to the table: a short-lived thread writes whatever gathered
    within REST_LOG_FLUSH_SECONDS in one INSERT, then ends when nothing more came; the rest is written when the
    process exits. A worker killed outright loses at most that last moment's rows (never a ticket: this is a log)."""

    def __init__(self, app):
        self._app = app
        self._rows: list[dict] = []
        self._lock = threading.Lock()  # the rows and the writer thread
        self._writing = threading.Lock()  # held while rows are written: flush() waits for a write under way
        self._writer: threading.Thread | None = None
        # Written at exit, without atexit keeping the app alive (tests make hundreds of apps).
        journal = weakref.ref(self)
        atexit.register(lambda: (kept := journal()) is not None and kept.flush())

    def add(self, rows: list[dict]) -> None:
        with self._lock:
            self._rows.extend(rows)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_while_rows, name=JOURNAL_THREAD, daemon=True)
                self._writer.start()

    def _write_while_rows(self) -> None:
        delay = self._app.config["REST_LOG_FLUSH_SECONDS"]
        while True:
            time.sleep(delay)
            with self._lock:
                if not self._rows:
                    self._writer = None
                    return
            self.flush()

    def flush(self) -> None:
        with self._writing:
            with self._lock:
                rows, self._rows = self._rows, []
            if rows:
                with self._app.app_context():
                    _write(rows)


def _write(rows: list[dict]) -> None:
    """A failing log never fails the calls it describes."""
    if not rows:
        return
    try:
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # The caller's own transaction may still hold a lock on portal that a waiting TRUNCATE or ALTER
                # queues behind; never wait long for the log (the row's FK check needs portal too).
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))
            conn.execute(insert(RestCall), rows)
    except SQLAlchemyError:
        log.warning("REST call log write failed for %d calls", len(rows), exc_info=True)


def recent_calls(portal_id: int, limit: int = 50) -> list[RestCall]:
    return list(db.session.execute(
        select(RestCall).where(RestCall.portal_id == portal_id).order_by(RestCall.at.desc(), RestCall.id.desc())
        .limit(limit)
    ).scalars())


def prune_calls(days: int | None = None) -> int:
    """Drop log rows older than REST_LOG_DAYS; the number dropped."""
    keep = days if days is not None else current_app.config["REST_LOG_DAYS"]
    with db.engine.begin() as conn:
        result = conn.execute(delete(RestCall).where(RestCall.at < utcnow() - timedelta(days=keep)))
    return result.rowcount or 0
