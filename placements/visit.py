"""Opening the Support placement: who is asking, from which portal and page, and what the app knows of it."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Request, current_app

from b24.ahead import PortalQuestion
from b24.errors import B24Error, PortalCallFailed, TokenRefused
from b24.frames import Frame, verify_frame
from b24.lifecycle import set_version, touch
from b24.models import APP_STATUSES, Portal
from b24.oauth import OAuthServer
from b24.payments import confirm_paid, record_payment
from b24.rest import PortalClient
from b24.tokens import client_for_frame, heal_from_frame, mark_overloaded
from b24.users import PortalUsers, known_users, remember
from contracts.eligibility import read_contract_ahead
from database import changed, commit_keeping_loaded, utcnow
from i18n import gettext_in
from placements.frame_tokens import Visitor
from redactor import redact_url, redact_value
from releases.following import read_pending_fixes_ahead

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
    reached: bool | None  # the portal answered our REST call just now; None: not asked (the user was known)


class Opening:
    """One open of the placement: the portal's remembered users, read before the verification, and the question
    to the portal sent meanwhile when none of them is known (b24.ahead: used only if the verification vouches)."""

    def __init__(self, request: Request):
        self.request = request
        self.users: PortalUsers | None = None
        self.question: PortalQuestion[dict[str, Any]] | None = None

    def ahead(self, portal: Portal, auth_id: str) -> PortalQuestion | None:
        """Called by verify_frame while the OAuth server is asked: the portal's remembered users, the question
        to the portal, then the reads the form will need (its contract, its pending fixes)."""
        self.users = known_users(portal.member_id)
        if not portal.client_endpoint or portal.status != "active":
            return None
        self.question = self._ask(portal, auth_id)
        read_contract_ahead(portal)
        read_pending_fixes_ahead(portal)
        return self.question

    def _ask(self, portal: Portal, auth_id: str) -> PortalQuestion | None:
        """A portal with users remembered is not asked for them: most likely this user is one of them, and then
        only the portal's app.info is asked, and only when it is older than PORTAL_INFO_SECONDS."""
        if self.users and info_is_fresh(portal):
            return None  # a known user of a portal whose app.info is fresh: the open asks the portal nothing
        portal_id = portal.id
        # user.current and user.admin are asked when the user is not among those remembered.
        question = PortalQuestion(_app_only if self.users else _batch)
        question.send(portal.client_endpoint, auth_id, portal_id=portal_id, member_id=portal.member_id,
                      oauth=OAuthServer.for_endpoint(portal.server_endpoint),
                      on_overload=lambda: mark_overloaded(portal_id))
        return question


def verify_opening(request: Request) -> tuple[Frame, Opening]:
    opening = Opening(request)
    return verify_frame(request, ahead=opening.ahead), opening


def open_visit(frame: Frame, opening: Opening) -> Visit:
    """Who is asking (remembered, else one batch call to the portal), the registry refreshed from it, and the
    context snapshot for the ticket. Committed only when something changed."""
    request = opening.request
    portal = touch(frame)  # domain, version and status as the OAuth server vouched for them
    if portal is None:
        raise PortalNotRegistered(gettext_in(frame.ui_lang,
            "The app is not registered for this portal yet: an administrator must "
            "open it once to finish the installation."), "not_installed")
    users = opening.users if opening.users is not None else known_users(portal.member_id)
    known = users.get(frame.user_id, frame.scope, portal.revoked_at)
    user: dict[str, Any] = {}
    admin: bool | None = None  # unknown until the portal says
    app_info: dict[str, Any] = {}
    reached: bool | None = None
    learned = False  # the portal told who this user is: remembered once the open is sure to go on
    if known is not None:
        user, admin = known, known.get("admin")
        try:
            if opening.question is not None or not info_is_fresh(portal):
                app_info = _portal_app_info(frame, portal, opening.question)
                reached = True
        except (PortalCallFailed, TokenRefused) as exc:
            reached = False
            log.warning("support placement: portal %s did not answer app.info (%s)", portal.member_id, exc.code)
    else:
        try:
            batch_ahead = opening.question if not opening.users else None
            if opening.question is not None and batch_ahead is None:
                opening.question.drop()  # app.info alone was asked ahead: this user needs the whole batch
            answer = _who_is_asking(frame, portal, batch_ahead)
            reached = True
            user = answer.get("user") if isinstance(answer.get("user"), dict) else {}
            admin = answer.get("admin") in (True, "true", "Y", 1)
            app_info = answer.get("app") if isinstance(answer.get("app"), dict) else {}
            if _int(user.get("ID")) == frame.user_id:  # the portal's user.current is the user the OAuth server named
                learned = True
        except (PortalCallFailed, TokenRefused) as exc:
            # The form still opens: the user types what the portal could not tell us.
            reached = False
            log.warning("support placement: portal %s did not answer batch (%s)", portal.member_id, exc.code)
    if app_info:
        _refresh_registry(portal, app_info)
    if portal.payment_expired == "Y" or portal.unpaid_at:
        confirm_paid(portal)  # PaymentRequired (the subscription-ended page) if the OAuth server says so
    if reached and portal.overloaded_at is not None:
        portal.overloaded_at = None  # the portal's REST answered: any OVERLOAD_LIMIT block was lifted
    if admin:
        heal_from_frame(portal, frame)  # dead stored tokens are replaced by the admin's fresh ones
    # Written last: on SQLite the known-user row's write takes the database's write lock, and confirm_paid renews
    # the tokens in a session of its own (b24.tokens), which would wait for that lock until the request timed out.
    remembered = learned and remember(users, frame.user_id, frame.scope, user, admin)
    if remembered or changed():
        commit_keeping_loaded()  # what the page shows next is what was just written: nothing to reload

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


