"""The whole system on loopback for benchmarks and load tests: a database, a sandbox Bitrix24, gunicorn, portals."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server

from bench.servers import Gunicorn

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLIENT_ID, CLIENT_SECRET = "local.bench.app", "bench-client-secret"


@dataclass
class Setup:
    """A running stack: the gunicorn, the sandbox driver, the database kind, the installed portals, the env."""

    gunicorn: Gunicorn
    sandbox: Any
    database: str
    portals: list = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def database() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database when one answers on loopback, else a SQLite file: (url, kind)."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2, autocommit=True) as conn:
            name = f"bench_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:
        import tempfile

        directory = tempfile.mkdtemp(prefix="bench-")
        yield f"sqlite:///{directory}/bench.sqlite3", "SQLite"
        return
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", "PostgreSQL"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_tables(url: str) -> None:
    from app import create_app
    from database import db

    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()


@contextlib.contextmanager
def stack(workers: int, threads: int, portals: int, extra_env: dict[str, str] | None = None,
          database_url: str | None = None, wsgi_app: str = "bench.wsgi:app", gunicorn_port: int | None = None,
          public_url: str | None = None) -> Iterator[Setup]:
    """gunicorn serving ``wsgi_app`` over a database (a fresh one unless given), a sandbox Bitrix24 on loopback,
    and ``portals`` portals installed through it. ``public_url``: a proxy in front, which portals then call."""
    from sandbox import create_sandbox_app
    from sandbox.driver import Sandbox
    from sandbox.state import SandboxState

    given = contextlib.nullcontext((database_url, "PostgreSQL" if "postgres" in database_url else "SQLite")) \
        if database_url else None
    with given or database() as (url, kind):
        create_tables(url)
        state = SandboxState("http://127.0.0.1", CLIENT_ID, CLIENT_SECRET, "http://127.0.0.1")
        state.bucket_size = 10**9  # the benchmark measures the app, not the platform's 2-a-second REST limit
        server = make_server("127.0.0.1", 0, create_sandbox_app(state), threaded=True)
        state.base_url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        env = {
            "DATABASE_URL": url, "B24_CLIENT_ID": CLIENT_ID, "B24_CLIENT_SECRET": CLIENT_SECRET,
            "B24_OAUTH_URL": state.base_url, "B24_TRUSTED_OAUTH_URLS": "", "SECRET_KEY": "bench-secret-key",
            "LOG_LEVEL": "WARNING", "RATE_LIMITS_OFF": "1",
            **(extra_env or {}),
        }
        gunicorn = Gunicorn(env, workers=workers, threads=threads, wsgi_app=wsgi_app, port=gunicorn_port)
        env["PUBLIC_URL"] = gunicorn.env["PUBLIC_URL"] = state.app_url = public_url or gunicorn.url
        sandbox = Sandbox(state)
        try:
            with gunicorn:
                setup = Setup(gunicorn, sandbox, kind, env=env)
                for n in range(portals):
                    portal = sandbox.add_portal(f"bench{n}", lang="ru" if n % 2 else "en")
                    response = sandbox.install(portal)
                    if response.status_code != 200:
                        raise RuntimeError(f"install failed: {response.status_code} {response.text[:300]}")
                    setup.portals.append(portal)
                yield setup
        finally:
            server.shutdown()
            server.server_close()
