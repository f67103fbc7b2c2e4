"""Who is signed in, the session's expiry, CSRF and the anti-framing headers for every /console response."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g, redirect, request, session, url_for

from console import csrf
from console.models import StaffUser
from database import db, utcnow
from i18n import LANGUAGES

PREFIX = "/console"
# Pages anyone may open: the sign-in form and the language switch.
PUBLIC_ENDPOINTS = {"console.login", "console.login_post", "console.set_language"}


def sign_in(user: StaffUser) -> None:
    """Start a fresh session for this account (the old one, and its CSRF token, are dropped)."""
    lang = session.get("console_lang")
    session.clear()
    session.permanent = True
    session["staff_id"] = user.id
    session["signed_at"] = utcnow().isoformat()
    if lang:
        session["console_lang"] = lang
    csrf.rotate()


def sign_out() -> None:
    lang = session.get("console_lang")
    session.clear()
    if lang:
        session["console_lang"] = lang


def current_staff() -> StaffUser | None:
    """The signed-in staff account, or None when the session is absent, expired, voided or the account inactive."""
    staff_id, signed_at = session.get("staff_id"), session.get("signed_at")
    if not staff_id or not signed_at:
        return None
    try:
        signed = datetime.fromisoformat(signed_at)
    except (TypeError, ValueError):
        return None
    lifetime = timedelta(minutes=int(current_app.config["CONSOLE_SESSION_MINUTES"]))
    # The cookie's own expiry is the browser's business; the server enforces it as well.
    if utcnow() - signed > lifetime:
        return None
    user = db.session.get(StaffUser, staff_id)
    if user is None or not user.active:
        return None
    if user.sessions_valid_after and signed <= user.sessions_valid_after:
        return None
    return user


def console_language() -> str:
    chosen = session.get("console_lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def before_console_request() -> Any:
    g.lang = console_language()
    g.staff = current_staff()
    csrf.protect()
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if session.get("staff_id"):
            sign_out()
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    return None
