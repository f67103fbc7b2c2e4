"""Answers for trouble outside the request's fault: a database outage is 503 "try again", never a 500.

Rendered by the one error module (errors.py), JSON or the error page by the client.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, request
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from database import db
from errors import error_response, machine_paths, retry_later
from ops.ratelimit import RateLimited

log = logging.getLogger(__name__)
DB_RETRY_AFTER = 5


def is_outage(exc: DBAPIError) -> bool:
    """Lost or refused connections (a restart, a failover), not a bug in a statement."""
    return isinstance(exc, OperationalError | InterfaceError) or bool(exc.connection_invalidated)


def _database_error(exc: DBAPIError):
    with contextlib.suppress(Exception):  # the connection is gone; the pool discards it
        db.session.rollback()
    if not is_outage(exc):
        log.exception("database error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", gettext(
            "Something went wrong on our side. Nothing was lost; try again."))
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.__class__.__name__)
    return retry_later(503, "database_unavailable", gettext(
        "The database is unavailable for a moment. Send again in a few seconds."), DB_RETRY_AFTER)


def _rate_limited(exc: RateLimited):
    return retry_later(429, "rate_limited", exc.description or "", exc.retry_after)


def release_session(_exc: BaseException | None) -> None:
    """End the request's session without letting a dead connection turn a finished answer into a 500.

    When the database restarts after a view has answered, the session's closing ROLLBACK fails; the answer
    (maybe "your ticket is TU-...", already committed) must still reach the user. Drop the dead connection
    instead. Runs before Flask-SQLAlchemy's own teardown, which then finds nothing left to close.
    """
    try:
        db.session.remove()
    except DBAPIError as exc:
        log.warning("database connection lost while closing the request's session: %s", exc.__class__.__name__)
        with contextlib.suppress(Exception):
            db.session.invalidate()
        with contextlib.suppress(Exception):
            db.session.remove()


def init_app(app: Flask) -> None:
    machine_paths(app, "/readyz", "/metrics")
    # Teardowns run last-registered first: this one precedes Flask-SQLAlchemy's (registered by db.init_app).
    app.teardown_appcontext(release_session)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(RateLimited, _rate_limited)
