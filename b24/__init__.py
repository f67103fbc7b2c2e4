"""Everything that speaks Bitrix24: verification, OAuth and tokens, REST calls, install and events."""

from __future__ import annotations

from flask import Flask

from errors import machine_paths


def init_app(app: Flask) -> None:
    from b24 import calls, models, users  # noqa: F401  (tables)

    users.init_app(app)
    from b24.scopes import check

    # A placement outside the declared scopes would be refused by every portal: say so before serving.
    check(app.config["B24_SCOPES"], app.config["B24_PLACEMENTS"])
    from b24.cli import cli
    from b24.errors import B24Error, PortalBlocked
    from b24.views import bitrix_error, bp, portal_blocked

    app.register_blueprint(bp)
    app.register_blueprint(cli)
    # A blocked portal's frames and forms, wherever refused, show the vendor's contacts.
    app.register_error_handler(PortalBlocked, portal_blocked)
    app.register_error_handler(B24Error, bitrix_error)
    machine_paths(app, "/b24/events")  # the portal's event sender reads JSON
