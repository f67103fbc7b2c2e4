"""Install, update and uninstall: the state changes of the portal registry (protocol §1, §6)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from b24 import sdk
from b24.admin import require_admin
from b24.domains import normalise_domain
from b24.errors import PaymentRequired, RequestRefused
from b24.frames import Frame
from b24.inputs import bounded_int
from b24.models import Portal
from b24.oauth import OAuthServer
from b24.payments import mark_unpaid, record_payment
from b24.signals import portal_version_changed
from b24.tokens import apply_domain, client_for
from database import db, utcnow

log = logging.getLogger(__name__)

SEEN_RESOLUTION = timedelta(minutes=1)


def portal_by_member(member_id: str) -> Portal | None:
    return db.session.execute(select(Portal).where(Portal.member_id == member_id)).scalar_one_or_none()


def install(frame: Frame) -> Portal:
    """Remember the portal and the installer's tokens; a reinstall on the same member_id replaces them.

    Only the portal's administrator may do this (NotAnAdmin otherwise, nothing changed). The form's
    APPLICATION_TOKEN is never taken: it comes only from a verified ONAPPINSTALL/ONAPPUPDATE (protocol §2, §7).
    """
    require_admin(frame.client_endpoint, frame.auth_id, frame.oauth, member_id=frame.member_id)
    portal = portal_by_member(frame.member_id)
    now = utcnow()
    if portal is None:
        portal = Portal(member_id=frame.member_id, domain=frame.domain, protocol=frame.protocol, settings={})
        db.session.add(portal)
        portal.record("created", new=frame.domain)
    elif portal.status == "uninstalled":
        portal.record("reinstalled", portal.app_version, frame.app_version)
    apply_domain(portal, frame.domain, frame.client_endpoint)
    portal.protocol = frame.protocol
    portal.client_endpoint = frame.client_endpoint
    portal.server_endpoint = frame.server_endpoint
    portal.access_token = frame.auth_id
    portal.refresh_token = frame.refresh_id
    portal.token_expires_at = now + timedelta(seconds=frame.auth_expires)
    portal.needs_reauth = False
    portal.token_failure = None
    set_version(portal, frame.app_version)
    portal.app_status = frame.app_status
    portal.scope = frame.scope
    portal.language = frame.lang
    portal.installer_user_id = frame.user_id
    if portal.status != "blocked":
        portal.status = "active"
    portal.installed_at = now
    portal.uninstalled_at = None
    portal.last_seen_at = now
    portal.record("installed", new=frame.app_version)
    return portal


def touch(frame: Frame) -> Portal | None:
    """A verified frame request is fresh news of the portal: its domain, version and that it is alive."""
    portal = frame.portal or portal_by_member(frame.member_id)  # verify_frame read the row already
    if portal is None:
        return None
    apply_domain(portal, frame.domain, frame.client_endpoint)
    set_version(portal, frame.app_version)
    portal.app_status = frame.app_status
    now = utcnow()
    # Minute resolution is plenty for "last seen", and a repeat open then writes nothing at all.
    if portal.last_seen_at is None or now - portal.last_seen_at > SEEN_RESOLUTION:
        portal.last_seen_at = now
    return portal


def set_version(portal: Portal, version: int | None) -> None:
    if version is not None and version != portal.app_version:
        if portal.app_version is not None:
            portal.record("version_updated", portal.app_version, version)
        old, portal.app_version = portal.app_version, version
        portal_version_changed.send(portal, old=old, new=version)


# --- events -----------------------------------------------------------------------------------------


def _verified_by_oauth(auth: dict[str, Any]) -> sdk.AppInfo:
    """For install and update events: the OAuth server must vouch for auth[access_token]."""
    token = auth.get("access_token")
    if not token:
        raise RequestRefused("The event carries no access token to verify.")
    oauth = OAuthServer.for_endpoint(auth.get("server_endpoint"))
    info = oauth.app_info(token)
    if info.install.member_id != auth.get("member_id"):
        raise RequestRefused("The event's member_id is not the portal the OAuth server knows for its token.")
    # Any user's token is genuine; only an admin's counts.
    require_admin(info.install.client_endpoint, token, oauth, member_id=info.install.member_id)
    return info


def on_install_event(data: dict[str, Any], auth: dict[str, Any]) -> Portal:
    info = _verified_by_oauth(auth)
    portal = portal_by_member(auth["member_id"])
    if portal is None:
        protocol = "http" if info.install.client_endpoint.startswith("http:") else "https"
        portal = Portal(member_id=info.install.member_id, domain=normalise_domain(info.install.domain),
                        protocol=protocol, settings={})
        db.session.add(portal)
        portal.record("created", new=portal.domain)
    _take_event_auth(portal, auth, info)
    set_version(portal, bounded_int(data.get("VERSION"), "data[VERSION]"))
    portal.language = (data.get("LANGUAGE_ID") or portal.language or "")[:8] or None
    if portal.status != "blocked":
        portal.status = "active" if data.get("ACTIVE", "Y") == "Y" else portal.status
    portal.installed_at = portal.installed_at or utcnow()
    portal.record("install_event", new=data.get("VERSION"))
    return portal


def on_update_event(data: dict[str, Any], auth: dict[str, Any]) -> Portal:
    portal = _known_portal(auth)
    info = _verified_by_oauth(auth)
    _take_event_auth(portal, auth, info)
    set_version(portal, bounded_int(data.get("VERSION"), "data[VERSION]"))
    portal.updated_at = utcnow()
    return portal


def on_uninstall_event(data: dict[str, Any], auth: dict[str, Any]) -> Portal:
    """Only the application_token proves an uninstall: the tokens are already revoked."""
    portal = _known_portal(auth)
    if not portal.application_token or portal.application_token != auth.get("application_token"):
        raise RequestRefused("The event's application_token does not match this portal.")
    clean = str(data.get("CLEAN", "0")) == "1"
    portal.status = "uninstalled"
    portal.uninstalled_at = portal.revoked_at = utcnow()  # every frame token and cached verdict before is void
    portal.access_token = portal.refresh_token = None
    portal.application_token = None  # spent: a reinstall brings a new one in its ONAPPINSTALL
    portal.token_expires_at = None
    if clean:
        portal.settings = {}
    portal.record("uninstalled", detail="clean" if clean else None)
    return portal


def _known_portal(auth: dict[str, Any]) -> Portal:
    portal = portal_by_member(auth.get("member_id") or "")
    if portal is None:
        raise RequestRefused("The event names a portal this app does not know.")
    return portal


def _take_event_auth(portal: Portal, auth: dict[str, Any], info: sdk.AppInfo) -> None:
    """Tokens from a verified event; domain and endpoint only as the OAuth server states them."""
    now = utcnow()
    if auth.get("application_token"):
        portal.application_token = auth["application_token"]
    if auth.get("access_token"):
        portal.access_token = auth["access_token"]
        portal.refresh_token = auth.get("refresh_token") or portal.refresh_token
        lifetime = bounded_int(auth.get("expires_in"), "auth[expires_in]", 0, 86400) or 3600
        portal.token_expires_at = now + timedelta(seconds=lifetime)
        portal.needs_reauth = False
    apply_domain(portal, info.install.domain, info.install.client_endpoint)
    portal.app_status = info.install.status.value
    if auth.get("server_endpoint"):
        portal.server_endpoint = auth["server_endpoint"][:512]
    if auth.get("scope"):
        portal.scope = auth["scope"].replace(" ", ",")[:512]
    portal.last_seen_at = now


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def check_portal(portal: Portal) -> dict[str, Any]:
    """Ask the portal's own app.info with the stored token and record version, status and licence."""
    client = client_for(portal)
    info = client.call("app.info")
    db.session.refresh(portal)  # a refresh or a move may have been written by another session
    set_version(portal, _int(info.get("VERSION")))
    # STATUS is the OAuth server's word, not the portal's own (b24restdocs settings/oauth/index.md).
    try:
        portal.app_status = client.oauth.app_info(client.access_token).install.status.value
    except PaymentRequired:
        mark_unpaid(portal)
    except RequestRefused:
        log.info("OAuth server did not confirm the app status of %s; keeping the last one", portal.member_id)
    record_payment(portal, info.get("PAYMENT_EXPIRED"), info.get("DAYS"))
    portal.overloaded_at = None
    portal.license = info.get("LICENSE") or portal.license
    portal.license_family = info.get("LICENSE_FAMILY") or portal.license_family
    portal.last_seen_at = utcnow()
    db.session.commit()
    return info
