"""Readiness (database, migrations, delivery backlog), metrics, and 503 "try again" when the database is down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app import create_app
from b24.models import Portal
from database import db, utcnow
from delivery.models import DeliveryAttempt, OutboxMessage
from ops import counters
from tests.ops.metrics_text import samples, types
from tickets.models import Ticket


def _write_migrations(directory, revision: str) -> None:
    (directory / "versions").mkdir(parents=True)
    (directory / "env.py").write_text("# the app's Alembic environment\n")
    (directory / "versions" / f"{revision}_initial.py").write_text(
        f'revision = "{revision}"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n'
    )


@pytest.fixture
def alembic_version(app):
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("DELETE FROM alembic_version"))
    yield
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_ready_without_a_migrations_directory(app, app_config, tmp_path):
    app_config["MIGRATIONS_DIR"] = str(tmp_path / "none")
    response = create_app(app_config).test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "no migrations directory"


def test_not_ready_until_the_database_is_at_the_codes_migration_head(app_config, tmp_path, app, alembic_version):
    _write_migrations(tmp_path / "migrations", "a1b2c3d4e5f6")
    app_config["MIGRATIONS_DIR"] = str(tmp_path / "migrations")
    client = create_app(app_config).test_client()
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert behind.headers["Retry-After"]
    assert behind.get_json()["checks"]["migrations"] == {"code": ["a1b2c3d4e5f6"], "database": []}
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version VALUES ('a1b2c3d4e5f6')"))
    assert client.get("/readyz").get_json()["checks"]["migrations"] == "current"
    assert client.get("/readyz").status_code == 200


def test_the_delivery_backlog_age_is_reported_and_can_gate_readiness(app, client, tmp_path):
    app.config["MIGRATIONS_DIR"] = str(tmp_path / "none")  # tables from create_all: judge the backlog alone
    with app.app_context():
        db.session.add(OutboxMessage(channel="email", event="ticket_created", idempotency_key="k-old",
                                     created_at=utcnow() - timedelta(hours=2),
                                     next_attempt_at=utcnow() - timedelta(hours=2)))
        db.session.add(OutboxMessage(channel="email", event="ticket_created", idempotency_key="k-sent", state="sent"))
        db.session.commit()
    body = client.get("/readyz").get_json()
    assert body["checks"]["delivery_backlog"]["pending"] == 1
    assert body["checks"]["delivery_backlog"]["oldest_age_seconds"] >= 7200
    assert body["status"] == "ready"  # reported, not gating, by default
    app.config["READY_MAX_BACKLOG_SECONDS"] = 3600
    gated = client.get("/readyz")
    assert gated.status_code == 503
    assert gated.get_json()["checks"]["delivery_backlog"]["too_old"] is True


def _unreachable_db_app(app_config):
    app_config["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    app_config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": 2}}
    return create_app(app_config)


def test_readyz_is_503_when_the_database_is_unreachable_and_healthz_still_answers(app_config):
    client = _unreachable_db_app(app_config).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unreachable")
    assert client.get("/healthz").status_code == 200  # the process is alive; only readiness fails


def test_a_database_outage_answers_503_try_again_not_500(app_config):
    client = _unreachable_db_app(app_config).test_client()
    event = {"event": "ONAPPUNINSTALL", "auth[member_id]": "m1", "auth[application_token]": "t"}
    response = client.post("/b24/events", data=event)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"] == "database_unavailable"
    page = client.post("/", data={}, headers={"Accept": "text/html"})  # a page without DB use is unaffected
    assert page.status_code == 400


def _seed(app) -> None:
    with app.app_context():
        portal = Portal(member_id="m1", domain="a.bitrix24.ru", status="active", settings={})
        blocked = Portal(member_id="m2", domain="b.bitrix24.ru", status="uninstalled", settings={}, needs_reauth=True)
        db.session.add_all([portal, blocked])
        db.session.flush()
        for n in range(3):
            db.session.add(Ticket(number=f"TU-2026-{n:06d}", portal_id=portal.id, contact_email="u@example.com"))
        for key, state in (("a", "sent"), ("b", "sent"), ("c", "pending"), ("d", "dead")):
            db.session.add(OutboxMessage(channel="email", event="ticket_created", idempotency_key=key, state=state))
        db.session.flush()
        message = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.idempotency_key == "d")).scalar_one()
        db.session.add_all([DeliveryAttempt(message_id=message.id, worker="w1", ok=False, error="refused"),
                            DeliveryAttempt(message_id=message.id, worker="w1", ok=True)])
        portal.token_refreshed_at = utcnow()  # as b24.tokens stamps a renewal
        db.session.commit()


def test_metrics_count_tickets_deliveries_refreshes_and_portals(app, client):
    _seed(app)
    body = client.get("/metrics").get_data(as_text=True)
    scraped = samples(body)
    assert scraped["b24desk_tickets_filed_total"] == 3
    assert scraped['b24desk_deliveries{state="sent"}'] == 2
    assert scraped['b24desk_deliveries{state="pending"}'] == 1
    assert scraped['b24desk_deliveries{state="dead"}'] == 1
    assert scraped['b24desk_delivery_attempts_total{result="failed"}'] == 1
    assert scraped['b24desk_portals{status="active"}'] == 1
    assert scraped["b24desk_portals_needing_reauth"] == 1
    assert scraped["b24desk_token_refreshes_total"] == 1
    assert types(body)["b24desk_tickets_filed"] == "counter"


def test_counters_and_request_durations_are_kept_per_app(app, client, app_config):
    with app.app_context():
        counters.count("placement_opens", 2)
        counters.count("placement_opens", 3)
    client.get("/healthz")
    scraped = samples(client.get("/metrics").get_data(as_text=True))
    assert scraped["b24desk_placement_opens_total"] == 5
    assert scraped['b24desk_request_duration_seconds_count{endpoint="home.healthz",method="GET"}'] == 1
    other = create_app(app_config)
    with other.app_context():  # another app in the same process starts from zero
        assert samples(other.test_client().get("/metrics").get_data(as_text=True))[
            "b24desk_placement_opens_total"] == 0


def test_metrics_can_require_a_bearer_token(app, client):
    app.config["METRICS_TOKEN"] = "scrape-me-please"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
    assert ok.status_code == 200
    assert ok.mimetype == "text/plain"  # Prometheus's text format (prometheus_client's CONTENT_TYPE_LATEST)


def test_a_connection_lost_after_the_answer_does_not_turn_it_into_a_500(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("terminates a PostgreSQL backend")
    import psycopg

    from tests.conftest import PG_ADMIN_URL

    @app.get("/api/v1/test-answered")
    def answered():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()  # a transaction is now open
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))  # as a restart would
        return {"ticket": "TU-2026-000001"}  # the work was done; only the closing ROLLBACK will fail

    response = app.test_client().get("/api/v1/test-answered")
    assert response.status_code == 200
    assert response.get_json() == {"ticket": "TU-2026-000001"}
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1  # the pool handed out a live connection


def test_ready_once_flask_db_upgrade_has_run_with_the_real_migrations(app_config, tmp_path):
    app_config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    fresh = create_app(app_config)
    client = fresh.test_client()
    assert client.get("/readyz").status_code == 503  # never migrated
    result = fresh.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    body = client.get("/readyz").get_json()
    assert body["checks"]["migrations"] == "current"
    assert body["status"] == "ready"
    with fresh.app_context():
        db.engine.dispose()
