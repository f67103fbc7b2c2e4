"""The portal's own tokens: one refresh at a time per portal across processes, saved after every refresh."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from b24.domains import normalise_domain
from b24.errors import TokenRefused
from b24.models import Portal
from b24.oauth import OAuthServer, Tokens
from b24.rest import PortalClient
from database import db, utcnow

log = logging.getLogger(__name__)


def client_for(portal: Portal) -> PortalClient:
    """A REST client on the portal's stored tokens; refreshes and domain moves are written back."""
    if not portal.access_token or not portal.client_endpoint:
        raise TokenRefused("The app holds no tokens for this portal; it must be installed again.")
    if portal.needs_reauth:
        raise TokenRefused("The portal's authorisation was refused; an administrator must open the app again.")
    portal_id = portal.id
    oauth = OAuthServer.for_endpoint(portal.server_endpoint)
    return PortalClient(
        portal.client_endpoint,
        portal.access_token,
        portal.refresh_token,
        oauth=oauth,
        refresher=lambda spent: refresh_portal_tokens(portal_id, spent, oauth),
        on_move=lambda domain, endpoint: record_move(portal_id, domain, endpoint),
        on_overload=lambda: mark_overloaded(portal_id),
        portal_id=portal_id,
        member_id=portal.member_id,
    )


def client_for_frame(portal: Portal, frame) -> PortalClient:
    """A REST client on the token a verified frame brought (the user's own), logged against the portal."""
    portal_id = portal.id
    return PortalClient(
        frame.client_endpoint, frame.auth_id, frame.refresh_id, oauth=frame.oauth,
        on_overload=lambda: mark_overloaded(portal_id), portal_id=portal_id, member_id=portal.member_id,
    )


def heal_from_frame(portal: Portal, frame) -> bool:
    """An administrator opened the app: if the stored tokens are dead, keep the fresh ones the frame brought.

    A refused refresh leaves the portal without working tokens; the platform's cure is the admin's own
    AUTH_ID/REFRESH_ID (b24restdocs settings/oauth/index.md). Only an admin's token may replace them.
    Not committed; True when the tokens were replaced.
    """
    if not (portal.needs_reauth or not portal.refresh_token) or not frame.refresh_id:
        return False
    if portal.status == "uninstalled":
        return False
    portal.access_token = frame.auth_id
    portal.refresh_token = frame.refresh_id
    portal.token_expires_at = utcnow() + timedelta(seconds=frame.auth_expires)
    portal.token_refreshed_at = utcnow()
    portal.client_endpoint = frame.client_endpoint
    portal.needs_reauth = False
    portal.token_failure = None
    portal.record("tokens_renewed", detail=f"by admin user {frame.user_id} opening the app")
    log.info("portal %s: dead tokens replaced by an administrator's", portal.member_id)
    return True


def mark_overloaded(portal_id: int) -> None:
    """OVERLOAD_LIMIT: written at once in its own transaction, since the request fails right after."""
    with Session(db.engine) as session, session.begin():
        portal = session.get(Portal, portal_id)
        if portal is not None and portal.overloaded_at is None:
            portal.overloaded_at = utcnow()
            portal.record("overloaded", detail="OVERLOAD_LIMIT")
    log.warning("portal %s answered OVERLOAD_LIMIT: its REST API is blocked by Bitrix24", portal_id)


def refresh_portal_tokens(portal_id: int, spent_access_token: str, oauth: OAuthServer, *,
                          unless_refreshed_since: datetime | None = None) -> Tokens | None:
    """Renew the portal's tokens under a row lock, unless another process already did.

    With ``unless_refreshed_since`` (scheduled renewal) a portal refreshed since then is skipped: None.
    A refresh token is spent by its first use, so two workers refreshing at once would lock the
    portal out (protocol §5). The lock is FOR UPDATE on PostgreSQL and the database write lock on
    SQLite, both taken by a separate session so the request's own transaction is not committed early.
    """
    with Session(db.engine, expire_on_commit=False) as session, session.begin():
        _lock(session, portal_id)
        portal = session.get(Portal, portal_id, populate_existing=True)
        if unless_refreshed_since and portal.token_refreshed_at and portal.token_refreshed_at >= unless_refreshed_since:
            return None  # a scheduled renewal another process already did
        if portal.access_token and portal.access_token != spent_access_token and not portal.needs_reauth:
            return Tokens(portal.access_token, portal.refresh_token, 3600)  # refreshed meanwhile
        if not portal.refresh_token:
            raise TokenRefused("The app holds no refresh token for this portal.")
        try:
            tokens = oauth.refresh(portal.refresh_token)
        except TokenRefused as exc:
            if exc.code == "PAYMENT_REQUIRED":
                # The tokens are fine; the app is not paid for (b24restdocs settings/oauth/error-codes.md).
                if portal.unpaid_at is None:
                    portal.unpaid_at = utcnow()
                    portal.record("unpaid", detail=exc.code)
                portal.token_failed_at = utcnow()
                portal.token_failure = exc.code
                session.commit()
                raise
            portal.needs_reauth = True
            portal.token_failed_at = utcnow()
            portal.token_failure = (exc.code or "refused")[:255]
            portal.record("reauth_needed", detail=exc.code)
            session.commit()
            log.warning("token refresh refused for portal %s: %s", portal.member_id, exc.code)
            raise
        except requests.RequestException as exc:
            portal.token_failed_at = utcnow()
            portal.token_failure = "oauth server unreachable"  # noqa: S105 (a reason, not a secret)
            session.commit()
            raise TokenRefused("The OAuth server could not be reached to renew the token.") from exc
        portal.access_token = tokens.access_token
        portal.refresh_token = tokens.refresh_token or portal.refresh_token
        portal.token_expires_at = tokens.expires_at
        portal.token_refreshed_at = utcnow()
        portal.token_failure = None
        portal.needs_reauth = False
        log.info("token refreshed for portal %s", portal.member_id)
        return tokens


def record_move(portal_id: int, new_domain: str, client_endpoint: str) -> None:
    """Write a confirmed domain change straight away: the request may still fail after it."""
    with Session(db.engine) as session, session.begin():
        _lock(session, portal_id)
        portal = session.get(Portal, portal_id, populate_existing=True)
        apply_domain(portal, new_domain, client_endpoint)


def apply_domain(portal: Portal, new_domain: str, client_endpoint: str | None = None) -> None:
    new_domain = normalise_domain(new_domain)  # the OAuth server's install.domain may carry :443
    if new_domain and new_domain != portal.domain:
        portal.record("domain_changed", portal.domain, new_domain)
        portal.domain = new_domain
        portal.client_endpoint = client_endpoint or f"{portal.protocol}://{new_domain}/rest/"
        log.info("portal %s moved to %s", portal.member_id, new_domain)
    elif client_endpoint:
        portal.client_endpoint = client_endpoint


def _lock(session: Session, portal_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Portal.id).where(Portal.id == portal_id).with_for_update())
    else:
        # A no-op write takes SQLite's database write lock until commit.
        session.execute(update(Portal).where(Portal.id == portal_id).values(id=Portal.id))
