"""Redaction of tokens and secrets from every log record, wherever it is logged from.

It happens where records are made (a log record factory), so it covers every logger and every handler,
gunicorn's and pytest's included. The rules are the one redactor's (``redactor``); this module adds what only
logging needs: the secret fields posted in the current request, and the dev server's request line.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import g, has_request_context, request

from redactor import REDACTED, SECRET_NAMES, redact_text, remember_secret

__all__ = ["REDACTED", "filter_record", "install_record_factory", "redact", "remember_secret", "request_secrets"]

# Request fields that carry secrets: their literal values are redacted from anything logged during the request.
SECRET_FIELDS = re.compile(rf"(?i)^(?:.*[\[_])?(?:{SECRET_NAMES})\]?$")
_MIN_SECRET_LENGTH = 6


def redact(text: str, extra: set[str] | frozenset[str] = frozenset()) -> str:
    """``text`` with every secret it contains replaced by [redacted] (the one redactor's text rule)."""
    return redact_text(text, extra)


def request_secrets() -> set[str]:
    """The secret values posted in the current request (AUTH_ID, tokens, passwords...), to redact literally."""
    if not has_request_context():
        return set()
    found = g.get("_log_secrets")
    if found is None:
        found = set()
        # Logging must never be what parses a multipart body: an upload streams only when its view says so.
        unread_upload = request.mimetype == "multipart/form-data" and "form" not in request.__dict__
        try:
            for store in (request.args,) if unread_upload else (request.form, request.args):
                for name, values in store.lists():
                    if SECRET_FIELDS.match(name):
                        found.update(v for v in values if v and len(v) >= _MIN_SECRET_LENGTH)
        except Exception:  # noqa: S110  (an unreadable body has no secrets to add; logging must not fail)
            pass
        if unread_upload:
            return found  # asked again once the view has read the form
        g._log_secrets = found
    return found


# The development server's request line ("POST /path?query HTTP/1.1"): queries carry frame tokens, drop them.
_REQUEST_LINE_QUERY = re.compile(r'("(?:\x1b\[[0-9;]*m)*[A-Z]+ [^ ?"]*)\?[^ "\x1b]*')


class RedactingFilter(logging.Filter):
    """Rewrite a record so its message, arguments and traceback carry no secret. Always lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        extra = request_secrets()
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


filter_record = RedactingFilter()
_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    filter_record.filter(record)
    return record


def install_record_factory() -> None:
    """Make every log record in this process redacted at birth (idempotent)."""
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)
