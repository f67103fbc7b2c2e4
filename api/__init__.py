"""The JSON API under /api/v1/ with bearer tokens, its OpenAPI document and the token CLI."""

from __future__ import annotations

from flask import Flask

from api import docs, models  # noqa: F401  (models: the tables)
from api.cli import cli
from api.views import bp
from errors import machine_paths


def init_app(app: Flask) -> None:
    api_docs = docs.init_app(app)
    api_docs.register_blueprint(bp)
    app.register_blueprint(cli)
    # Errors outside the API's own handler (an unknown path, a 405) are JSON of the same shape (errors.py).
    machine_paths(app, "/api/")
