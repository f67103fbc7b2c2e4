"""deploy/backup.sh and deploy/restore.sh for real: dump, copy attachments, restore into an empty database."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from b24.models import Portal
from database import db
from tests.conftest import PG_ADMIN_URL
from tickets.models import Ticket

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture
def empty_database():
    import psycopg

    name = f"desk_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_the_database_and_the_attachments(app, database_url, tmp_path, request):
    if not database_url.startswith("postgresql") or not all(map(shutil.which, ("pg_dump", "pg_restore", "rsync"))):
        pytest.skip("needs PostgreSQL with pg_dump/pg_restore and rsync")
    restored_url = request.getfixturevalue("empty_database")
    attachments = Path(app.config["ATTACHMENT_DIR"])
    (attachments / "ab").mkdir(parents=True)
    video = os.urandom(256 * 1024)
    (attachments / "ab" / "abcdef0123456789").write_bytes(video)
    with app.app_context():
        portal = Portal(member_id="m-backup", domain="backup.bitrix24.ru", settings={}, access_token="sealed-tok")
        db.session.add(portal)
        db.session.flush()
        db.session.add(Ticket(number="TU-2026-000001", portal_id=portal.id, contact_email="u@example.com",
                              operator_connection="merchant 42 / key 9"))
        db.session.commit()

    env = {**os.environ, "DATABASE_URL": database_url, "ATTACHMENT_DIR": str(attachments),
           "BACKUP_DIR": str(tmp_path / "backup")}
    stamp = subprocess.run([str(DEPLOY / "backup.sh")], env=env, check=True, capture_output=True,
                           text=True).stdout.strip()
    assert (tmp_path / "backup" / "db" / f"b24desk-{stamp}.dump").stat().st_size > 0

    restored_dir = tmp_path / "restored-attachments"
    env.update(DATABASE_URL=restored_url, ATTACHMENT_DIR=str(restored_dir))
    subprocess.run([str(DEPLOY / "restore.sh"), stamp], env=env, check=True, capture_output=True)

    assert (restored_dir / "ab" / "abcdef0123456789").read_bytes() == video
    engine = create_engine(restored_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            number = conn.execute(text("SELECT number FROM ticket")).scalar_one()
            sealed = conn.execute(text("SELECT operator_connection FROM ticket")).scalar_one()
    finally:
        engine.dispose()
    assert number == "TU-2026-000001"
    assert "merchant 42" not in sealed  # still sealed in the dump; SECRET_KEY opens it
    with app.app_context():
        from sealed import unseal

        assert unseal(sealed) == "merchant 42 / key 9"
