"""Load on PostgreSQL: 4 gunicorn workers and 2 delivery workers take 200 tickets filed at once from 20 portals."""

from __future__ import annotations

import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bench import filing
from bench.servers import Worker
from bench.stack import stack
from database import db

pytestmark = pytest.mark.slow

TICKETS, PORTALS = 200, 20


def test_200_tickets_from_20_portals_are_numbered_once_and_confirmed_once(app, database_url, smtp_inbox):
    if not database_url.startswith("postgresql"):
        pytest.skip("the load test runs on PostgreSQL (no server answered on 127.0.0.1:5432)")
    mail = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_inbox.port), "SMTP_SECURITY": "plain",
            "MAIL_FROM": "support@vendor.example", "DELIVERY_POLL_INTERVAL": "0.2", "LOG_LEVEL": "WARNING"}
    with stack(workers=4, threads=4, portals=PORTALS, extra_env=mail, database_url=database_url,
               wsgi_app="app:create_app()") as setup:
        filing.give_contracts(setup)
        workers = [Worker(setup.env, name=f"delivery{i}").start() for i in range(2)]
        try:
            started = time.monotonic()
            with ThreadPoolExecutor(40) as pool:
                answers = list(pool.map(lambda n: filing.file_ticket(setup, n), range(TICKETS)))
            filed_in = time.monotonic() - started
            statuses = Counter(a.status_code for a in answers)
            assert statuses == {303: TICKETS}, {s: n for s, n in statuses.items()}
            numbers = [filing.number_of(a) for a in answers]
            assert None not in numbers
            assert len(set(numbers)) == TICKETS

            confirmations = _wait_for_mail(smtp_inbox, TICKETS, timeout=180)
            mailed_in = time.monotonic() - started
            time.sleep(3)  # long enough for a duplicate sent by the other worker to arrive too
            confirmations = _to_users(smtp_inbox.messages)
        finally:
            for worker in workers:
                worker.stop()

    assert len(confirmations) == TICKETS, f"{len(confirmations)} confirmations for {TICKETS} tickets"
    print(f"\n{TICKETS} tickets filed (open + submit) in {filed_in:.1f} s, all mailed in {mailed_in:.1f} s")
    by_recipient = Counter(m["To"] for m in confirmations)
    assert max(by_recipient.values()) == 1, by_recipient.most_common(3)  # nobody got theirs twice
    assert len({m["Message-ID"] for m in confirmations}) == TICKETS
    for n, number in enumerate(numbers):  # each user's mail names the number their filing got
        message = next(m for m in confirmations if m["To"].endswith(f"user{n}@load.example"))
        assert number in str(message["Subject"]), (number, message["Subject"])
        assert f"LOAD-SECRET-{n:04d}" not in message.as_string()  # operator connection data never mailed

    from delivery.models import DeliveryAttempt, OutboxMessage
    from tickets.models import Ticket

    with app.app_context():
        session = db.session
        assert session.scalar(select(func.count(Ticket.id))) == TICKETS
        email_states = Counter(session.execute(
            select(OutboxMessage.state).where(OutboxMessage.channel == "email")).scalars())
        sent_twice = session.execute(
            select(DeliveryAttempt.message_id).where(DeliveryAttempt.ok.is_(True))
            .group_by(DeliveryAttempt.message_id).having(func.count() > 1)).all()
    assert email_states.get("sent", 0) >= TICKETS
    assert not sent_twice


def _to_users(messages):
    return [m for m in messages if re.search(r"user\d+@load\.example", str(m["To"]))]


def _wait_for_mail(inbox, expected: int, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = _to_users(inbox.messages)
        if len(got) >= expected:
            return got
        time.sleep(0.5)
    return _to_users(inbox.messages)
