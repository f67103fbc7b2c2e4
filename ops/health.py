"""Readiness and metrics: /readyz (database, migrations, delivery backlog) and /metrics (Prometheus text)."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from b24.models import Portal
from database import db, utcnow
from delivery import models as delivery_models
from delivery.models import DeliveryAttempt, OutboxMessage
from ops import counters
from tickets.models import Ticket

bp = Blueprint("ops", __name__)
SETTLED = ("sent", "dead")


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


def backlog() -> dict[str, Any]:
    """Messages due and not yet sent, and how long the oldest has waited."""
    now = utcnow()
    # Anything not yet settled (pending, claimed, sending...) whose time has come.
    due = OutboxMessage.state.not_in(SETTLED) & (OutboxMessage.next_attempt_at <= now)
    pending, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(due)
    ).one()
    return {"pending": int(pending), "oldest_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0}


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
    return Response(render_metrics(), mimetype="text/plain; version=0.0.4")


def render_metrics() -> str:
    out: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        out.append(f"# HELP b24desk_{name} {help_text}")
        out.append(f"# TYPE b24desk_{name} {kind}")
        for labels, value in samples:
            label = ",".join(f'{k}="{v}"' for k, v in labels.items())
            out.append(f"b24desk_{name}{{{label}}} {value:g}" if label else f"b24desk_{name} {value:g}")

    session = db.session
    metric("tickets_filed_total", "counter", "Tickets filed since the start.",
           [({}, session.scalar(select(func.count(Ticket.id))) or 0)])
    states = dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
    metric("deliveries", "gauge", "Outbox messages by state.",
           [({"state": s}, states.get(s, 0)) for s in _message_states(delivery_models, states)])
    attempts = dict(session.execute(select(DeliveryAttempt.ok, func.count()).group_by(DeliveryAttempt.ok)).all())
    metric("delivery_attempts_total", "counter", "Delivery attempts by result.",
           [({"result": "sent"}, attempts.get(True, 0)), ({"result": "failed"}, attempts.get(False, 0))])
    metric("delivery_backlog_age_seconds", "gauge", "Age of the oldest due, unsent message.",
           [({}, backlog()["oldest_age_seconds"])])
    portals = dict(session.execute(select(Portal.status, func.count()).group_by(Portal.status)).all())
    metric("portals", "gauge", "Portals by status.",
           [({"status": s}, n) for s, n in sorted(portals.items())])
    metric("portals_needing_reauth", "gauge", "Portals whose refresh token was refused.",
           [({}, session.scalar(select(func.count(Portal.id)).where(Portal.needs_reauth.is_(True))) or 0)])
    stored = counters.totals()
    for name, help_text in (("token_refreshes", "Portal tokens renewed at the OAuth server."),
                            ("placement_opens", "Verified placement and main-page opens."),
                            ("installs", "Installer pages served.")):
        metric(f"{name}_total", "counter", help_text, [({}, stored.get(name, 0))])
    return "\n".join(out) + "\n"


def _message_states(delivery_models, seen: dict) -> list[str]:
    known = getattr(delivery_models, "MESSAGE_STATES", ("pending", "sending", "sent", "dead"))
    return list(known) + sorted(set(seen) - set(known))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
