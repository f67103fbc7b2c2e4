"""A per-session CSRF token: put in every console form, checked on every state-changing request."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session
from markupsafe import Markup

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_SESSION_KEY = "_csrf"


def token() -> str:
    """This session's token, created on first use."""
    value = session.get(_SESSION_KEY)
    if not value:
        value = session[_SESSION_KEY] = secrets.token_urlsafe(32)
    return value


def field() -> Markup:
    """The hidden input every console form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token())


def rotate() -> None:
    """A fresh token after sign-in, so a token planted before login is worthless after it."""
    session[_SESSION_KEY] = secrets.token_urlsafe(32)


def protect() -> None:
    """Refuse (400) a POST whose token is missing or is not this session's."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get(_SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="The form has expired or did not come from the console. Reload the page and try again.")
