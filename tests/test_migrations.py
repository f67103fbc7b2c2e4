"""The Alembic scripts build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from database import db
from tests.conftest import PG_ADMIN_URL, _postgres_available
from tickets.fulltext import is_search_object


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_models_and_downgrade_cleanly(tmp_path, backend):
    if backend == "postgresql":
        if not _postgres_available(honour_choice=False):
            pytest.skip("no PostgreSQL on 127.0.0.1:5432")
        import psycopg

        name = f"desk_mig_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x"})
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                # The full-text objects (FTS5 tables, GIN expression indexes) live outside the models by design.
                opts = {"compare_type": True, "include_name": lambda name, kind, parent: not is_search_object(name)}
                diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            downgrade(revision="base")
            with db.engine.connect() as conn:
                tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
            assert tables == set()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
