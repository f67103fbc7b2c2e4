"""The console's sign-in session through Flask-Login: who is signed in, the server-side expiry and revocation."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, session
from flask_login import LoginManager, login_user, logout_user

from console import csrf
from database import db, utcnow
from staff.models import StaffUser

# When this session was signed in: the server enforces the lifetime and logout's revocation against it.
SIGNED_AT = "signed_at"
_LANG = "console_lang"  # the language switch outlives signing in and out

login_manager = LoginManager()
login_manager.login_view = "console.login"
# The sign-in page itself says what to do; no flashed "please log in" on top of it.
login_manager.login_message = None


def _signed_at() -> datetime | None:
    try:
        return datetime.fromisoformat(session.get(SIGNED_AT) or "")
    except (TypeError, ValueError):
        return None


@login_manager.user_loader
def load_staff(staff_id: str) -> StaffUser | None:
    """The session's staff account, or None when the session expired, was voided or the account is inactive."""
    signed = _signed_at()
    if signed is None or not staff_id.isdigit():
        return None
    lifetime = timedelta(minutes=int(current_app.config["CONSOLE_SESSION_MINUTES"]))
    # The cookie's own expiry is the browser's business; the server enforces it as well.
    if utcnow() - signed > lifetime:
        return None
    user = db.session.get(StaffUser, int(staff_id))
    if user is None or not user.is_active:
        return None
    # Logout (console.staff.end_sessions) voids every session of the account signed before it.
    if user.sessions_valid_after and signed <= user.sessions_valid_after:
        return None
    return user


def _keep_only_language() -> None:
    lang = session.get(_LANG)
    session.clear()
    if lang:
        session[_LANG] = lang


def sign_in(user: StaffUser) -> None:
    """Start a fresh session for this account (the old one, and its CSRF token, are dropped)."""
    _keep_only_language()
    session.permanent = True
    session[SIGNED_AT] = utcnow().isoformat()
    login_user(user)
    csrf.rotate()


def sign_out() -> None:
    """End this browser's session (logout also voids the account's other sessions: ``end_sessions``)."""
    logout_user()
    _keep_only_language()


def init_app(app: Flask) -> None:
    # No current_user in every template of the app: the console's views hand ``staff`` to theirs.
    login_manager.init_app(app, add_context_processor=False)
