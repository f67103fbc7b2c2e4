"""What can go wrong when the app talks to Bitrix24, in the app's own words."""

from __future__ import annotations


class B24Error(Exception):
    """A Bitrix24 exchange failed; ``status`` is the HTTP status the app answers with."""

    status = 502

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class RequestRefused(B24Error):
    """The request cannot be trusted: forged, incomplete or contradicted by the OAuth server."""

    status = 401


class PaymentRequired(RequestRefused):
    """The OAuth server answered PAYMENT_REQUIRED: the app's trial or paid period has ended on that portal
    (b24restdocs settings/oauth/error-codes.md). ``portal_id`` is set when the request itself was verified."""

    status = 402

    def __init__(self, message: str, code: str | None = "PAYMENT_REQUIRED", portal_id: int | None = None):
        super().__init__(message, code)
        self.portal_id = portal_id


class BadFrameRequest(B24Error):
    """A frame request that is malformed (a field missing, options not JSON)."""

    status = 400


class TokenRefused(B24Error):
    """The OAuth server refused the refresh token: the portal must be authorised again."""

    status = 401


class PortalCallFailed(B24Error):
    """The portal answered with an error, or could not be reached after retries."""

    status = 502


class NotAnAdmin(B24Error):
    """The token is genuine but its user is not the portal's administrator: installing is an admin's act."""

    status = 403


class PortalBlocked(B24Error):
    """The vendor blocked this portal: its Support button and forms are refused (the page names the vendor)."""

    status = 403


class PortalUninstalled(B24Error):
    """The app was removed from this portal: frames and tokens issued before stop working at once."""

    status = 403