# Statuses with a period that ends (app.info STATUS: demo, trial, paid, subscription).
PERIOD_STATUSES = frozenset("DTPS")


def info_is_fresh(portal: Portal) -> bool:
    """The portal's own app.info answered within PORTAL_INFO_SECONDS, since the last uninstall, and the app's
    period cannot have ended since.

    Licence and payment change seldom, and what changes is told or foreseen: ONAPPPAYMENT brings a payment, the
    verification brings the app's status and version (b24.lifecycle.touch), and DAYS counts the days left of a
    trial or paid period (b24restdocs api-reference/common/system/app-info.md). So a known user's open, each with
    a fresh AUTH_ID, asks only the OAuth server; the portal is asked again at the first open after the interval,
    and at every open while the period has a day or less left (or is over, or its length is unknown), so the end
    of a trial shows at once.
    """
    seconds = int(current_app.config["PORTAL_INFO_SECONDS"])
    asked = portal.app_info_at
    if seconds <= 0 or asked is None or (portal.revoked_at is not None and asked <= portal.revoked_at):
        return False
    if portal.payment_expired == "Y" or (
            portal.app_status in PERIOD_STATUSES and (portal.payment_days is None or portal.payment_days <= 1)):
        return False
    return utcnow() - asked < timedelta(seconds=seconds)


def _batch(client: PortalClient) -> dict[str, Any]:
    return client.batch(WHO_IS_ASKING)["result"]


def _app_only(client: PortalClient) -> dict[str, Any]:
    return {"app": client.call("app.info")}


def _portal_app_info(frame: Frame, portal: Portal, question: PortalQuestion | None) -> dict[str, Any]:
    """The portal's app.info, asked ahead when the OAuth server vouched for its endpoint, else asked now."""
    if question is not None and question.vouched:
        answer = question.answer()
    else:
        answer = _app_only(client_for_frame(portal, frame))
    return answer.get("app") if isinstance(answer.get("app"), dict) else {}


def _who_is_asking(frame: Frame, portal: Portal, question: PortalQuestion | None) -> dict[str, Any]:
    """The answer asked ahead when the OAuth server vouched for its endpoint; else asked now, at the endpoint the
    verification named (the portal moved, or nobody asked ahead)."""
    if question is not None and question.vouched:
        return question.answer()
    return _batch(client_for_frame(portal, frame))


def _refresh_registry(portal: Portal, app_info: dict[str, Any]) -> None:
    """The portal's own app.info adds licence and payment days; the app's STATUS stays the OAuth server's
    (lifecycle.touch took it from the verified frame): a box portal's app.info can say anything
    (b24restdocs settings/oauth/index.md)."""
    if int(current_app.config["PORTAL_INFO_SECONDS"]) > 0:
        portal.app_info_at = utcnow()  # written once an interval, so an open that asks every time commits nothing
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
