"""Shared fixtures: the app on a real database (PostgreSQL when the machine has it), served over loopback."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from b24.calls import flush_journal
from database import db

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_available(honour_choice: bool = True) -> bool:
    choice = os.environ.get("TEST_DB", "auto") if honour_choice else "auto"
    if choice == "sqlite":
        return False
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        if choice == "postgres":
            raise
        return False


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """One database per test session: a fresh PostgreSQL database, or a SQLite file."""
    if _postgres_available():
        import psycopg

        name = f"desk_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        yield f"{base}/{name}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'desk.sqlite3'}"


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Settings for one test; a test may change them before the ``app`` fixture is first used."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "B24_CLIENT_ID": "local.test.app",
        "B24_CLIENT_SECRET": "test-client-secret",
        "B24_OAUTH_URL": "http://127.0.0.1:9",
        "B24_TRUSTED_OAUTH_URLS": "",
        "B24_RETRY_BASE_DELAY": 0.01,
        "B24_HTTP_TIMEOUT": 5.0,
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        _empty_tables()
    yield app
    flush_journal(app)  # REST log rows still on their way, written before the engine goes
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (names from our metadata)


@pytest.fixture
def client(app):
    return app.test_client()


# A command speaks the environment's locale (i18n.cli_language): the tests that read its English pin it.
ENGLISH_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}


@pytest.fixture
def runner(app):
    return app.test_cli_runner(env=ENGLISH_LOCALE)


class LiveServer:
    """A WSGI app served on 127.0.0.1 in a thread, as a real HTTP peer."""

    def __init__(self, wsgi_app):
        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def live_app(app) -> Iterator[str]:
    """The app served over loopback; PUBLIC_URL points at it so bound handlers are reachable."""
    server = LiveServer(app)
    app.config["PUBLIC_URL"] = server.url
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def sandbox(app, live_app):
    """A sandbox Bitrix24 (OAuth server + portals) on its own loopback port; the app trusts it."""
    from sandbox import create_sandbox_app
    from sandbox.driver import Sandbox
    from sandbox.network import SandboxServer
    from sandbox.state import SandboxState

    # The app's registration in the vendor cabinet: exactly the scopes the app declares.
    scopes = app.config["B24_SCOPES"]
    state = SandboxState("http://127.0.0.1", app.config["B24_CLIENT_ID"], app.config["B24_CLIENT_SECRET"], live_app,
                         scopes=scopes)
    server = SandboxServer(create_sandbox_app(state))
    state.base_url = server.url
    app.config["B24_OAUTH_URL"] = server.url
    app.config["FRAME_ANCESTORS_EXTRA"] = server.url
    server.start()
    yield Sandbox(state)
    server.stop()


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    yield page
    context.close()


ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "artifacts")


def screenshot(page, name: str) -> str:
    """Save a screenshot under artifacts/ for a person to look at."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path

