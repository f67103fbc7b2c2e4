"""Every /console request: its language, CSRF, then the sign-in (Flask-Login)."""

from __future__ import annotations

from typing import Any

from flask import g, request, session
from flask_login import current_user

from console import csrf
from console.session import login_manager, sign_out
from i18n import LANGUAGES

PREFIX = "/console"
# Pages anyone may open: the sign-in form and the language switch.
PUBLIC_ENDPOINTS = {"console.login", "console.login_post", "console.set_language"}


def console_language() -> str:
    chosen = session.get("console_lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def before_console_request() -> Any:
    """Flask-Login's ``login_required`` for the whole blueprint, after the CSRF check (a POST without a token is
    a 400 even without a session), and the staff member as ``g.staff`` for the views."""
    g.lang = console_language()
    csrf.protect()
    # The StaffUser itself (not Flask-Login's proxy): views hand it to domain operations as an ORM object.
    g.staff = current_user._get_current_object() if current_user.is_authenticated else None
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if "_user_id" in session:  # an expired, voided or deactivated session: drop it
            sign_out()
        # A redirect to the sign-in page with next= this page's path and query.
        return login_manager.unauthorized()
    return None

