"""A local Bitrix24 stand-in: OAuth server, portal REST, lifecycle events and a portal page that frames the app.

Development and tests only. In development ``SANDBOX=1`` mounts it under /sandbox of the app itself, where it
also remembers its portals across restarts (``sandbox/persist.py``), gives the demo portal a support contract
(``sandbox/demo.py``) and lists the mail ``scripts/dev``'s catcher received (``sandbox/mailbox.py``); tests
serve ``create_sandbox_app()`` on its own loopback port, in memory.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request

from sandbox.state import SandboxState

PREFIX = "/sandbox"
# The sandbox's portals live under this made-up zone (.test never resolves); in sandbox mode it counts as a
# Bitrix24 cloud zone, so the demo portal is a cloud portal. Production's B24_CLOUD_DOMAINS never names it.
TEST_ZONE = "bitrix24.test"
BLUEPRINTS = ("sandbox", "sandbox_oauth", "sandbox_rest")
# Pages where the app is known to be idle (no install request waiting on the sandbox): safe to write demo data.
DEMO_ENDPOINTS = ("sandbox.index", "sandbox.portal_page", "sandbox.install_finished")


def _register(app: Flask, state: SandboxState, prefix: str = "", mail_dir: Path | None = None) -> None:
    from sandbox.oauth import bp as oauth
    from sandbox.pages import bp as pages
    from sandbox.rest import bp as rest

    app.extensions["sandbox"] = state
    app.extensions["sandbox_mail_dir"] = mail_dir
    for blueprint in (pages, oauth, rest):
        app.register_blueprint(blueprint, url_prefix=prefix or None)


def create_sandbox_app(state: SandboxState, mail_dir: Path | None = None) -> Flask:
    """The sandbox as its own WSGI app, for a separate loopback server."""
    app = Flask(__name__, static_folder="../static", template_folder="../templates")
    app.config["SECRET_KEY"] = "sandbox"  # noqa: S105 (signs nothing of value)
    import i18n
    import i18n_dates

    i18n.init_app(app)
    i18n_dates.init_app(app)
    _register(app, state, mail_dir=mail_dir)
    return app


def data_dir(app: Flask) -> Path:
    """Where the sandbox keeps what it remembers: beside the app's SQLite database, else in the instance folder."""
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    return Path(app.instance_path)


def init_app(app: Flask) -> None:
    """Mount the sandbox inside the app (development): it becomes the OAuth server the app trusts."""
    if app.config["PUBLIC_URL"].startswith("https://"):
        # A public HTTPS address means real portals can reach this app: they must not meet a fake OAuth server.
        raise RuntimeError("SANDBOX is for development on a local address; unset it where PUBLIC_URL is https.")
    from sandbox import demo, mailbox, persist

    base = f"{app.config['PUBLIC_URL']}{PREFIX}"
    from sandbox.scopes import DEFAULT_SCOPES

    state = SandboxState(base, app.config["B24_CLIENT_ID"], app.config["B24_CLIENT_SECRET"], app.config["PUBLIC_URL"],
                         scopes=app.config.get("B24_SCOPES", DEFAULT_SCOPES))
    keeper = persist.Keeper(state, data_dir(app) / "sandbox.json")
    keeper.load()
    if not state.portals:
        state.add_portal(demo.DEMO_SLUG, lang="ru")
    keeper.save_if_changed()
    zones = [z for z in str(app.config["B24_CLOUD_DOMAINS"]).split(",") if z.strip()]
    app.config["B24_CLOUD_DOMAINS"] = ",".join([*zones, TEST_ZONE])
    app.config["B24_OAUTH_URL"] = base
    app.config["FRAME_ANCESTORS_EXTRA"] = app.config["PUBLIC_URL"]
    _register(app, state, PREFIX, mail_dir=mailbox.mail_dir(data_dir(app)))
    app.register_blueprint(demo.cli)

    @app.after_request
    def remember(response):
        if request.blueprint in BLUEPRINTS:
            keeper.save_if_changed()
            if request.endpoint in DEMO_ENDPOINTS:
                demo_portal = state.by_slug(demo.DEMO_SLUG)
                if demo_portal is not None and demo_portal.installed:
                    demo.ensure_demo_contract(demo_portal.member_id)
        return response
