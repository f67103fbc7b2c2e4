"""The portal's REST limits: the leaky bucket per portal, method time budgets, and the system errors they answer."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sandbox.state import SandboxPortal, SandboxState

# (HTTP status, error_description) of the system errors any method may answer [_includes/system-errors.md].
SYSTEM_ERRORS: dict[str, tuple[int, str]] = {
    "QUERY_LIMIT_EXCEEDED": (503, "Too many requests"),
    "OVERLOAD_LIMIT": (503, "REST API is blocked due to overload"),
    "PORTAL_DELETED": (500, "Portal was deleted"),
    "INTERNAL_SERVER_ERROR": (500, "Internal server error"),
    "ERROR_UNEXPECTED_ANSWER": (500, "Server returned an unexpected response"),
    "ACCESS_DENIED": (403, "REST API is available only on commercial plans"),
    "insufficient_scope": (403, "The request requires higher privileges than provided by the webhook token"),
    "expired_token": (401, "The access token provided has expired"),
    "NO_AUTH_FOUND": (401, "Wrong authorization data"),
    "user_access_error": (403, "The user does not have access to the application"),
    # 429 for a method whose time budget is spent [limits.md, "Resource Intensity Limits"].
    "OPERATION_TIME_LIMIT": (429, "Method is blocked due to operation time limit."),
}

# A method's time is summed in 10 one-minute baskets; the oldest leaves the sum 10 minutes after its first call
# [limits.md, "Resource Intensity Limits"].
BASKET_SECONDS = 600


def admit(state: SandboxState, portal: SandboxPortal, now: float | None = None) -> bool:
    """Count one HTTP request in the portal's leaky bucket; False when it is full (answer QUERY_LIMIT_EXCEEDED).

    Each request adds one, the counter drains ``state.bucket_drain`` a second, and a request that finds it at
    ``state.bucket_size`` is refused [limits.md, "Request Rate Limits"]. A batch is one HTTP request, whatever
    it carries ("The rate limit accounts for HTTP requests", limits.md).
    """
    now = time.time() if now is None else now
    with state.lock:
        drained = (now - portal.bucket_at) * state.bucket_drain if portal.bucket_at else 0.0
        portal.bucket_level = max(0.0, portal.bucket_level - drained)
        portal.bucket_at = now
        if portal.bucket_level + 1 > state.bucket_size:
            return False
        portal.bucket_level += 1
        return True


def limit_operation(state: SandboxState, portal: SandboxPortal, method: str, *, reset_in: float = 60.0,
                    allow: int = 0) -> float:
    """Spend ``method``'s time budget: after ``allow`` more answers it is refused until the reset; returns it."""
    with state.lock:
        reset_at = time.time() + reset_in
        portal.operation_limits[method.lower()] = {"reset_at": reset_at, "allow": float(allow)}
        return reset_at


def operation_refused(state: SandboxState, portal: SandboxPortal, method: str) -> bool:
    """True when this call of ``method`` finds its budget spent (answer OPERATION_TIME_LIMIT, 429)."""
    with state.lock:
        limit = portal.operation_limits.get(method.lower())
        if limit is None:
            return False
        if time.time() >= limit["reset_at"]:
            del portal.operation_limits[method.lower()]  # the spent basket left the sum
            return False
        if limit["allow"] > 0:
            limit["allow"] -= 1
            return False
        return True


def time_block(portal: SandboxPortal, method: str, started: float) -> dict[str, Any]:
    """The ``time`` object of an answer, with ``operating`` and ``operating_reset_at`` as the cloud sends them.

    [limits.md, "Resource Intensity Limits": the example answer; api-reference/data-types.md#time]
    """
    finished = time.time()
    limit = portal.operation_limits.get(method.lower())
    reset_at = limit["reset_at"] if limit else started + BASKET_SECONDS
    return {
        "start": started,
        "finish": finished,
        "duration": finished - started,
        "processing": finished - started,
        "date_start": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "date_finish": datetime.fromtimestamp(finished, UTC).isoformat(timespec="seconds"),
        "operating_reset_at": int(reset_at),
        "operating": 0,
    }
