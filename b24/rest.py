"""Calling a portal's REST API at the endpoint the OAuth server vouched for, with refresh, moves and back-off."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app

from b24 import sdk
from b24.errors import PortalCallFailed, TokenRefused
from b24.oauth import OAuthServer, Tokens

log = logging.getLogger(__name__)

RETRY_LATER = ("QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT", "OPERATION_TIME_LIMIT")
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
    ):
        if not client_endpoint.endswith("/"):
            client_endpoint += "/"
        self.client_endpoint = client_endpoint
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.oauth = oauth or OAuthServer.for_endpoint()
        self._refresher = refresher
        self._on_move = on_move
        config = current_app.config
        self.timeout = config["B24_HTTP_TIMEOUT"]
        self.max_retries = config["B24_MAX_RETRIES"]
        self.retry_delay = config["B24_RETRY_BASE_DELAY"]
        self.calls = 0  # REST requests sent, for the benchmark's count of portal calls

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """The ``result`` of one REST method."""
        return self._call(method, params or {})["result"]

    def batch(self, commands: dict[str, str], halt: bool = False) -> dict[str, Any]:
        """Up to 50 calls in one request: ``{name: "method?query"}`` -> ``{"result": ..., "result_error": ...}``."""
        answer = self._call("batch", {"halt": 1 if halt else 0, "cmd": commands})["result"]
        return {
            "result": answer.get("result") or {},
            "result_error": answer.get("result_error") or {},
        }

    def _call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        refreshed = moved = False
        attempt = 0
        while True:
            try:
                return self._send(method, params)
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
                raise PortalCallFailed(f"Bitrix24 answered {code or exc.__class__.__name__}.", code) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt < self.max_retries:
                    attempt += 1
                    self._sleep(attempt)
                    continue
                raise PortalCallFailed("The portal could not be reached.") from exc
            except sdk.errors.BitrixSDKException as exc:
                raise PortalCallFailed(f"The portal gave an unreadable answer ({exc.__class__.__name__}).") from exc

    def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        response = requests.post(
            f"{self.client_endpoint}{method}.json",
            json={**params, "auth": self.access_token},
            timeout=self.timeout,
            allow_redirects=False,
        )
        if response.status_code in (301, 302, 307, 308) and response.headers.get("Location"):
            raise _Moved(response.headers["Location"])
        return sdk.parse_answer(response)

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


def _error_code(exc: Exception) -> str | None:
    payload = getattr(exc, "json_response", None)
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        return payload["error"]
    return None


__all__ = ["DEAD_TOKEN", "PortalClient", "PortalCallFailed", "TokenRefused"]
