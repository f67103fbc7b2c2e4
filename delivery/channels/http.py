"""One HTTP POST with a timeout; failures become DeliveryFailed without quoting the URL (it may hold a token)."""

from __future__ import annotations

from typing import Any

import requests

# Answers worth retrying: the receiver is overloaded, rate-limiting or briefly broken. Other 4xx will not improve.
RETRYABLE = {408, 409, 425, 429}


def post(url: str, what: str, timeout: float, **kwargs: Any) -> requests.Response:
    """POST and return a 2xx response, or raise DeliveryFailed naming ``what`` (never the URL)."""
    from delivery.channels import DeliveryFailed

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
