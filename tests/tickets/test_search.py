"""The inbox's free-text search: Russian and English word forms, phrases, parts of emails and numbers."""

from __future__ import annotations

import pytest

from database import db
from tests.support_factories import make_portal
from tickets import fulltext
from tickets.inbox import InboxFilters, inbox_page
from tickets.models import Ticket

TEXTS = [
    ("TU-2026-0001001", "Оплата счёта через Payme", "Ошибка 500 при оплате", "ivan.petrov@acme.uz"),
    ("TU-2026-0001002", "Sent two invoices to Didox", "The QR code never appears", "anna@shop.test"),
    ("TU-2026-0001003", "Создал чек по заказу", "В чеке неверный НДС", "olga@cafe.kz"),
    ("TU-2026-0002004", "Opened the receipt", "Wrong VAT on the receipt", "bob@cafe.kz"),
]


@pytest.fixture
def tickets(app):
    with app.app_context():
        portal = make_portal()
        for number, done, obtained, email in TEXTS:
            db.session.add(Ticket(number=number, portal_id=portal.id, what_done=done, what_obtained=obtained,
                                  contact_email=email, context={}))
        db.session.commit()
    return app


def found(app, q: str) -> list[str]:
    with app.app_context():
        return sorted(row.ticket.number for row in inbox_page(InboxFilters(q=q)).items)


@pytest.mark.parametrize(("q", "numbers"), [
    ("оплаты", ["TU-2026-0001001"]),  # оплата / оплате: one Russian stem
    ("счета", ["TU-2026-0001001"]),  # typed with е, stored as «счёта»
    ("invoice", ["TU-2026-0001002"]),  # invoices: the English stem
    ("чека ндс", ["TU-2026-0001003"]),  # every word must match
    ('"wrong vat"', ["TU-2026-0002004"]),  # a phrase
    ('"vat wrong"', []),
    ("petrov@acme", ["TU-2026-0001001"]),  # part of an email
    ("0002004", ["TU-2026-0002004"]),  # part of a number
    ("TU-2026-0001002", ["TU-2026-0001002"]),  # a whole number
    ("receipt", ["TU-2026-0002004"]),
    ("nothing-like-this", []),
    ("'; DROP TABLE ticket; --", []),
])
def test_inbox_search_finds_word_forms_phrases_and_parts(tickets, q, numbers):
    assert found(tickets, q) == numbers


def test_a_common_word_takes_the_ordered_walk_and_finds_the_same(tickets, monkeypatch):
    before = found(tickets, "cafe.kz")
    monkeypatch.setattr(fulltext, "COMMON_MATCHES", 1)
    assert found(tickets, "cafe.kz") == before == ["TU-2026-0001003", "TU-2026-0002004"]


def test_the_index_follows_edits_and_deletes(tickets):
    with tickets.app_context():
        ticket = db.session.query(Ticket).filter_by(number="TU-2026-0001002").one()
        ticket.what_obtained = "Duplicate payments"
        db.session.commit()
    assert found(tickets, "duplicate") == ["TU-2026-0001002"] and found(tickets, "QR") == []
    with tickets.app_context():
        db.session.delete(db.session.query(Ticket).filter_by(number="TU-2026-0001002").one())
        db.session.commit()
    assert found(tickets, "duplicate") == []
