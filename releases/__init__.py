"""Releases of the app and known issues: the registry, public issue pages, deflection, answers that follow updates."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from b24.signals import portal_version_changed
    from releases import models, registry, search  # noqa: F401  (tables, full-text DDL)
    from releases.cli import cli
    from releases.following import on_version_changed
    from releases.frame import bp as frame_bp
    from releases.frame import support_knowledge
    from releases.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(frame_bp)
    app.register_blueprint(cli)
    portal_version_changed.connect(on_version_changed, weak=False)
    app.jinja_env.globals["support_knowledge"] = support_knowledge
    # The console's answer form picks a release or a published known issue from these.
    app.jinja_env.globals["release_choices"] = registry.all_releases
    app.jinja_env.globals["known_issue_choices"] = search.published_all
