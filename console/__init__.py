"""The developer console (/console): the vendor's staff see portals, tickets, contracts and answer tickets."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    from console import (
        csrf,
        session,
    )
    from console.blueprint import bp
    from console.cli import cli

    # The console's session cookie: expiring, unreadable to scripts, not sent on cross-site POSTs.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["CONSOLE_SESSION_MINUTES"]))
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["PUBLIC_URL"].startswith("https://")

    from console.views import auth, contracts, portals, releases, tickets  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
    app.register_blueprint(cli)
    csrf.init_app(app)
    session.init_app(app)
    # Its response headers (no framing, no-store) are set with everyone else's, in ops/security.py.
