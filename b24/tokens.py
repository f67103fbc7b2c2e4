"""The portal's own tokens: one refresh at a time per portal across processes, saved after every refresh."""

from __future__ import annotations

import logging

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

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
    )


def refresh_portal_tokens(portal_id: int, spent_access_token: str, oauth: OAuthServer) -> Tokens:
    """Renew the portal's tokens under a row lock, unless another process already did.

    A refresh token is spent by its first use, so two workers refreshing at once would lock the
    portal out (protocol §5). The lock is FOR UPDATE on PostgreSQL and the database write lock on
    SQLite, both taken by a separate session so the request's own transaction is not committed early.
    """
    with Session(db.engine, expire_on_commit=False) as session, session.begin():
        _lock(session, portal_id)
        portal = session.get(Portal, portal_id, populate_existing=True)
        if portal.access_token and portal.access_token != spent_access_token and not portal.needs_reauth:
            return Tokens(portal.access_token, portal.refresh_token, 3600)  # refreshed meanwhile
        if not portal.refresh_token:
            raise TokenRefused("The app holds no refresh token for this portal.")
        try:
            tokens = oauth.refresh(portal.refresh_token)
        except TokenRefused as exc:
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
