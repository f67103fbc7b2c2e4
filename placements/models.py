"""Form tokens already spent: a one-time submit token is refused the second time (replay)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from database import db, utcnow


class UsedFormToken(db.Model):
    __tablename__ = "used_form_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(48), unique=True)
    portal_id: Mapped[int | None]
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
