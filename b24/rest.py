"""Calling a portal's REST API at the endpoint the OAuth server vouched for, with refresh, moves and back-off."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app

from b24 import sdk
from b24.calls import record_call
from b24.connections import session
from b24.errors import PortalCallFailed, TokenRefused
from b24.oauth import OAuthServer, Tokens

log = logging.getLogger(__name__)

# b24restdocs _includes/system-errors.md and limits.md: QUERY_LIMIT_EXCEEDED (503) is the leaky bucket
# overflowing, so waiting helps; OVERLOAD_LIMIT (503) is a block only Bitrix24 support lifts, so a retry only
# adds load; OPERATION_TIME_LIMIT (429) lasts until the method's budget resets at `operating_reset_at`.
RETRY_LATER = ("QUERY_LIMIT_EXCEEDED",)
OVERLOAD = "OVERLOAD_LIMIT"
OPERATION_LIMIT = "OPERATION_TIME_LIMIT"
DEAD_TOKEN = ("invalid_token", "INVALID_TOKEN", "NO_AUTH_FOUND")


class PortalClient:
    """One portal, one token. ``on_refresh`` and ``on_move`` let the owner persist what changed."""

    def __init__(
        self,
        client_endpoint: str,
        access_token: str,
        refresh_token: str | None = None,
        *,
        oauth: OAuthServer | None = None,
        refresher: Callable[[str], Tokens] | None = None,
        on_move: Callable[[str, str], None] | None = None,
        on_overload: Callable[[], None] | None = None,
        portal_id: int | None = None,
        member_id: str | None = None,
    ):
        if not client_endpoint.endswith("/"):
            client_endpoint += "/"
        self.client_endpoint = client_endpoint
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.oauth = oauth or OAuthServer.for_endpoint()
        self._refresher = refresher
        self._on_move = on_move
        self._on_overload = on_overload
        self.portal_id = portal_id
        self.member_id = member_id
        config = current_app.config
        self.operation_wait_max = config.get("B24_OPERATION_WAIT_MAX", 30.0)
        self.timeout = config["B24_HTTP_TIMEOUT"]
        self.max_retries = config["B24_MAX_RETRIES"]
        self.retry_delay = config["B24_RETRY_BASE_DELAY"]
        self.calls = 0  # REST requests sent, for the benchmark's count of portal calls

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """The ``result`` of one REST method."""
        return self._call(method, params or {})["result"]

    def batch(self, commands: dict[str, str], halt: bool = False) -> dict[str, Any]:
        """Up to 50 calls in one request: ``{name: "method?query"}`` -> ``{"result": ..., "result_error": ...}``."""
        methods = list(dict.fromkeys(command.split("?", 1)[0] for command in commands.values()))
        label = f"batch:{','.join(methods)}"[:128]  # the log names what the batch held, not its parameters
        answer = self._call("batch", {"halt": 1 if halt else 0, "cmd": commands}, label)["result"]
        return {
            "result": answer.get("result") or {},
            "result_error": answer.get("result_error") or {},
        }

    def _call(self, method: str, params: dict[str, Any], label: str | None = None) -> dict[str, Any]:
        refreshed = moved = False
        attempt = 0
        while True:
            try:
                return self._send(method, params, label or method)
            except _Moved as move:
                if moved:
                    raise PortalCallFailed("The portal redirected twice; not following.") from None
                moved = True
                self._follow(move.location)
            except sdk.errors.BitrixAPIExpiredToken:
                if refreshed or not (self.refresh_token or self._refresher):
                    raise PortalCallFailed("The portal's access token expired.", "expired_token") from None
                refreshed = True
                self._refresh()
            except sdk.errors.BitrixAPIError as exc:
                code = _error_code(exc)
                if code in RETRY_LATER and attempt < self.max_retries:
                    attempt += 1
                    self._sleep(attempt)
                    continue
                if code == OVERLOAD:
                    if self._on_overload:
                        self._on_overload()
                    raise PortalCallFailed(
                        "Bitrix24 has blocked this portal's REST API (OVERLOAD_LIMIT); only Bitrix24 support "
                        "can lift the block, so the app does not retry.", code) from exc
                if code == OPERATION_LIMIT:
                    wait = _seconds_to_reset(exc)
                    if wait is None:
                        wait = _resets.seconds_left(self.client_endpoint, method)
                    if wait is not None and wait <= self.operation_wait_max and attempt < self.max_retries:
                        attempt += 1
                        time.sleep(wait + 1.0)  # operating_reset_at is a whole second: do not arrive early
                        continue
                    when = f" for {int(wait)} s more" if wait is not None else ""
                    raise PortalCallFailed(
                        f"Bitrix24 has spent {method}'s time budget on this portal (OPERATION_TIME_LIMIT){when}; "
                        "try again later.", code) from exc
                raise PortalCallFailed(f"Bitrix24 answered {code or exc.__class__.__name__}.", code) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt < self.max_retries:
                    attempt += 1
                    self._sleep(attempt)
                    continue
                raise PortalCallFailed("The portal could not be reached.") from exc
            except sdk.errors.BitrixSDKException as exc:
                raise PortalCallFailed(f"The portal gave an unreadable answer ({exc.__class__.__name__}).") from exc

    def _send(self, method: str, params: dict[str, Any], label: str) -> dict[str, Any]:
        self.calls += 1
        started = time.monotonic()
        status: int | None = None
        code: str | None = None
        try:
            response = session().post(
                f"{self.client_endpoint}{method}.json",
                json={**params, "auth": self.access_token},
                timeout=self.timeout,
                allow_redirects=False,
            )
            status = response.status_code
            if status in (301, 302, 307, 308) and response.headers.get("Location"):
                code = "redirect"
                raise _Moved(response.headers["Location"])
            try:
                answer = sdk.parse_answer(response)
                _resets.note(self.client_endpoint, method, answer)
                return answer
            except sdk.errors.BitrixSDKException as exc:
                code = _error_code(exc) or exc.__class__.__name__
                raise
        except requests.RequestException as exc:
            code = exc.__class__.__name__
            raise
        finally:
            # Only the method name and the outcome: params and answers may carry tokens.
            record_call(portal_id=self.portal_id, member_id=self.member_id, method=label, http_status=status,
                        error_code=code, duration_ms=int((time.monotonic() - started) * 1000))

    def _follow(self, location: str) -> None:
        """A renamed portal answers 302 to its new domain; go there only if the OAuth server agrees."""
        path = urlsplit(location).path
        cut = path.find("/rest/")
        if cut < 0:
            raise PortalCallFailed("The portal redirected somewhere that is not a REST endpoint.")
        parts = urlsplit(location)
        candidate = f"{parts.scheme}://{parts.netloc}{path[: cut + len('/rest/')]}"
        info = self.oauth.app_info(self.access_token)
        if info.install.client_endpoint.rstrip("/") != candidate.rstrip("/"):
            raise PortalCallFailed("The portal redirected to an endpoint the OAuth server does not confirm.")
        self.client_endpoint = candidate
        if self._on_move:
            self._on_move(info.install.domain, candidate)

    def _refresh(self) -> None:
        refresher = self._refresher or (lambda _spent: self.oauth.refresh(self.refresh_token or ""))
        tokens = refresher(self.access_token)
        self.access_token = tokens.access_token
        self.refresh_token = tokens.refresh_token

    def _sleep(self, attempt: int) -> None:
        time.sleep(min(self.retry_delay * 2 ** (attempt - 1), 10.0))


class _Moved(Exception):
    def __init__(self, location: str):
        self.location = location


class _Resets:
    """The latest `operating_reset_at` each portal's method named (every cloud answer carries it in `time`,
    b24restdocs limits.md), so an OPERATION_TIME_LIMIT whose own answer names none still knows when to retry."""

    def __init__(self, limit: int = 10_000):
        self._at: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def note(self, endpoint: str, method: str, answer: Any) -> None:
        timing = answer.get("time") if isinstance(answer, dict) else None
        reset = timing.get("operating_reset_at") if isinstance(timing, dict) else None
        if isinstance(reset, int | float):
            with self._lock:
                if len(self._at) >= self._limit:
                    self._at.clear()
                self._at[(endpoint, method)] = float(reset)

    def seconds_left(self, endpoint: str, method: str) -> float | None:
        with self._lock:
            reset = self._at.get((endpoint, method))
        return None if reset is None else max(0.0, reset - time.time())


_resets = _Resets()


def _seconds_to_reset(exc: Exception) -> float | None:
    """Seconds until `operating_reset_at` (a UNIX time in the answer's `time`, b24restdocs limits.md)."""
    payload = getattr(exc, "json_response", None)
    if not isinstance(payload, dict):
        return None
    timing = payload.get("time") if isinstance(payload.get("time"), dict) else {}
    reset = timing.get("operating_reset_at", payload.get("operating_reset_at"))
    try:
        return max(0.0, float(reset) - time.time())
    except (TypeError, ValueError):
        return None


def _error_code(exc: Exception) -> str | None:
    payload = getattr(exc, "json_response", None)
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        return payload["error"]
    return None


__all__ = ["DEAD_TOKEN", "PortalClient", "PortalCallFailed", "TokenRefused"]
