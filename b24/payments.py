"""The app's payment state per portal: ONAPPPAYMENT, app.info, and the OAuth server's PAYMENT_REQUIRED.

The OAuth server is the one trusted source of the app's status (b24restdocs settings/oauth/index.md); a box
portal's own app.info can say anything, so it may add PAYMENT_EXPIRED and DAYS but never overrule STATUS.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import select

from b24.errors import PaymentRequired, RequestRefused, TokenRefused
from b24.models import APP_STATUSES, Portal
from b24.oauth import OAuthServer
from b24.tokens import refresh_portal_tokens
from database import db, utcnow

__all__ = ["PaymentRequired", "confirm_paid", "mark_unpaid", "on_payment_event", "record_payment"]


def on_payment_event(data: dict[str, Any], auth: dict[str, Any]) -> Portal:
    """ONAPPPAYMENT (api-reference/common/events/on-app-payment.md): data[STATUS], data[PAYMENT_EXPIRED], data[DAYS].

    The event carries no access token, so, as for an uninstall, only the stored application_token proves it.
    """
    portal = db.session.execute(
        select(Portal).where(Portal.member_id == (auth.get("member_id") or ""))
    ).scalar_one_or_none()
    if portal is None:
        raise RequestRefused("The event names a portal this app does not know.")
    if not portal.application_token or portal.application_token != auth.get("application_token"):
        raise RequestRefused("The event's application_token does not match this portal.")
    status = str(data.get("STATUS") or "").upper()[:1]
    if status in APP_STATUSES and status != portal.app_status:
        portal.record("payment", portal.app_status, status)
    if status in APP_STATUSES:
        portal.app_status = status
    record_payment(portal, data.get("PAYMENT_EXPIRED"), data.get("DAYS"))
    portal.record("payment_event", new=portal.payment_expired, detail=f"days {portal.payment_days}")
    return portal


def record_payment(portal: Portal, expired: Any, days: Any) -> None:
    """PAYMENT_EXPIRED (Y/N) and DAYS from ONAPPPAYMENT or app.info; a paid period lifts the unpaid mark."""
    flag = str(expired or "").upper()[:1]
    if flag in ("Y", "N"):
        portal.payment_expired = flag
        if flag == "N":
            portal.unpaid_at = None
    with contextlib.suppress(TypeError, ValueError):
        portal.payment_days = int(days) if days is not None and str(days).strip() != "" else portal.payment_days


def confirm_paid(portal: Portal) -> None:
    """The portal or the registry says the period is over: ask the OAuth server, the only trusted source.

    Renewing the portal's stored token is the question (b24restdocs settings/oauth/error-codes.md: once the
    period is over the OAuth server issues no tokens and answers PAYMENT_REQUIRED). PaymentRequired when it
    does; otherwise the unpaid mark is lifted (and the portal has fresh tokens). Any other refusal decides nothing.
    """
    if not portal.refresh_token or portal.needs_reauth:
        return
    try:
        refresh_portal_tokens(portal.id, portal.access_token or "", OAuthServer.for_endpoint(portal.server_endpoint))
    except TokenRefused as exc:
        if exc.code == "PAYMENT_REQUIRED":
            raise PaymentRequired("The app's subscription or trial on this portal has ended.",
                                  portal_id=portal.id) from exc
        return
    portal.unpaid_at = None


def mark_unpaid(portal: Portal) -> None:
    """The OAuth server said PAYMENT_REQUIRED: the period is over, whatever the portal's own app.info says."""
    portal.payment_expired = "Y"
    if portal.unpaid_at is None:
        portal.unpaid_at = utcnow()
        portal.record("unpaid", detail="PAYMENT_REQUIRED")
