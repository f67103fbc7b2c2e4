"""Delivery throughput: webhook deliveries/s with 1 and 4 workers, ticket inserts/s with the outbox on and off.

Run: ``python -m bench.delivery [--messages 300] [--tickets 300] [--latency-ms 0,10] [--db sqlite|postgres]``.
Everything is local: a threaded webhook receiver on 127.0.0.1, a fresh database (PostgreSQL when reachable).
Workers are threads in one process, each with its own database session, as in the parallel-worker test.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager

from sqlalchemy import func, select, text
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from app import create_app
from b24.models import Portal
from database import db
from delivery import worker
from delivery.models import OutboxMessage
from delivery.outbox import notify
from tickets.models import Ticket

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CHANNELS_OFF = {"SMTP_HOST": "", "TELEGRAM_BOT_TOKEN": "", "WEBHOOK_URL": "", "VENDOR_B24_WEBHOOK_URL": ""}
_numbers = itertools.count(1)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class Receiver:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.count = 0
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def _wsgi(self, environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.count += 1
        return Response(status=204)(environ, start_response)


@contextmanager
def database(kind: str):
    if kind == "postgres":
        import psycopg

        name = f"desk_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        finally:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        return False


def _empty() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(text(f"DELETE FROM {table.name}"))  # noqa: S608 (names from our metadata)


def _portal() -> Portal:
    portal = Portal(member_id=f"bench-{uuid.uuid4().hex[:8]}", domain="bench.bitrix24.ru", status="active")
    db.session.add(portal)
    db.session.commit()
    return portal


def file_tickets(count: int, portal: Portal) -> float:
    """File ``count`` tickets, one transaction each, as the ticket store does; returns tickets per second."""
    started = time.perf_counter()
    for _ in range(count):
        ticket = Ticket(number=f"TU-B-{next(_numbers):07d}", portal=portal, contact_email="user@client.test",
                        language="ru", what_done="done", what_expected="expected", what_obtained="obtained")
        db.session.add(ticket)
        notify(ticket, "ticket_created")
        db.session.commit()
    return count / (time.perf_counter() - started)


def deliveries_per_second(app, workers: int, batch: int) -> tuple[float, int]:
    stop = threading.Event()
    total = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()

    def work(name: str) -> None:
        with app.app_context():
            worker.run(worker=name, batch=batch, stop=stop)

    threads = [threading.Thread(target=work, args=(f"bench-{i}",)) for i in range(workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while True:
        sent = db.session.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "sent")
        ).scalar_one()
        db.session.commit()
        if sent >= total:
            break
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join()
    return total / elapsed, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--latency-ms", default="0,10", help="receiver latencies to try, comma-separated")
    parser.add_argument("--db", choices=["auto", "sqlite", "postgres"], default="auto")
    args = parser.parse_args()
    kind = args.db if args.db != "auto" else ("postgres" if _pg_reachable() else "sqlite")

    with database(kind) as url:
        receiver = Receiver(0)
        app = create_app({
            "DATABASE_URL": url, "SECRET_KEY": "bench", **CHANNELS_OFF, "WEBHOOK_URL": receiver.url,
            "WEBHOOK_SECRET": "bench-secret", "DELIVERY_POLL_INTERVAL": 0.01, "LOG_LEVEL": "WARNING",
        })
        rows = []
        with app.app_context():
            db.create_all()
            for latency_ms in [float(v) for v in args.latency_ms.split(",")]:
                receiver.latency = latency_ms / 1000
                rates = {}
                for workers in (1, 4):
                    _empty()
                    file_tickets(args.messages, _portal())  # the webhook alone: one message per ticket
                    rates[workers], total = deliveries_per_second(app, workers, batch=10)
                rows.append((f"webhook deliveries/s, receiver +{latency_ms:g} ms", rates[1], rates[4],
                             rates[4] / rates[1], "4 workers : 1"))

            _empty()
            portal = _portal()
            app.config.update(CHANNELS_OFF)
            off = file_tickets(args.tickets, portal)
            app.config.update(SMTP_HOST="127.0.0.1", MAIL_FROM="desk@bench.test", VENDOR_ALERT_EMAIL="v@bench.test",
                              TELEGRAM_BOT_TOKEN="t", TELEGRAM_CHAT_ID="1", WEBHOOK_URL=receiver.url,
                              VENDOR_B24_WEBHOOK_URL="http://127.0.0.1:9/rest/1/x/")
            on = file_tickets(args.tickets, portal)
            queued = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
            per_ticket = queued // args.tickets
            rows.append((f"ticket inserts/s (outbox on: {per_ticket} msgs/ticket)", off, on, on / off, "on : off"))
        receiver.server.shutdown()

    print(f"\ndelivery benchmark on {kind}, {os.cpu_count()} CPUs, {args.messages} messages, {args.tickets} tickets")
    print(f"{'measure':52} {'baseline':>10} {'measured':>10} {'ratio':>7}  ratio is")
    for name, base, measured, ratio, what in rows:
        print(f"{name:52} {base:10.1f} {measured:10.1f} {ratio:7.2f}  {what}")
    print("baseline: 1 worker / outbox off; measured: 4 workers / outbox on")


if __name__ == "__main__":
    main()
