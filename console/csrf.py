"""The console's CSRF protection: Flask-WTF's CSRFProtect, asked for by the console's blueprint only.

The placement's frame-token forms keep their own one-time token (placements/frame_tokens.py) and the API takes
bearer tokens, so neither is checked here: the app-wide check is off and the console's guard calls ``protect``.
"""

from __future__ import annotations

from flask import Flask, g
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from markupsafe import Markup

from i18n import gettext_in

FIELD = "csrf_token"  # bench/filing.py and the tests read this field from the pages
csrf = CSRFProtect()


def field() -> Markup:
    """The hidden input every console form carries (templates call it as ``csrf_field()``)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, generate_csrf())


def rotate() -> None:
    """Forget this request's token after sign-in, so a token planted before login is worthless after it.

    The session was cleared, which dropped the raw token; Flask-WTF also caches the signed one on ``g``.
    """
    g.pop("csrf_token", None)


def protect() -> None:
    """Refuse (400, in the console's language) a state-changing request whose token is missing or foreign."""
    try:
        csrf.protect()
    except CSRFError as exc:
        # Flask-WTF's reason ("The CSRF token is missing.") is logged by it; the person reads what to do.
        raise CSRFError(gettext_in(g.get("lang"),
            "The form has expired or did not come from the console. Reload the "
            "page and try again.")) from exc


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # only /console asks (see the module's docstring)
    app.config["WTF_CSRF_FIELD_NAME"] = FIELD
    # The token lives as long as the console session, which expires on its own (CONSOLE_SESSION_MINUTES).
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    app.jinja_env.globals["csrf_field"] = field
