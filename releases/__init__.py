"""Releases of the app and known issues: the registry, public issue pages, deflection, answers that follow updates.

The known issues shown inside the Support placement are a placement view (placements/known_issues.py).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from b24.signals import portal_version_changed
    from releases import models, registry, search  # noqa: F401  (tables, full-text DDL)
    from releases.cli import cli
    from releases.following import on_version_changed
    from releases.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(cli)
    portal_version_changed.connect(on_version_changed, weak=False)
    # The console's answer form picks a release or a published known issue from these.
    app.jinja_env.globals["release_choices"] = registry.all_releases
    app.jinja_env.globals["known_issue_choices"] = search.published_all
