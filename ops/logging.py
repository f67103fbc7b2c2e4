"""Structured logs: one JSON line per request, and redaction of tokens and secrets from every log record.

Redaction happens where records are made (a log record factory), so it covers every logger and every handler,
gunicorn's and pytest's included: key=value and JSON pairs named like secrets, Bearer credentials, Telegram bot
tokens in URLs, the app's own configured secrets, and the secret fields posted in the current request.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import event, inspect
from werkzeug.wrappers import Response

REDACTED = "[redacted]"

# Names whose values are secrets wherever they appear: form fields, JSON keys, query parameters, kwargs.
SECRET_NAMES = "|".join((  # noqa: S105 (names of secrets, not secrets)
    "auth_id", "refresh_id", "access_token", "refresh_token", "application_token", "client_secret",
    "secret_key", "secret", "password", "passwd", "pwd", "api_key", "apikey", "token", "auth", "authorization",
    "operator_connection", "connection_data", "connection", "smtp_password", "webhook_secret", "metrics_token",
))
_PAIR = re.compile(
    # name (possibly bracketed: auth[access_token]) then = or : (optionally quoted), then the value.
    rf"""(?ix)
    (?P<name>(?:[\w\[\]]*?[\[_\-.]|\b)(?:{SECRET_NAMES})\]?)
    (?P<sep>["']?\s*(?:=|:)\s*\[?\s*["']?)
    (?P<value>[^\s"'&,;}}\]]+)
    """
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}")
_TELEGRAM_BOT = re.compile(r"(?i)(/bot)\d{5,}:[A-Za-z0-9_\-]{20,}")
_BARE_TELEGRAM = re.compile(r"\b\d{6,}:[A-Za-z0-9_\-]{30,}\b")

# Request fields that carry secrets: their literal values are redacted from anything logged during the request.
SECRET_FIELDS = re.compile(rf"(?i)^(?:.*[\[_])?(?:{SECRET_NAMES})\]?$")
_MIN_SECRET_LENGTH = 6

_static_secrets: set[str] = set()
_watching = [False]
_lock = threading.Lock()


def redact(text: str, extra: set[str] | frozenset[str] = frozenset()) -> str:
    """``text`` with every secret it contains replaced by [redacted]."""
    if not text:
        return text
    for secret in sorted(_static_secrets | set(extra), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _TELEGRAM_BOT.sub(rf"\1{REDACTED}", text)
    text = _BARE_TELEGRAM.sub(REDACTED, text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)
    return _PAIR.sub(_redact_pair, text)


def _redact_pair(match: re.Match) -> str:
    if match["sep"].endswith("[") and match["value"] == "redacted":
        return match.group(0)  # already redacted: keep the text stable when redacted twice
    return f"{match['name']}{match['sep']}{REDACTED}"


def remember_secret(value: str | None) -> None:
    """Redact this literal value from every later log record (configured passwords, keys, tokens)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _static_secrets.add(value)


def _request_secrets() -> set[str]:
    if not has_request_context():
        return set()
    found = g.get("_log_secrets")
    if found is None:
        found = set()
        try:
            for store in (request.form, request.args):
                for name, values in store.lists():
                    if SECRET_FIELDS.match(name):
                        found.update(v for v in values if v and len(v) >= _MIN_SECRET_LENGTH)
        except Exception:  # noqa: S110  (an unreadable body has no secrets to add; logging must not fail)
            pass
        g._log_secrets = found
    return found


# The development server's request line ("POST /path?query HTTP/1.1"): queries carry frame tokens, drop them.
_REQUEST_LINE_QUERY = re.compile(r'("(?:\x1b\[[0-9;]*m)*[A-Z]+ [^ ?"]*)\?[^ "\x1b]*')


class RedactingFilter(logging.Filter):
    """Rewrite a record so its message, arguments and traceback carry no secret. Always lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        extra = _request_secrets()
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if record.name == "werkzeug":
            message = _REQUEST_LINE_QUERY.sub(r"\1?[query]", message)
        record.msg, record.args = redact(message, extra), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, extra)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, extra)
        record._redacted = True
        return True


_filter = RedactingFilter()
_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    _filter.filter(record)
    return record


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any ``fields`` passed via ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        _filter.filter(record)
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_text:
            line["exc"] = record.exc_text
        # ``fields`` arrive after the record is made: redact the finished line too.
        return redact(json.dumps(line, ensure_ascii=False, default=str), _request_secrets())


REQUEST_LOGGER = "b24desk.request"
request_log = logging.getLogger(REQUEST_LOGGER)

# A path segment this long is a signed token or a storage key, not a word: keep it out of the logs.
_TOKEN_SEGMENT = re.compile(r"/[A-Za-z0-9_\-.=]{40,}")


def loggable_path(path: str) -> str:
    """The request path without its query string and with token-like segments masked."""
    return _TOKEN_SEGMENT.sub("/" + REDACTED, path)


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


def _install_record_factory() -> None:
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)


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
        if _filter not in handler.filters:
            handler.addFilter(_filter)


def _watch_tickets() -> None:
    """A request that files a ticket or a reply names that ticket in its log line, whatever view did it."""
    from tickets.models import Reply, Ticket

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
    _install_record_factory()
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


