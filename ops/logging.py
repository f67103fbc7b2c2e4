"""Structured logs: one JSON line per request (method, path, status, timing, portal, ticket), on stderr.

The lines are python-json-logger's; every record is redacted first by the one redactor (ops.redaction over
``redactor``), so no token, secret or operator connection data is written.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from pythonjsonlogger import json
from pythonjsonlogger.core import RESERVED_ATTRS
from sqlalchemy import event, inspect
from werkzeug.wrappers import Response

from ops.redaction import filter_record, install_record_factory, redact, remember_secret, request_secrets
from redactor import redact_path
from tickets.models import Reply, Ticket

_watching = [False]


class JsonFormatter(json.JsonFormatter):
    """python-json-logger's formatter in our line shape: ts, level, logger, msg, then the ``fields`` given via
    ``extra`` (flattened), and ``exc``. The record is redacted first and the finished line once more."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields",
                          {"levelname": "level", "name": "logger", "message": "msg", "exc_info": "exc"})
        # ``fields`` is flattened below; ``_redacted`` is ops.redaction's mark on a cleaned record.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "fields", "_redacted"])
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("json_default", str)
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        filter_record.filter(record)  # a record made before the factory was installed is cleaned here
        return super().format(record)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["ts"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)
        log_data["level"] = record.levelname.lower()
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            log_data.update(fields)
        if record.exc_text:  # the redacted traceback, not one formatted afresh from exc_info
            log_data["exc"] = record.exc_text

    def serialize_log_record(self, log_data: dict[str, Any]) -> str:
        # ``fields`` arrive after the record is made: redact the finished line too.
        return redact(super().serialize_log_record(log_data), request_secrets())


REQUEST_LOGGER = "b24desk.request"
request_log = logging.getLogger(REQUEST_LOGGER)

def loggable_path(path: str) -> str:
    """The request path without its query string and with token-like segments masked."""
    return redact_path(path)


def _started() -> None:
    g._started_at = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("_started_at")
    fields: dict[str, Any] = {
        "event": "request",
        "method": request.method,
        "path": loggable_path(request.path),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "member_id": g.get("member_id"),
        "portal_id": g.get("portal_id"),
        "ticket": g.get("ticket_number"),
        "remote": request.remote_addr,
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    request_log.info(
        "%s %s %s", request.method, fields["path"], response.status_code, extra={"fields": fields}
    )
    return response


def _install_handler(app: Flask) -> None:
    """Root logs to stderr as JSON lines (LOG_FORMAT=json) or as plain text (LOG_FORMAT=text)."""
    root = logging.getLogger()
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    formatter: logging.Formatter = (
        JsonFormatter() if app.config["LOG_FORMAT"] == "json" else logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) in (sys.stderr, sys.stdout):
            handler.setFormatter(formatter)
        if filter_record not in handler.filters:
            handler.addFilter(filter_record)


def _watch_tickets() -> None:
    """A request that files a ticket or a reply names that ticket in its log line, whatever view did it."""
    def ticket_written(_mapper, _connection, ticket) -> None:
        if has_request_context():
            g.ticket_number = ticket.number
            g.portal_id = ticket.portal_id

    def reply_written(_mapper, _connection, reply) -> None:
        ticket = inspect(reply).attrs.ticket.loaded_value  # no lazy load inside a flush
        if has_request_context() and isinstance(ticket, Ticket):
            ticket_written(None, None, ticket)

    for target, hook in ((Ticket, ticket_written), (Reply, reply_written)):
        event.listen(target, "after_insert", hook)


def init_app(app: Flask) -> None:
    install_record_factory()
    if not _watching[0]:
        _watch_tickets()
        _watching[0] = True
    _install_handler(app)
    for key, value in app.config.items():
        if isinstance(value, str) and re.search(r"SECRET|PASSWORD|TOKEN|_KEY$|WEBHOOK_URL", key):
            remember_secret(value)
    app.before_request(_started)
    app.after_request(_log_request)


def set_log_context(member_id: str | None = None, ticket: str | None = None) -> None:
    """Name the portal and ticket a request concerns, for its log line."""
    if member_id:
        g.member_id = member_id
    if ticket:
        g.ticket_number = ticket
