"""The vendor's staff accounts (the console's users, the API tokens' owners) and the login attempts that
rate-limit them."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from database import db, utcnow

STAFF_ROLES = ("staff", "admin")


class StaffUser(UserMixin, db.Model):
    """A staff account; Flask-Login's user (``get_id`` is the primary key)."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    # Vulnerability reports are private: only staff with this flag see them, anywhere.
    can_see_vulnerabilities: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Sessions signed before this moment are void: logging out ends every session of the account.
    sessions_valid_after: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        """A deactivated account cannot sign in and loses the sessions it has."""
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<StaffUser {self.email}>"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def staff_by_email(email: str) -> StaffUser | None:
    """The account with this address, however it was typed (case, spaces)."""
    return db.session.execute(select(StaffUser).where(StaffUser.email == normalise_email(email))).scalar_one_or_none()


class LoginAttempt(db.Model):
    """One failed sign-in, kept in the database so the limit holds across processes (pruned after the window)."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_key", "ip", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(default=utcnow)
