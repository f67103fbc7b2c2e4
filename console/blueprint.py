"""The console's blueprint: every /console request passes the guard (language, CSRF, Flask-Login's sign-in) first."""

from __future__ import annotations

from flask import Blueprint

from console.guard import before_console_request

bp = Blueprint("console", __name__, url_prefix="/console")
bp.before_request(before_console_request)
