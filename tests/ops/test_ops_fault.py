"""PostgreSQL restarted while tickets are being filed: each request succeeds or gets 503 + Retry-After, none lost."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psycopg
import pytest
import requests

from bench import filing
from bench.stack import stack

pytestmark = pytest.mark.slow


@dataclass
class Outcome:
    step: str  # open | submit
    status: int
    retry_after: str | None
    body: str
    number: str | None = None


def _file_once(setup, n: int) -> list[Outcome]:
    """One filing as a user does it; a 503 at either step is retried after Retry-After, as the page says."""
    outcomes = []
    portal = setup.portals[n % len(setup.portals)]
    for _ in range(20):
        url, form = setup.sandbox.frame(portal, filing.PLACEMENT, options=filing.DEAL)
        try:
            page = requests.post(url, data=form, timeout=60)
        except requests.RequestException as exc:
            outcomes.append(Outcome("open", 0, None, repr(exc)))
            return outcomes
        if page.status_code != 200:
            outcomes.append(Outcome("open", page.status_code, page.headers.get("Retry-After"), page.text))
            if page.status_code != 503:
                return outcomes
            time.sleep(0.5)
            continue
        answer = requests.post(filing.form_action(page), files=filing.submission(setup, n), timeout=60,
                               allow_redirects=False)
        outcome = Outcome("submit", answer.status_code, answer.headers.get("Retry-After"), answer.text,
                          filing.number_of(answer))
        outcomes.append(outcome)
        if answer.status_code != 503:
            return outcomes
        time.sleep(0.5)
    return outcomes


def test_filing_through_a_postgresql_restart_loses_nothing_accepted(request):
    private_cluster = request.getfixturevalue("private_cluster")
    with psycopg.connect(private_cluster.admin_url, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "desk_fault"')
    url = private_cluster.admin_url.rsplit("/", 1)[0] + "/desk_fault"
    env = {"RATE_LIMITS_OFF": "1", "LOG_LEVEL": "WARNING"}
    with stack(workers=2, threads=4, portals=4, extra_env=env, database_url=url, wsgi_app="app:create_app()") as setup:
        filing.give_contracts(setup)
        outcomes: list[Outcome] = []
        lock, stop = threading.Lock(), threading.Event()

        def filer(k: int) -> None:
            n = k * 10_000
            while not stop.is_set():
                n += 1
                got = _file_once(setup, n)
                with lock:
                    outcomes.extend(got)

        threads = [threading.Thread(target=filer, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        before = len(outcomes)
        private_cluster.ctl("restart")
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join(120)

        # A stopped database, deterministically: the answer is 503 "try again", never 500.
        private_cluster.ctl("stop")
        down = _file_once_without_retry(setup)
        private_cluster.ctl("start")
        after_restart = _file_once(setup, 99_999)
        server_log = setup.gunicorn.output()

    unexpected = [o for o in outcomes if not (o.status == 303 or _retryable(o))]
    errors = [line for line in server_log.splitlines() if '"level": "error"' in line]
    assert not unexpected, ([(o.step, o.status, o.body[-600:]) for o in unexpected[:3]], errors[:2])
    accepted = [o.number for o in outcomes if o.status == 303]
    assert before > 0 and len(accepted) > before // 2, "filing went on before and after the restart"
    assert _retryable(down), down
    assert after_restart[-1].status == 303
    accepted.append(after_restart[-1].number)
    with psycopg.connect(url) as conn:
        stored = {row[0] for row in conn.execute("SELECT number FROM ticket")}
    assert set(accepted) <= stored, set(accepted) - stored  # nothing accepted is lost
    retried = sum(1 for o in outcomes if o.status == 503)
    print(f"\n{len(accepted)} tickets accepted, {retried} answers 503 + Retry-After during the restart")


def _file_once_without_retry(setup) -> Outcome:
    url, form = setup.sandbox.frame(setup.portals[0], filing.PLACEMENT, options=filing.DEAL)
    page = requests.post(url, data=form, timeout=60)
    return Outcome("open", page.status_code, page.headers.get("Retry-After"), page.text)


def _retryable(outcome: Outcome) -> bool:
    said = ("database_unavailable", "Send again in a few seconds", "Повторите через несколько секунд")
    return outcome.status == 503 and bool(outcome.retry_after) and any(words in outcome.body for words in said)
