"""The whole system on loopback for benchmarks and load tests: a database, a sandbox Bitrix24, gunicorn, portals."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bench.servers import Gunicorn

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLIENT_ID, CLIENT_SECRET = "local.bench.app", "bench-client-secret"
# The "case" of BENCH_STATS_DIR lines that count the REST log writer's statements (bench/wsgi.py, bench/http.py).
BACKGROUND = "_background"


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


REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _redis() -> bool:
    """Production shares the user cache through Redis; the benchmark does too when one answers."""
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def seed(url: str, portals: int) -> None:
    """``portals`` portals (and a few tickets) in bulk, before the sandbox's portals are installed after them."""
    from app import create_app
    from bench import scale_data
    from database import db, utcnow

    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        scale_data.generate(portals, max(1000, portals // 10), utcnow())
        db.engine.dispose()


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
          public_url: str | None = None, seed_portals: int = 0, rtt_ms: float = 0) -> Iterator[Setup]:
    """gunicorn serving ``wsgi_app`` over a database (a fresh one unless given), a sandbox Bitrix24 on loopback,
    and ``portals`` portals installed through it. ``public_url``: a proxy in front, which portals then call."""
    from sandbox import create_sandbox_app
    from sandbox.driver import Sandbox
    from sandbox.network import SandboxServer
    from sandbox.state import SandboxState

    given = contextlib.nullcontext((database_url, "PostgreSQL" if "postgres" in database_url else "SQLite")) \
        if database_url else None
    with given or database() as (url, kind):
        create_tables(url)
        if seed_portals:
            seed(url, seed_portals)
        state = SandboxState("http://127.0.0.1", CLIENT_ID, CLIENT_SECRET, "http://127.0.0.1")
        state.bucket_size = 10**9  # the benchmark measures the app, not the platform's 2-a-second REST limit
        server = SandboxServer(create_sandbox_app(state)).start()  # new connections pay their handshakes
        state.base_url = server.url
        env = {
            "DATABASE_URL": url, "B24_CLIENT_ID": CLIENT_ID, "B24_CLIENT_SECRET": CLIENT_SECRET,
            "B24_OAUTH_URL": state.base_url, "B24_TRUSTED_OAUTH_URLS": "", "SECRET_KEY": "bench-secret-key",
            # Logging and rate limits as in production: the JSON request log at INFO, both submission windows
            # counted on every filing (only their ceilings are raised, so the benchmark's users are not refused).
            "LOG_LEVEL": "INFO", "RATE_LIMIT_SUBMISSIONS_PER_PORTAL": "1000000",
            "RATE_LIMIT_SUBMISSIONS_PER_USER": "1000000", "GUNICORN_MAX_REQUESTS": "1000000",
            "BENCH_SANDBOX_URL": state.base_url, "BENCH_STATS_DIR": tempfile.mkdtemp(prefix="bench-stats-"),
            **({"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:"} if _redis() else {}),
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
                state.rtt_ms = rtt_ms  # installed on loopback time; measured at the internet's
                yield setup
        finally:
            server.stop()
