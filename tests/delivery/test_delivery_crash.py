"""A worker process killed with SIGKILL mid-batch: after restart the rest is delivered, nothing lost."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from database import db, utcnow
from delivery.models import DeliveryAttempt, OutboxMessage
from tests.delivery.delivery_peers import WEBHOOK_SECRET

ROOT = Path(__file__).resolve().parents[2]


def worker_process(env: dict, name: str, *extra: str, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "flask", "--app", "app:create_app", "delivery", "run",
               "--worker-name", name, *extra]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_killed_worker_leaves_nothing_behind(delivery_config, receivers, ctx, file_ticket, database_url, tmp_path):
    ctx.config.update(SMTP_HOST="", TELEGRAM_BOT_TOKEN="", VENDOR_B24_WEBHOOK_URL="")  # the webhook alone
    hook = receivers["webhook"]
    hook.up()
    hook.fault.slow_seconds = 0.3  # a slow receiver: the kill lands while a request is in flight
    for _ in range(10):
        file_ticket()
    keys = {m.idempotency_key for m in rows()}
    assert len(keys) == 10

    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": ctx.config["SECRET_KEY"],
           "WEBHOOK_URL": ctx.config["WEBHOOK_URL"], "WEBHOOK_SECRET": WEBHOOK_SECRET, "WEBHOOK_TIMEOUT": "0.6",
           "SMTP_TIMEOUT": "0.3", "TELEGRAM_TIMEOUT": "0.3", "VENDOR_B24_TIMEOUT": "0.3",
           "DELIVERY_LEASE_SECONDS": "1", "DELIVERY_POLL_INTERVAL": "0.05", "DELIVERY_BACKOFF_BASE": "0.05"}
    victim = worker_process(env, "victim", "--batch", "10", log=tmp_path / "victim.log")
    deadline = time.monotonic() + 30
    while len(hook.received) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)  # the next request is on its way
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    assert len(hook.received) >= 3, (tmp_path / "victim.log").read_text()

    left = [m for m in rows() if m.state != "sent"]
    assert left and all(m.locked_by == "victim" for m in left)  # claimed by the dead worker, under its lease
    in_flight = sum(m.state == "sending" for m in left)
    assert in_flight <= 1

    hook.fault.slow_seconds = 0
    while any(m.locked_until and m.locked_until > utcnow() for m in rows()):
        time.sleep(0.1)  # leases run out; until then nobody may touch the messages
    rescuer = worker_process(env, "rescuer", "--once", log=tmp_path / "rescuer.log")
    assert rescuer.wait(30) == 0, (tmp_path / "rescuer.log").read_text()

    final = rows()
    assert [m.state for m in final] == ["sent"] * 10
    received = hook.keys()
    assert set(received) == keys  # none lost
    repeats = {key: n for key, n in received.items() if n > 1}
    assert len(repeats) <= 1 and all(n == 2 for n in repeats.values())  # only the one cut off mid-send
    lost_tries = db.session.execute(
        select(DeliveryAttempt).where(DeliveryAttempt.error.like("%stopped mid-send%"))
    ).scalars().all()
    assert len(lost_tries) == in_flight
    assert {a.worker for a in db.session.execute(select(DeliveryAttempt).where(DeliveryAttempt.ok)).scalars()} \
        == {"victim", "rescuer"}


def test_sigterm_finishes_the_message_in_hand_and_gives_back_the_rest(
    delivery_config, receivers, ctx, file_ticket, database_url, tmp_path, drain
):
    ctx.config.update(SMTP_HOST="", TELEGRAM_BOT_TOKEN="", VENDOR_B24_WEBHOOK_URL="")
    hook = receivers["webhook"]
    hook.up()
    hook.fault.slow_seconds = 0.2
    for _ in range(8):
        file_ticket()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": ctx.config["SECRET_KEY"],
           "WEBHOOK_URL": ctx.config["WEBHOOK_URL"], "WEBHOOK_SECRET": WEBHOOK_SECRET, "WEBHOOK_TIMEOUT": "2"}
    polite = worker_process(env, "polite", "--batch", "8", log=tmp_path / "polite.log")
    deadline = time.monotonic() + 30
    while len(hook.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    polite.send_signal(signal.SIGTERM)
    assert polite.wait(10) == 0, (tmp_path / "polite.log").read_text()

    states = [(m.state, m.locked_by, m.attempts) for m in rows()]
    assert all(s == ("sent", None, 1) or s == ("pending", None, 0) for s in states)  # nothing left locked
    assert 2 <= sum(s[0] == "sent" for s in states) < 8
    hook.fault.slow_seconds = 0
    drain()
    assert [m.state for m in rows()] == ["sent"] * 8
    assert set(hook.keys().values()) == {1} and len(hook.received) == 8  # a clean stop: no repeats at all
