"""The Flask application factory: configuration, the last-resort error handling, then each subsystem's init_app."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

import errors
import i18n
import i18n_dates
import i18n_render
import settings
from database import db, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.jinja_environment = i18n_render.TranslatedEnvironment  # literal words translated once per language
    settings.load(app, test_config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))

    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", "migrations"))
    i18n.init_app(app)
    i18n_dates.init_app(app)
    i18n_render.init_app(app)
    errors.init_app(app)  # the last resort; each package registers its own exceptions and machine paths

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

    return app
