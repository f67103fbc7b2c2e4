"""The Flask application factory: configuration, then each subsystem's init_app, then error handling."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

import i18n
import settings
from database import db, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    settings.load(app, test_config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))

    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", "migrations"))
    i18n.init_app(app)

    import ops

    ops.init_app(app)

    import api
    import b24
    import console
    import contracts
    import delivery
    import placements
    import releases
    import tickets

    b24.init_app(app)
    tickets.init_app(app)
    contracts.init_app(app)
    delivery.init_app(app)
    placements.init_app(app)
    releases.init_app(app)
    console.init_app(app)
    api.init_app(app)
    if app.config["SANDBOX"]:
        import sandbox

        sandbox.init_app(app)

    _register_error_handlers(app)
    return app


def _wants_json() -> bool:
    if request.path.startswith(("/api/", "/b24/events", "/placements/support/uploads")):  # machine clients
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _error_page(status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None):
    if _wants_json():
        return jsonify(error=code, error_description=message), status, headers or []
    page = render_template("error.html", status=status, message=message, lang=g.get("lang", "en"))
    return page, status, headers or []


def _register_error_handlers(app: Flask) -> None:
    from b24.errors import B24Error

    @app.errorhandler(B24Error)
    def bitrix_error(exc: B24Error):
        db.session.rollback()
        return _error_page(exc.status, exc.code or exc.__class__.__name__, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Keep what the error says in its headers (Allow on 405, Retry-After on 429, Content-Range on 416).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        code = (exc.name or "error").lower().replace(" ", "_")
        return _error_page(exc.code or 500, code, exc.description or "", headers)

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s", request.path)
        return _error_page(500, "internal_error", gettext(
            "Something went wrong on our side. Nothing was lost; try again."))
