"""Readiness and metrics: /readyz (database, migrations, delivery backlog) and /metrics (Prometheus text)."""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from database import db
from ops import counters
from ops.gauges import DatabaseCollector, backlog

bp = Blueprint("ops", __name__)


def migrations_dir() -> Path:
    directory = Path(current_app.config.get("MIGRATIONS_DIR", "migrations"))
    return directory if directory.is_absolute() else Path(current_app.root_path) / directory


def code_heads() -> set[str] | None:
    """The Alembic heads shipped with this code; None when the build carries no migrations."""
    directory = migrations_dir()
    if not (directory / "env.py").exists():
        return None
    cached = current_app.extensions.get("ops.heads")
    if cached is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(directory))
        cached = current_app.extensions["ops.heads"] = set(ScriptDirectory.from_config(config).get_heads())
    return cached


def database_revisions() -> set[str]:
    try:
        with db.engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        return set()  # no alembic_version table: never migrated


def readiness() -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {}
    ready = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        db.session.rollback()
        return False, {"database": f"unreachable ({exc.__class__.__name__})"}
    heads = code_heads()
    if heads is None:
        checks["migrations"] = "no migrations directory"
    else:
        applied = database_revisions()
        current = applied == heads
        checks["migrations"] = "current" if current else {"code": sorted(heads), "database": sorted(applied)}
        ready &= current
    try:
        checks["delivery_backlog"] = backlog()
    except SQLAlchemyError as exc:  # tables missing: a database nobody migrated
        db.session.rollback()
        checks["delivery_backlog"] = f"unreadable ({exc.__class__.__name__})"
        return False, checks
    limit = current_app.config["READY_MAX_BACKLOG_SECONDS"]
    if limit and checks["delivery_backlog"]["oldest_age_seconds"] > limit:
        checks["delivery_backlog"]["too_old"] = True
        ready = False
    return ready, checks


@bp.get("/readyz")
def readyz():
    ready, checks = readiness()
    response = jsonify(status="ready" if ready else "not_ready", checks=checks)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    return response


@bp.get("/metrics")
def metrics():
    token = current_app.config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("metrics need the bearer token\n", 401, {"WWW-Authenticate": "Bearer"},
                            mimetype="text/plain")
    return Response(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


def scrape_registry() -> CollectorRegistry:
    """This process's counters, or, under gunicorn, every worker's summed from PROMETHEUS_MULTIPROC_DIR; and the
    database's numbers."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = counters.of(current_app).registry
    combined = CollectorRegistry()
    combined.register(registry)  # a registry is itself a collector
    combined.register(DatabaseCollector())
    return combined


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
