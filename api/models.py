"""API bearer tokens: only a SHA-256 of each token is stored; the token itself is shown once at creation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from database import db, utcnow
from staff.models import StaffUser


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, enough to tell tokens apart in a list, useless to authenticate.
    prefix: Mapped[str] = mapped_column(String(16))
    # The staff member the token acts for: their permissions apply, and answers are theirs. Without one the
    # token may only read, and never sees vulnerability reports.
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    staff: Mapped[StaffUser | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.staff is None or self.staff.active)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name} {self.prefix}…>"
