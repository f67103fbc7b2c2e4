"""One HTTP POST with a timeout; failures become DeliveryFailed without quoting the URL (it may hold a token)."""

from __future__ import annotations

import logging
from typing import Any

import requests

from delivery.channels.base import DeliveryFailed
from redactor import redact_text

# urllib3 logs every request line at DEBUG, URL path included: the Telegram token and the Bitrix24 webhook code
# live in those paths. This filter removes them from its records whatever the log level is set to.
_SECRETS: set[str] = set()


class RedactSecrets(logging.Filter):
    """The one redactor's rules (``redactor``) on the HTTP client's records, these channel secrets included."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        redacted = redact_text(text, _SECRETS)
        if redacted != text:
            record.msg, record.args = redacted, ()
        return True


_FILTER = RedactSecrets()


def guard_logs(secrets: list[str]) -> None:
    """Keep ``secrets`` out of the HTTP client's own log lines."""
    _SECRETS.update(s for s in secrets if s)
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

# Answers worth retrying: the receiver is overloaded, rate-limiting or briefly broken. Other 4xx will not improve.
RETRYABLE = {408, 409, 425, 429}


def post(url: str, what: str, timeout: float, **kwargs: Any) -> requests.Response:
    """POST and return a 2xx response, or raise DeliveryFailed naming ``what`` (never the URL)."""
    try:
        response = requests.post(url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.Timeout:
        raise DeliveryFailed(f"{what}: no answer within {timeout:g}s") from None
    except requests.ConnectionError as exc:
        reason = "connection refused" if "refused" in str(exc).lower() else "could not connect"
        raise DeliveryFailed(f"{what}: {reason}") from None
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{what}: {type(exc).__name__}") from None
    if response.status_code >= 300:
        permanent = 400 <= response.status_code < 500 and response.status_code not in RETRYABLE
        raise DeliveryFailed(f"{what}: HTTP {response.status_code} {response.text[:200]}".strip(),
                             permanent=permanent)
    return response
