"""The app's payment state per portal: ONAPPPAYMENT, app.info, and the OAuth server's PAYMENT_REQUIRED.

The OAuth server is the one trusted source of the app's status (b24restdocs settings/oauth/index.md); a box
portal's own app.info can say anything, so it may add PAYMENT_EXPIRED and DAYS but never overrule STATUS.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import select

from b24.errors import PaymentRequired, RequestRefused
from b24.models import APP_STATUSES, Portal
from database import db, utcnow

__all__ = ["PaymentRequired", "mark_unpaid", "on_payment_event", "record_payment"]


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


def mark_unpaid(portal: Portal) -> None:
    if portal.unpaid_at is None:
        portal.unpaid_at = utcnow()
        portal.record("unpaid", detail="PAYMENT_REQUIRED")
