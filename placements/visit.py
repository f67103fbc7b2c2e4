"""Opening the Support placement: who is asking, from which portal and page, and what the app knows of it."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Request, current_app

from b24.errors import B24Error, PortalCallFailed, TokenRefused
from b24.frames import Frame
from b24.lifecycle import set_version, touch
from b24.memo import TokenMemo
from b24.models import APP_STATUSES, Portal
from b24.payments import confirm_paid, record_payment
from b24.rest import PortalClient
from b24.tokens import client_for_frame, heal_from_frame
from database import db, utcnow
from i18n import gettext_in
from placements.frame_tokens import Visitor
from redactor import redact_url, redact_value

log = logging.getLogger(__name__)

# The three facts the form shows, asked in one REST request with the user's own token.
WHO_IS_ASKING = {"user": "user.current", "admin": "user.admin", "app": "app.info"}


class PortalNotRegistered(B24Error):
    """A verified frame from a portal the registry has no row for: the installer never finished."""

    status = 409


@dataclass
class Visit:
    portal: Portal
    visitor: Visitor
    reached: bool  # the portal answered our REST call just now


def open_visit(frame: Frame, request: Request) -> Visit:
    """One batch call to the portal, the registry refreshed from it, and the context snapshot for the ticket."""
    portal = touch(frame)  # domain, version and status as the OAuth server vouched for them
    if portal is None:
        raise PortalNotRegistered(gettext_in(frame.ui_lang,
            "The app is not registered for this portal yet: an administrator must "
            "open it once to finish the installation."), "not_installed")
    client = client_for_frame(portal, frame)
    user: dict[str, Any] = {}
    admin: bool | None = None  # unknown until the portal says
    app_info: dict[str, Any] = {}
    reached = True
    try:
        answer = _who_is_asking(client, frame, portal)
        user = answer.get("user") if isinstance(answer.get("user"), dict) else {}
        admin = answer.get("admin") in (True, "true", "Y", 1)
        app_info = answer.get("app") if isinstance(answer.get("app"), dict) else {}
    except (PortalCallFailed, TokenRefused) as exc:
        # The form still opens: the user types what the portal could not tell us.
        reached = False
        log.warning("support placement: portal %s did not answer batch (%s)", portal.member_id, exc.code)
    _refresh_registry(portal, app_info)
    if portal.payment_expired == "Y" or portal.unpaid_at:
        confirm_paid(portal)  # PaymentRequired (the subscription-ended page) if the OAuth server says so
    if reached:
        portal.overloaded_at = None  # the portal's REST answered: any OVERLOAD_LIMIT block was lifted
    if admin:
        heal_from_frame(portal, frame)  # dead stored tokens are replaced by the admin's fresh ones
    db.session.commit()

    name = " ".join(str(user.get(key) or "").strip() for key in ("NAME", "LAST_NAME")).strip()
    email = str(user.get("EMAIL") or "").strip()
    user_id = _int(user.get("ID")) or frame.user_id
    context = {
        "portal": {"domain": portal.domain, "member_id": portal.member_id, "protocol": frame.protocol},
        "app": {
            "version": portal.app_version,
            "status": portal.app_status,
            "status_name": APP_STATUSES.get(portal.app_status or "", "unknown"),
            "license": portal.license,
            "license_family": portal.license_family,
        },
        "user": {"id": user_id, "name": name, "email": email, "admin": admin},
        "lang": frame.ui_lang,
        "placement": {"code": frame.placement, "options": redact_value(_plain_options(frame.options))},
        # The portal page's URL may carry tokens in its query: only scheme, host and path are kept.
        "page": redact_url((request.headers.get("Referer") or "")[:1024]),
        "browser": (request.headers.get("User-Agent") or "")[:512],
        "server_build": server_build(),
        "opened_at": utcnow().isoformat(timespec="seconds") + "Z",
        "portal_reached": reached,  # whether our own REST call got through (box portal eligibility)
    }
    visitor = Visitor(
        portal_id=portal.id,
        member_id=portal.member_id,
        user_id=user_id,
        user_name=name,
        user_email=email,
        admin=admin,
        lang=frame.ui_lang,
        context=context,
    )
    return Visit(portal=portal, visitor=visitor, reached=reached)


# A repeat open with the same token (the user reopening Support within the hour) asks the portal nothing: the
# answer is remembered for the token's life, like the OAuth verification.
_asked: TokenMemo[dict[str, Any]] = TokenMemo()


def _who_is_asking(client: PortalClient, frame: Frame, portal: Portal) -> dict[str, Any]:
    # An answer remembered from before an uninstall is never reused (portal.revoked_at, read this request).
    return _asked.get(frame.client_endpoint, frame.auth_id, frame.auth_expires,
                      lambda: client.batch(WHO_IS_ASKING)["result"], portal.revoked_at)


def _refresh_registry(portal: Portal, app_info: dict[str, Any]) -> None:
    """The portal's own app.info adds licence and payment days; the app's STATUS stays the OAuth server's
    (lifecycle.touch took it from the verified frame): a box portal's app.info can say anything
    (b24restdocs settings/oauth/index.md)."""
    set_version(portal, _int(app_info.get("VERSION")) or portal.app_version)
    if app_info:
        record_payment(portal, app_info.get("PAYMENT_EXPIRED"), app_info.get("DAYS"))
    portal.license = str(app_info.get("LICENSE") or portal.license or "")[:64] or None
    portal.license_family = str(app_info.get("LICENSE_FAMILY") or portal.license_family or "")[:64] or None


def _plain_options(options: dict[str, Any]) -> dict[str, str]:
    """Placement options as short strings: they are shown on the page and kept with the ticket."""
    return {str(key)[:64]: str(value)[:256] for key, value in list(options.items())[:20]}


@lru_cache(maxsize=1)
def _package_version() -> str:
    try:
        return metadata.version("b24-support-desk")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text())["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def server_build() -> str:
    """The server's build (setting APP_BUILD), else the package version."""
    return current_app.config.get("APP_BUILD") or _package_version()


def _int(value: Any) -> int | None:
    """A whole number from the portal's answer, None when absent or too large for our columns (a box portal
    can answer anything)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**31) <= number < 2**31 else None
