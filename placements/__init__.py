"""The app's pages inside the portal: the main page and every bound Support placement."""

from __future__ import annotations

from flask import Flask

from errors import machine_paths


def init_app(app: Flask) -> None:
    import placements.models  # noqa: F401  (tables)
    from placements import known_issues, recorder
    from placements.home import bp as home
    from placements.support import bp as support
    from placements.tus import bp as support_uploads
    from placements.unpaid import init_app as unpaid_page

    app.register_blueprint(home)
    app.register_blueprint(support)
    app.register_blueprint(support_uploads)
    machine_paths(app, "/placements/support/uploads")  # tus clients read JSON errors
    app.register_blueprint(known_issues.bp)
    # The Support form's aside: update banner, fixes to confirm, the portal's known issues.
    app.jinja_env.globals["support_knowledge"] = known_issues.support_knowledge
    recorder.init_app(app)
    unpaid_page(app)
