"""Ticket numbers: format, per-year counter, and no duplicates under concurrent threads and processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app import create_app
from database import db, utcnow
from tickets.models import TicketSequence
from tickets.numbering import next_number

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["test_db", "sqlite"])
def numbering_app(request, app, app_config, tmp_path):
    """The session's test database (PostgreSQL when available) and always a SQLite file too."""
    if request.param == "test_db":
        yield app
        return
    config = {**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'numbers.sqlite3'}"}
    other = create_app(config)
    with other.app_context():
        db.create_all()
    yield other
    with other.app_context():
        db.engine.dispose()


def test_numbers_have_the_configured_prefix_year_and_six_digits(app):
    app.config["TICKET_PREFIX"] = "TU"
    with app.app_context():
        first, second = next_number(), next_number()
        db.session.commit()
    year = utcnow().year
    assert first == f"TU-{year}-000001"
    assert second == f"TU-{year}-000002"


def test_each_prefix_counts_on_its_own(app):
    with app.app_context():
        assert next_number("AA").endswith("-000001")
        assert next_number("BB").endswith("-000001")
        assert next_number("AA").endswith("-000002")
        db.session.commit()


def test_a_rolled_back_filing_gives_its_number_back(app):
    with app.app_context():
        taken = next_number("RB")
        db.session.rollback()
        assert next_number("RB") == taken


def test_threads_and_a_second_process_never_share_a_number(numbering_app):
    app = numbering_app
    prefix, threads_n, per_thread, process_n = "CC", 8, 15, 40
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/tickets/numbering_worker.py"), url, str(process_n), prefix],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert worker.stdout.readline().strip() == "ready"

    taken: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads_n + 1)

    def take() -> None:
        with app.app_context():
            start.wait()
            try:
                for _ in range(per_thread):
                    number = next_number(prefix)
                    db.session.commit()
                    with lock:
                        taken.append(number)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                db.session.remove()

    pool = [threading.Thread(target=take) for _ in range(threads_n)]
    for thread in pool:
        thread.start()
    worker.stdin.write("go\n")
    worker.stdin.flush()
    start.wait()
    for thread in pool:
        thread.join(60)
    out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0
    assert not errors, errors
    from_process = out.split()
    assert len(from_process) == process_n

    everything = taken + from_process
    total = threads_n * per_thread + process_n
    assert len(everything) == total
    assert len(set(everything)) == total, "a number was issued twice"
    year = utcnow().year
    assert sorted(everything) == [f"{prefix}-{year}-{n:06d}" for n in range(1, total + 1)]
    with app.app_context():
        row = db.session.execute(db.select(TicketSequence).filter_by(prefix=prefix, year=year)).scalar_one()
        assert row.last_value == total
