"""The outbox worker: claim due messages under a lease, send them, record the attempt, back off or give up.

Several workers may run at once. A claim marks messages ``claimed`` with ``locked_by``/``locked_until``; on
PostgreSQL the candidates are picked with ``FOR UPDATE SKIP LOCKED``, on SQLite by one conditional UPDATE (SQLite
runs writes one at a time, so the UPDATE is the lock). Nothing is held open while a channel talks to the network.
Each try moves its message to ``sending`` under a fresh lease. A worker that dies leaves its leases behind; once
they expire any worker puts the messages back in line, counting a try cut off mid-send as a failed attempt.
The receiver sees every message at least once, and drops repeats by idempotency key.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased

from database import db, utcnow
from delivery import channels
from delivery.channels import DeliveryFailed, Outgoing
from delivery.models import DeliveryAttempt, OutboxMessage
from tickets.models import Ticket

log = logging.getLogger(__name__)
TIMEOUT_SETTINGS = ("SMTP_TIMEOUT", "TELEGRAM_TIMEOUT", "WEBHOOK_TIMEOUT", "VENDOR_B24_TIMEOUT")


@dataclass(frozen=True)
class Policy:
    max_attempts: int
    backoff_base: float
    backoff_cap: float
    lease: float

    @classmethod
    def from_config(cls) -> Policy:
        config = current_app.config
        # A lease shorter than a send would let a second worker take a message that is still being sent.
        slowest = max(float(config[key]) for key in TIMEOUT_SETTINGS)
        return cls(
            max_attempts=max(1, int(config["DELIVERY_MAX_ATTEMPTS"])),
            backoff_base=float(config["DELIVERY_BACKOFF_BASE"]),
            backoff_cap=float(config["DELIVERY_BACKOFF_CAP"]),
            lease=max(float(config["DELIVERY_LEASE_SECONDS"]), 3 * slowest),
        )

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure: base, 2x base, 4x base ... up to the cap."""
        return min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1))


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def reap(worker: str, policy: Policy) -> int:
    """Put messages whose worker vanished back in line; a try cut off mid-send counts as a failed attempt."""
    now = utcnow()
    stale = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.state, OutboxMessage.locked_by, OutboxMessage.attempts,
               OutboxMessage.locked_until)
        .where(OutboxMessage.state.in_(("claimed", "sending")), OutboxMessage.locked_until < now)
    ).all()
    reaped = 0
    for message_id, state, holder, attempts, until in stale:
        values: dict = {"state": "pending", "locked_by": None, "locked_until": None, "next_attempt_at": until}
        error = None
        if state == "sending":
            error = f"worker {holder} stopped mid-send; its lease expired"
            values.update(attempts=attempts + 1, last_error=error,
                          state="dead" if attempts + 1 >= policy.max_attempts else "pending")
        taken = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == state,
                   OutboxMessage.locked_by == holder, OutboxMessage.locked_until < now)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken and error:  # another worker may have reaped it first
            db.session.add(DeliveryAttempt(message_id=message_id, worker=holder or worker, ok=False, error=error))
        reaped += taken
    db.session.commit()
    return reaped


