"""The Bitrix24 OAuth server: who vouches for a token (app.info) and who renews it (oauth/token)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app

from b24 import sdk
from b24.connections import session
from b24.errors import PaymentRequired, RequestRefused, TokenRefused
from database import utcnow
from settings import csv


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int
    client_endpoint: str | None = None
    server_endpoint: str | None = None
    domain: str | None = None
    member_id: str | None = None

    @property
    def expires_at(self):
        return utcnow() + timedelta(seconds=self.expires_in)

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> Tokens:
        return cls(
            access_token=answer["access_token"],
            refresh_token=answer.get("refresh_token"),
            expires_in=int(answer.get("expires_in") or 3600),
            client_endpoint=answer.get("client_endpoint"),
            server_endpoint=answer.get("server_endpoint"),
            domain=answer.get("domain"),
            member_id=answer.get("member_id"),
        )


def _oauth_base(url: str) -> str:
    """``https://oauth.bitrix.info/rest/`` (a SERVER_ENDPOINT) and ``https://oauth.bitrix.info`` name one server."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if path.endswith("/rest"):
        path = path[: -len("/rest")]
    return f"{parts.scheme}://{parts.netloc}{path}".lower()


class OAuthServer:
    def __init__(self, base_url: str, client_id: str, client_secret: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout

    @classmethod
    def for_endpoint(cls, server_endpoint: str | None = None) -> OAuthServer:
        """The configured OAuth server, or the one a request names if it is one we trust (protocol §3)."""
        config = current_app.config
        base = config["B24_OAUTH_URL"]
        if server_endpoint:
            trusted = {_oauth_base(base), *(_oauth_base(u) for u in csv(config["B24_TRUSTED_OAUTH_URLS"]))}
            named = _oauth_base(server_endpoint)
            if named in trusted:
                base = named
        return cls(base, config["B24_CLIENT_ID"], config["B24_CLIENT_SECRET"], config["B24_HTTP_TIMEOUT"])

    def app_info(self, access_token: str) -> sdk.AppInfo:
        """What the OAuth server knows of a token; RequestRefused when it does not vouch for it."""
        try:
            response = session().get(
                f"{self.base_url}/rest/app.info/", params={"auth": access_token}, timeout=self.timeout
            )
            answer = sdk.parse_answer(response)
            info = sdk.parse_app_info(answer["result"])
        except sdk.errors.BitrixAPIError as exc:
            if _code(exc) == "PAYMENT_REQUIRED":
                raise PaymentRequired("The app's subscription or trial on this portal has ended.",
                                      "PAYMENT_REQUIRED") from exc
            raise RequestRefused("The Bitrix24 OAuth server does not recognise this token.", _code(exc)) from exc
        except (requests.RequestException, sdk.errors.BitrixSDKException) as exc:
            raise RequestRefused("The Bitrix24 OAuth server could not be reached to verify the request.") from exc
        except (KeyError, ValueError, TypeError) as exc:
            raise RequestRefused("The Bitrix24 OAuth server gave an answer the app cannot read.") from exc
        if info.client_id != self.client_id:
            raise RequestRefused("The token belongs to another application.")
        return info

    def refresh(self, refresh_token: str) -> Tokens:
        """New tokens for a refresh token; TokenRefused when the server will not renew it."""
        params = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "refresh_token": refresh_token,
        }
        try:
            response = session().get(f"{self.base_url}/oauth/token/", params=params, timeout=self.timeout)
            return Tokens.from_answer(sdk.parse_answer(response))
        except sdk.errors.BitrixAPIError as exc:
            raise TokenRefused("The OAuth server refused to renew the portal's token.", _code(exc)) from exc
        except KeyError as exc:
            raise TokenRefused("The OAuth server's answer had no access token.") from exc


def _code(exc: Exception) -> str | None:
    payload = getattr(exc, "json_response", None)
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        return payload["error"]
    return None
