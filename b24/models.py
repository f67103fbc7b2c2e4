"""The portal registry: every Bitrix24 portal the app was installed on, its tokens and its lifecycle history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from database import db, utcnow
from sealed import Sealed, keep_key_on_load

PORTAL_STATUSES = ("new", "active", "uninstalled", "blocked")
APP_STATUSES = {"F": "free", "D": "demo", "T": "trial", "P": "paid", "L": "local", "S": "subscription"}


class Portal(db.Model):
    __tablename__ = "portal"
    # The portal list (ordered by domain, id) and its search read domain and member_id from this index alone;
    # it also serves every lookup by domain, so there is no index on domain by itself.
    __table_args__ = (Index("ix_portal_domain_member", "domain", "id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), unique=True)
    domain: Mapped[str] = mapped_column(String(255))  # indexed by ix_portal_domain_member (domain first)
    protocol: Mapped[str] = mapped_column(String(5), default="https")
    client_endpoint: Mapped[str | None] = mapped_column(String(512))
    server_endpoint: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    app_version: Mapped[int | None] = mapped_column(index=True)  # the console's version filter
    app_status: Mapped[str | None] = mapped_column(String(1))
    license: Mapped[str | None] = mapped_column(String(64))
    license_family: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    scope: Mapped[str | None] = mapped_column(String(512))
    # Proof of origin for events (protocol §2); never shown anywhere.
    # Encrypted at rest (sealed.Sealed): decrypted only when read, so list pages decrypt nothing.
    sealed_application_token: Mapped[str | None] = mapped_column("application_token", Text)
    sealed_access_token: Mapped[str | None] = mapped_column("access_token", Text)
    sealed_refresh_token: Mapped[str | None] = mapped_column("refresh_token", Text)
    application_token = Sealed("sealed_application_token")
    access_token = Sealed("sealed_access_token")
    refresh_token = Sealed("sealed_refresh_token")
    token_expires_at: Mapped[datetime | None]
    token_refreshed_at: Mapped[datetime | None]
    token_failed_at: Mapped[datetime | None]
    token_failure: Mapped[str | None] = mapped_column(String(255))
    needs_reauth: Mapped[bool] = mapped_column(default=False)
    installer_user_id: Mapped[int | None]
    # What the last bind run left in place and what the portal refused, with its reason ({code: error}).
    placements_bound: Mapped[list | None] = mapped_column(JSON, default=list)
    placements_refused: Mapped[dict | None] = mapped_column(JSON, default=dict)
    # Payment (ONAPPPAYMENT, app.info): Y/N, days left; unpaid_at is when the OAuth server said PAYMENT_REQUIRED.
    payment_expired: Mapped[str | None] = mapped_column(String(1))
    payment_days: Mapped[int | None]
    unpaid_at: Mapped[datetime | None]
    # When the portal's own app.info (licence, payment days) last answered: asked again after PORTAL_INFO_SECONDS.
    app_info_at: Mapped[datetime | None]
    # OVERLOAD_LIMIT: the portal's REST is blocked until Bitrix24 support lifts it; not retried meanwhile.
    overloaded_at: Mapped[datetime | None]
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    installed_at: Mapped[datetime | None] = mapped_column(index=True)  # console sort
    updated_at: Mapped[datetime | None]
    uninstalled_at: Mapped[datetime | None]
    # Frame tokens issued and OAuth verdicts cached before this moment no longer count (set at uninstall).
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None] = mapped_column(index=True)  # console sort

    history: Mapped[list[PortalEvent]] = relationship(
        back_populates="portal", order_by="PortalEvent.id", cascade="all, delete-orphan"
    )

    @property
    def base_url(self) -> str:
        return f"{self.protocol}://{self.domain}"

    @property
    def app_status_name(self) -> str:
        return APP_STATUSES.get(self.app_status or "", "unknown")

    @property
    def standing(self) -> str:
        """What stops the app from working there, besides tokens: unpaid, overloaded, or ok."""
        if self.unpaid_at:
            return "unpaid"
        if self.overloaded_at:
            return "overloaded"
        return "ok"

    @property
    def token_age_days(self) -> int | None:
        """Days since the tokens were last issued or refreshed (the refresh token dies 180 days after)."""
        since = self.token_refreshed_at or self.installed_at
        return None if since is None else max(0, (utcnow() - since).days)

    @property
    def token_health(self) -> str:
        if self.needs_reauth:
            return "needs_reauth"
        if not self.sealed_refresh_token:  # whether one is stored, read without decrypting it (list pages)
            return "none"
        return "ok"

    def record(self, kind: str, old: object = None, new: object = None, detail: str | None = None) -> None:
        """Append a lifecycle event to this portal's history."""
        self.history.append(
            PortalEvent(kind=kind, old_value=_text(old), new_value=_text(new), detail=detail)
        )

    def __repr__(self) -> str:
        return f"<Portal {self.member_id} {self.domain} {self.status}>"


keep_key_on_load(Portal)


class PortalEvent(db.Model):
    """One line of a portal's history: installed, version_updated, domain_changed, uninstalled, ..."""

    __tablename__ = "portal_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(255))
    new_value: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[str | None] = mapped_column(String(512))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    portal: Mapped[Portal] = relationship(back_populates="history")


def _text(value: object) -> str | None:
    return None if value is None else str(value)[:255]
