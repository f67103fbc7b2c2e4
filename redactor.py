"""The one redactor: logs, pages, the API, webhooks, mail and the stored ticket context all keep secrets out here.

Three shapes of secret, one rule each: text (``auth_id=...``, Bearer credentials, bot tokens, our signed frame
tokens, configured secrets), URLs (a query string or fragment can carry a signed token or a Bitrix24 token, so
it is never kept), and structures (a key that names a credential is dropped with its value). A top-level module
so that every layer (the domain included) can use it without importing ``ops``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REDACTED = "[redacted]"

# Names whose values are secrets wherever they appear: form fields, JSON keys, query parameters, kwargs.
SECRET_NAMES = "|".join((  # noqa: S105 (names of secrets, not secrets)
    "auth_id", "refresh_id", "access_token", "refresh_token", "application_token", "client_secret",
    "secret_key", "secret", "password", "passwd", "pwd", "api_key", "apikey", "token", "auth", "authorization",
    "operator_connection", "connection_data", "connection", "smtp_password", "webhook_secret", "metrics_token",
))
# Keys of a stored or sent structure (the ticket's context, a reply's data) that could hold credentials.
SECRET_KEY = re.compile(r"token|auth|secret|passw|connection|credential|refresh|session|cookie|key", re.I)

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
# An itsdangerous token (our frame tokens): base64 JSON (".eJ..." when compressed), a timestamp, a signature.
_SIGNED = re.compile(r"(?<![\w.\-])\.?e[yJ][A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{16,}")
# A path segment this long is a signed token or a storage key, not a word.
_TOKEN_SEGMENT = re.compile(r"/[A-Za-z0-9_\-.=]{40,}")
_URL_START = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?//|^\s*/", re.I)
_URL_IN_TEXT = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s\"'<>]+")
_MIN_SECRET_LENGTH = 6
_MAX_DEPTH = 8

_static_secrets: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """Redact this literal value from everything redacted later (configured passwords, keys, tokens)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _static_secrets.add(value)


def redact_text(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every secret it contains replaced by [redacted]."""
    if not text:
        return text
    literal = _static_secrets | {s for s in extra if s and len(s) >= _MIN_SECRET_LENGTH}
    for secret in sorted(literal, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _TELEGRAM_BOT.sub(rf"\1{REDACTED}", text)
    text = _BARE_TELEGRAM.sub(REDACTED, text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)
    text = _SIGNED.sub(REDACTED, text)
    return _PAIR.sub(_redact_pair, text)


def _redact_pair(match: re.Match) -> str:
    if match["sep"].endswith("[") and match["value"] == "redacted":
        return match.group(0)  # already redacted: keep the text stable when redacted twice
    return f"{match['name']}{match['sep']}{REDACTED}"


def redact_path(path: str) -> str:
    """A URL path with token-like segments masked."""
    return _TOKEN_SEGMENT.sub("/" + REDACTED, path)


def redact_url(url: str) -> str:
    """Scheme, host and path only: the query, the fragment and any user:password@ are never kept.

    ``https://portal/crm/deal/details/8061/?t=eyJ...#x`` -> ``https://portal/crm/deal/details/8061/?[redacted]``.
    """
    if not url:
        return url
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return REDACTED  # not even a URL: nothing of it is worth the risk
    netloc = f"{host}{port}" if parts.netloc else ""
    kept = urlunsplit((parts.scheme, netloc, redact_path(parts.path), "", ""))
    if parts.query:
        kept += "?" + REDACTED
    if parts.fragment:
        kept += "#" + REDACTED
    return redact_text(kept)


def redact_value(value: Any, *, urls: bool = True, extra: Iterable[str] = (), _depth: int = 0) -> Any:
    """A structure as it may be stored, shown or sent: credential-named keys dropped at any depth, strings
    redacted, and (``urls=True``, for the placement's context) every URL cut to scheme, host and path.

    ``urls=False`` keeps a staff member's link in an answer whole (its query may be what makes it work) while
    still removing anything shaped like a secret.
    """
    if _depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            key: redact_value(item, urls=urls, extra=extra, _depth=_depth + 1)
            for key, item in value.items()
            if not SECRET_KEY.search(str(key))
        }
    if isinstance(value, list | tuple):
        return [redact_value(item, urls=urls, extra=extra, _depth=_depth + 1) for item in value]
    if isinstance(value, str):
        if urls and _URL_START.match(value):
            return redact_url(value)
        if urls:
            value = _URL_IN_TEXT.sub(lambda found: redact_url(found.group(0)), value)
        return redact_text(value, extra)
    return value
