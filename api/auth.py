"""Bearer authentication for the API and what the authenticated token may see."""

from __future__ import annotations

from flask import g, request

from api import tokens
from api.errors import Unauthorized
from api.models import ApiToken


def require_token() -> None:
    """Before every API request: the Authorization header names an active token, else 401."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise Unauthorized("invalid_request", "Send the API token as 'Authorization: Bearer <token>'.")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("invalid_request", "Send the API token as 'Authorization: Bearer <token>'.")
    token = tokens.authenticate(value.strip())
    if token is None:
        # One answer for unknown and revoked tokens: a caller learns nothing about which tokens exist.
        raise Unauthorized("invalid_token", "The token is unknown or was revoked.")
    g.api_token = token


def current_token() -> ApiToken:
    return g.api_token


def may_see_vulnerabilities(token: ApiToken) -> bool:
    """Vulnerability reports are private: only a token acting for a staff user allowed to see them."""
    return False


def acting_staff(token: ApiToken):
    """The staff user a token acts for, or None for a token of its own (replies then carry no staff id)."""
    return None
