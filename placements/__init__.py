"""The app's pages inside the portal: the main page and every bound Support placement."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from placements.home import bp as home

    app.register_blueprint(home)
