"""A local Bitrix24 stand-in: OAuth server, portal REST, lifecycle events and a portal page that frames the app.

Development and tests only. In development ``SANDBOX=1`` mounts it under /sandbox of the app itself; tests
serve ``create_sandbox_app()`` on its own loopback port.
"""

from __future__ import annotations

from flask import Flask

from sandbox.state import SandboxState

PREFIX = "/sandbox"


def _register(app: Flask, state: SandboxState, prefix: str = "") -> None:
    from sandbox.oauth import bp as oauth
    from sandbox.pages import bp as pages
    from sandbox.rest import bp as rest

    app.extensions["sandbox"] = state
    for blueprint in (pages, oauth, rest):
        app.register_blueprint(blueprint, url_prefix=prefix or None)


def create_sandbox_app(state: SandboxState) -> Flask:
    """The sandbox as its own WSGI app, for a separate loopback server."""
    app = Flask(__name__, static_folder="../static", template_folder="../templates")
    app.config["SECRET_KEY"] = "sandbox"  # noqa: S105 (signs nothing of value)
    import i18n

    i18n.init_app(app)
    _register(app, state)
    return app


def init_app(app: Flask) -> None:
    """Mount the sandbox inside the app (development): it becomes the OAuth server the app trusts."""
    if app.config["PUBLIC_URL"].startswith("https://"):
        # A public HTTPS address means real portals can reach this app: they must not meet a fake OAuth server.
        raise RuntimeError("SANDBOX is for development on a local address; unset it where PUBLIC_URL is https.")
    base = f"{app.config['PUBLIC_URL']}{PREFIX}"
    from sandbox.scopes import DEFAULT_SCOPES

    state = SandboxState(base, app.config["B24_CLIENT_ID"], app.config["B24_CLIENT_SECRET"], app.config["PUBLIC_URL"],
                         scopes=app.config.get("B24_SCOPES", DEFAULT_SCOPES))
    if not state.portals:
        state.add_portal("demo", lang="ru")
    app.config["B24_OAUTH_URL"] = base
    app.config["FRAME_ANCESTORS_EXTRA"] = app.config["PUBLIC_URL"]
    _register(app, state, PREFIX)
