"""Staff accounts: creating them, checking passwords, and the per-IP-and-email limit on sign-in attempts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from database import db, utcnow
from staff.models import LoginAttempt, StaffUser, normalise_email

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class StaffError(ValueError):
    """A staff account could not be created: ``field`` names what to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class LoginRefused(Exception):
    """Wrong email or password (deliberately not saying which)."""


class TooManyAttempts(Exception):
    """The sign-in limit for this IP and email is reached; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def create_user(email: str, name: str, password: str, *, can_see_vulnerabilities: bool = False,
                role: str = "staff") -> StaffUser:
    """Add a staff account (not committed); the password is stored only as a salted hash."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 255:
        raise StaffError("email", "Give a valid email address.")
    if db.session.execute(select(StaffUser.id).where(StaffUser.email == email)).first():
        raise StaffError("email", f"A staff account with {email} already exists.")
    if not (name or "").strip():
        raise StaffError("name", "Give the person's name.")
    if len(password or "") < MIN_PASSWORD:
        raise StaffError("password", f"The password must have at least {MIN_PASSWORD} characters.")
    user = StaffUser(email=email, name=name.strip()[:255], password_hash=generate_password_hash(password),
                     role=role, can_see_vulnerabilities=can_see_vulnerabilities, active=True)
    db.session.add(user)
    return user


def _limits() -> tuple[int, int, timedelta]:
    cfg = current_app.config
    return (int(cfg["CONSOLE_LOGIN_MAX_ATTEMPTS"]), int(cfg["CONSOLE_LOGIN_MAX_ATTEMPTS_PER_IP"]),
            timedelta(minutes=int(cfg["CONSOLE_LOGIN_WINDOW_MINUTES"])))


def _retry_after(oldest: datetime | None, window: timedelta) -> int:
    if oldest is None:
        return int(window.total_seconds())
    return max(1, int((oldest + window - utcnow()).total_seconds()) + 1)


def check_limits(ip: str, email: str) -> None:
    """Raise TooManyAttempts when this IP and email, or this IP over all emails, used up its failures."""
    per_key, per_ip, window = _limits()
    since = utcnow() - window
    recent = (LoginAttempt.ip == ip, LoginAttempt.at >= since)
    key_count, key_oldest = db.session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(*recent, LoginAttempt.email == email)
    ).one()
    if key_count >= per_key:
        raise TooManyAttempts(_retry_after(key_oldest, window))
    # Guessing one password across many emails is stopped by the per-IP ceiling.
    ip_count, ip_oldest = db.session.execute(select(func.count(), func.min(LoginAttempt.at)).where(*recent)).one()
    if ip_count >= per_ip:
        raise TooManyAttempts(_retry_after(ip_oldest, window))


def authenticate(email: str, password: str, ip: str) -> StaffUser:
    """The active staff account for these credentials; a failure is recorded (and committed) for the limit.

    The limit is checked before the password, so a blocked attacker learns nothing from further guesses.
    """
    email = normalise_email(email)[:255]
    ip = (ip or "unknown")[:64]
    check_limits(ip, email)
    user = db.session.execute(select(StaffUser).where(StaffUser.email == email)).scalar_one_or_none()
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    ok = ok and user is not None and user.active
    _, _, window = _limits()
    # Failures older than the window no longer count; dropping them keeps the table small.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.ip == ip, LoginAttempt.at < utcnow() - window))
    if ok:
        # A success clears the slate for this key: the limit is on guessing, not on working.
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.ip == ip, LoginAttempt.email == email))
        user.last_login_at = utcnow()
    else:
        db.session.add(LoginAttempt(ip=ip, email=email))
    db.session.commit()
    if not ok:
        raise LoginRefused()
    return user


def end_sessions(user: StaffUser) -> None:
    """Void every session of this account signed so far (used by logout)."""
    user.sessions_valid_after = utcnow()
    db.session.commit()
