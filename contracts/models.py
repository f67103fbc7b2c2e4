"""Support contracts and the payment operators the vendor recommends: both feed eligibility (policy §2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from b24.models import Portal
from database import db, utcnow


class Contract(db.Model):
    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portal.id", ondelete="SET NULL"), index=True)
    customer: Mapped[str] = mapped_column(String(255), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    reaction_hours: Mapped[int] = mapped_column(default=24)
    responsible_email: Mapped[str | None] = mapped_column(String(255))
    responsible_telegram: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    portal: Mapped[Portal | None] = relationship()

    def is_active(self, on: date) -> bool:
        return self.valid_from <= on <= self.valid_to


class Operator(db.Model):
    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    recommended: Mapped[bool] = mapped_column(default=True)
