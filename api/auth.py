"""Bearer authentication for the API and what the authenticated token may see and do."""

from __future__ import annotations

from flask import g, request

from api import tokens
from api.errors import ApiError, Unauthorized
from api.models import ApiToken
from staff.models import StaffUser


def require_token() -> None:
    """Before every API request: the Authorization header names an active token, else 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("invalid_request", "Send the API token as 'Authorization: Bearer <token>'.")
    token = tokens.authenticate(value.strip())
    if token is None:
        # One answer for unknown, revoked and disabled: a caller learns nothing about which tokens exist.
        raise Unauthorized("invalid_token", "The token is unknown or was revoked.")
    g.api_token = token


def current_token() -> ApiToken:
    return g.api_token


def may_see_vulnerabilities() -> bool:
    """Vulnerability reports are private: only a token acting for staff allowed to see them."""
    staff = current_token().staff
    return bool(staff is not None and staff.can_see_vulnerabilities)


def acting_staff() -> StaffUser:
    """The staff member a change is made by; a token acting for nobody may only read (403)."""
    staff = current_token().staff
    if staff is None:
        raise ApiError(403, "insufficient_scope",
                       "This token acts for no staff member; create one with --staff to answer or change status.")
    return staff
