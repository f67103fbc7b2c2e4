"""API bearer tokens: only a SHA-256 of each token is stored; the token itself is shown once at creation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from database import db, utcnow


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, enough to tell tokens apart in a list, useless to authenticate.
    prefix: Mapped[str] = mapped_column(String(16))
    # The staff user the token acts for; their permissions (e.g. vulnerability reports) apply to it.
    staff_user_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name} {self.prefix}…>"
