"""Staff decisions on the portal registry: blocking a portal and lifting the block, each kept in its history."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import func, or_, select

from b24.errors import PortalBlocked, PortalUninstalled
from b24.models import Portal
from database import db
from i18n import gettext_in, pick_language


class RegistryError(ValueError):
    """The change does not apply to the portal as it is (e.g. unblocking a portal that is not blocked)."""


# The block's history detail ("by <email>: <reason>") holds 512 characters; an email has up to 255.
MAX_BLOCK_REASON = 250


def block_portal(portal: Portal, by: str, reason: str | None = None) -> None:
    """Refuse the portal's Support button from now on; recorded as a ``blocked`` event (not committed)."""
    if portal.status == "blocked":
        raise RegistryError("The portal is already blocked.")
    detail = f"by {by}" + (f": {reason.strip()}" if reason and reason.strip() else "")
    portal.record("blocked", portal.status, "blocked", detail=detail[:512])
    portal.status = "blocked"


def unblock_portal(portal: Portal, by: str) -> None:
    """Lift a block: the portal returns to uninstalled if Bitrix24 said so meanwhile, else to active."""
    if portal.status != "blocked":
        raise RegistryError("The portal is not blocked.")
    restored = "uninstalled" if portal.uninstalled_at else ("active" if portal.installed_at else "new")
    portal.record("unblocked", "blocked", restored, detail=f"by {by}"[:512])
    portal.status = restored


def find_portal(text: str) -> Portal | None:
    """A portal by its member_id or its domain (how staff name a portal in a form)."""
    text = (text or "").strip()
    if not text:
        return None
    return db.session.execute(
        select(Portal).where(or_(Portal.member_id == text, func.lower(Portal.domain) == text.lower()))
        .order_by(Portal.id).limit(1)
    ).scalar_one_or_none()


def refuse_unless_serving(portal: Portal, lang: str | None = None, *, installing: bool = False) -> None:
    """PortalBlocked for a blocked portal, PortalUninstalled for a removed one (unless it is being installed).

    Called with the portal's row as read in this request, on every frame and every frame token: the status in
    the database, not anything a process remembers, decides.
    """
    g.lang = pick_language(lang or g.get("lang"))  # the refusal page speaks the user's language
    if portal.status == "blocked":
        vendor = current_app.config["VENDOR_NAME"]
        raise PortalBlocked(gettext_in(g.lang,
            "%(vendor)s has suspended support for this portal. To resume it, "
            "contact us:", vendor=vendor), "portal_blocked")
    if portal.status == "uninstalled" and not installing:
        raise PortalUninstalled(gettext_in(g.lang,
            "The app has been removed from this portal. An administrator can "
            "install it again."), "portal_uninstalled")
