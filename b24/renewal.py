"""Keeping idle portals alive: refresh tokens not refreshed for N days, before the refresh token's 180 days end.

b24restdocs settings/oauth/auto-renewal.md: a refresh token lives 180 days from its issue, and a renewal
within that keeps the portal reachable. Each portal is refreshed under its row lock (b24.tokens), so two
`flask portals renew` running at once refresh a portal once: the second sees the fresh token and skips it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from b24.errors import B24Error
from b24.models import Portal
from b24.oauth import OAuthServer
from b24.tokens import refresh_portal_tokens
from database import db, utcnow


@dataclass
class RenewReport:
    renewed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # refreshed meanwhile by another process
    failed: dict[str, str] = field(default_factory=dict)


def due_for_renewal(older_than_days: int) -> list[Portal]:
    """Installed portals with tokens whose last refresh (or install) is older than the given days."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    last = func.coalesce(Portal.token_refreshed_at, Portal.installed_at, Portal.created_at)
    return list(db.session.execute(
        select(Portal).where(
            Portal.status.in_(("active", "blocked")),
            Portal.refresh_token.is_not(None),
            Portal.needs_reauth.is_(False),
            or_(last < cutoff, and_(Portal.token_refreshed_at.is_(None), Portal.installed_at.is_(None))),
        ).order_by(Portal.id)
    ).scalars())


def renew_old_tokens(older_than_days: int) -> RenewReport:
    report = RenewReport()
    cutoff = utcnow() - timedelta(days=older_than_days)
    for portal in due_for_renewal(older_than_days):
        member_id = portal.member_id
        try:
            refreshed = refresh_portal_tokens(
                portal.id, portal.access_token or "", OAuthServer.for_endpoint(portal.server_endpoint),
                unless_refreshed_since=cutoff,
            )
        except B24Error as exc:
            report.failed[member_id] = exc.code or exc.message
            continue
        (report.renewed if refreshed is not None else report.skipped).append(member_id)
    db.session.expire_all()
    return report