def _due(candidate, cutoff: datetime):
    """Pending, due, and for ordered channels not queued behind an unsent message for the same ticket."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        earlier.ticket_id == candidate.ticket_id, earlier.channel == candidate.channel,
        earlier.id < candidate.id, earlier.state != "sent",
    )
    ordered = channels.ordered_channels()
    return (
        candidate.state == "pending",
        candidate.next_attempt_at <= cutoff,
        or_(candidate.channel.not_in(ordered), candidate.ticket_id.is_(None), ~blocked),
    )


def claim(worker: str, batch: int, policy: Policy, cutoff: datetime | None = None) -> list[int]:
    """Take up to ``batch`` due messages for ``worker``; no two workers ever get the same message."""
    now = utcnow()
    cutoff = cutoff or now
    lease = {"state": "claimed", "locked_by": worker, "locked_until": now + timedelta(seconds=policy.lease)}
    candidate = aliased(OutboxMessage)
    pick = select(candidate.id).where(*_due(candidate, cutoff)).order_by(candidate.id).limit(batch)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(db.session.execute(pick.with_for_update(skip_locked=True, of=candidate)).scalars())
        if ids:
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**lease)
                               .execution_options(synchronize_session=False))
    else:
        ids = list(db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(pick.scalar_subquery()), OutboxMessage.state == "pending")
            .values(**lease).returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).scalars())
    db.session.commit()
    return sorted(ids)


def _prepare(message_id: int, worker: str, policy: Policy) -> Outgoing | None:
    """Start the try under a fresh lease and detach what the channel needs; None if the message is no longer ours."""
    renewed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.locked_by == worker, OutboxMessage.state == "claimed")
        .values(state="sending", locked_until=utcnow() + timedelta(seconds=policy.lease))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not renewed:
        db.session.rollback()
        return None
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    # Only the vendor Bitrix24 channel needs the ticket's task id and the history of earlier tries.
    needs_history = message.channel == "bitrix24"
    tried_before = message.attempts > 0 or (needs_history and db.session.execute(
        select(exists().where(DeliveryAttempt.message_id == message_id))
    ).scalar_one())
    outgoing = Outgoing(
        id=message.id, channel=message.channel, event=message.event, event_ref=message.payload.get("event_ref", ""),
        recipient=message.recipient or "", idempotency_key=message.idempotency_key, payload=message.payload,
        attempts=message.attempts, tried_before=bool(tried_before), ticket_id=message.ticket_id,
        vendor_record_id=message.ticket.vendor_record_id if needs_history and message.ticket else None,
    )
    db.session.commit()  # no transaction stays open while the channel talks to the network
    return outgoing


def _send(outgoing: Outgoing) -> tuple[str | None, bool]:
    """Hand the message to its channel: (None, _) when it went out, else (error, permanent)."""
    try:
        channel = channels.get(outgoing.channel)
        if not channel.enabled(current_app.config):
            raise DeliveryFailed(f"the {outgoing.channel} channel is switched off (its settings are empty)")
        channel.send(outgoing)
    except DeliveryFailed as exc:
        return channels.redact(str(exc))[:1000], exc.permanent
    except Exception as exc:
        # A bug, not a receiver problem: keep the trace for the operator, with every configured secret removed.
        log.error("delivery %s failed unexpectedly:\n%s", outgoing.id, channels.redact(traceback.format_exc()))
        return channels.redact(f"{type(exc).__name__}: {exc}")[:1000], False
    return None, False


def _finish(outgoing: Outgoing, worker: str, policy: Policy, error: str | None, permanent: bool,
            duration_ms: int) -> str:
    now = utcnow()
    attempts = outgoing.attempts + 1
    if error is None:
        state = "sent"
        values = {"sent_at": now, "last_error": None}
    else:
        state = "dead" if permanent or attempts >= policy.max_attempts else "pending"
        values = {"last_error": error, "next_attempt_at": now + timedelta(seconds=policy.backoff(attempts))}
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outgoing.id, OutboxMessage.locked_by == worker, OutboxMessage.state == "sending")
        .values(state=state, attempts=attempts, locked_by=None, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.add(DeliveryAttempt(message_id=outgoing.id, worker=worker, ok=error is None, error=error,
                                   duration_ms=duration_ms))
    if error is None and outgoing.created_record_id and outgoing.ticket_id:
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == outgoing.ticket_id, Ticket.vendor_record_id.is_(None))
            .values(vendor_record_id=outgoing.created_record_id, updated_at=Ticket.updated_at)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    if error is not None:
        log.warning("delivery %s (%s %s) attempt %d failed: %s", outgoing.id, outgoing.channel, outgoing.event,
                    attempts, error)
    return state


def deliver(message_id: int, worker: str, policy: Policy) -> str | None:
    """Send one claimed message and record the attempt; returns its new state (None if it was not ours)."""
    outgoing = _prepare(message_id, worker, policy)
    if outgoing is None:
        return None
    started = time.monotonic()
    error, permanent = _send(outgoing)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _finish(outgoing, worker, policy, error, permanent, duration_ms)


def release(ids: list[int], worker: str) -> None:
    """Give back claimed messages not yet tried (a worker asked to stop), without counting an attempt."""
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.locked_by == worker, OutboxMessage.state == "claimed")
            .values(state="pending", locked_by=None, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def run(worker: str | None = None, batch: int | None = None, once: bool = False,
        stop: threading.Event | None = None) -> dict[str, int]:
    """Deliver until stopped; ``once``: one pass over what is due now (failures wait for their back-off)."""
    worker = worker or default_worker_name()
    batch = batch or int(current_app.config["DELIVERY_BATCH"])
    interval = float(current_app.config["DELIVERY_POLL_INTERVAL"])
    policy = Policy.from_config()
    stop = stop or threading.Event()
    counts = {"sent": 0, "pending": 0, "dead": 0, "reaped": 0}
    counts["reaped"] += reap(worker, policy)
    cutoff = utcnow() if once else None
    while not stop.is_set():
        try:
            if not once:
                counts["reaped"] += reap(worker, policy)
            ids = claim(worker, batch, policy, cutoff)
        except OperationalError as exc:
            if once:
                raise
            # The database restarting must not end a long-running worker: wait and try again.
            db.session.rollback()
            log.warning("delivery worker %s: database unavailable (%s); retrying", worker, type(exc.orig).__name__)
            stop.wait(max(interval, 1.0))
            continue
        if not ids:
            if once:
                break
            stop.wait(interval)
            continue
        for position, message_id in enumerate(ids):
            if stop.is_set():
                release(ids[position:], worker)
                break
            state = deliver(message_id, worker, policy)
            if state:
                counts[state] += 1
    return counts
