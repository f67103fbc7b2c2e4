"""Simultaneous submissions over HTTP: distinct forms get distinct numbers, one form files one ticket."""

from __future__ import annotations

import threading

import requests

from database import db
from tests.placements.support_pages import good_fields, installed_portal, open_support, registry_row, submit
from tests.support_factories import make_contract
from tickets.models import Ticket


def race(calls) -> list[requests.Response]:
    answers: list[requests.Response | BaseException] = [None] * len(calls)  # type: ignore[list-item]
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            answers[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not [a for a in answers if isinstance(a, BaseException)], answers
    return answers  # type: ignore[return-value]


def contracted_portal(app, sandbox, name: str):
    portal = installed_portal(sandbox, name)
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, portal)))
    return portal


def test_forms_sent_at_the_same_moment_get_distinct_numbers(app, sandbox):
    portals = [contracted_portal(app, sandbox, f"shop{i}") for i in range(3)]
    pages = [open_support(sandbox, portals[i % 3]) for i in range(8)]

    answers = race([lambda page=page: submit(page, good_fields(video_url="https://v.example/x")) for page in pages])

    assert [a.status_code for a in answers] == [200] * 8
    with app.app_context():
        numbers = db.session.execute(db.select(Ticket.number)).scalars().all()
    assert len(numbers) == 8 and len(set(numbers)) == 8


def test_one_form_sent_four_times_at_once_files_one_ticket(app, sandbox):
    page = open_support(sandbox, contracted_portal(app, sandbox, "double-click"))

    answers = race([lambda: submit(page, good_fields(video_url="https://v.example/y")) for _ in range(4)])

    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 1
