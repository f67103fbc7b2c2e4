"""Filing a request and following it up, straight through the domain operations on the test database."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from database import db
from tests.support_factories import make_contract, make_portal
from tickets.filing import Author, FilingRejected, add_followup, file_ticket, validate_request
from tickets.models import Reply, Ticket

CONTEXT = {"portal": {"domain": "x"}, "user": {"id": 7, "name": "Ann Admin"}, "lang": "ru"}


def error_fields(**overrides) -> dict[str, str]:
    fields = {
        "category": "error",
        "contract_number": "SUP-1",
        "operator": "payme",
        "operator_connection": "merchant=42; key=s3cr3t-key",
        "what_done": "Created an invoice and pressed Pay.",
        "what_expected": "The Payme page opens.",
        "what_obtained": "Error 500.",
        "video_url": "https://video.example/abc",
        "contact_email": "ann@shop.uz",
        "contact_telegram": "ann_admin",
        "contact_phone": "+998 90 123-45-67",
    }
    fields.update(overrides)
    return fields


def ticket_count() -> int:
    return db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one()


def test_a_complete_error_report_is_numbered_and_stored_with_its_context(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal, "SUP-1")
        ticket = file_ticket(portal, CONTEXT, error_fields())
        assert ticket.number.startswith("TU-") and ticket.number.endswith("-000001")
        stored = db.session.get(Ticket, ticket.id)
        assert stored.status == "new" and stored.category == "error"
        assert stored.contact_telegram == "@ann_admin"
        assert stored.context == CONTEXT and stored.language == "ru"
        assert stored.b24_user_id == 7 and stored.user_name == "Ann Admin"
        assert stored.operator == "payme"
        assert stored.operator_connection == "merchant=42; key=s3cr3t-key"


def test_operator_connection_data_is_encrypted_at_rest(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal)
        ticket = file_ticket(portal, CONTEXT, error_fields())
        raw = db.session.execute(text("SELECT operator_connection FROM ticket WHERE id = :id"),
                                 {"id": ticket.id}).scalar_one()
        assert "s3cr3t" not in raw and "merchant" not in raw


def test_other_operator_is_stored_by_its_name(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal)
        ticket = file_ticket(portal, CONTEXT, error_fields(operator="other", operator_other="Kapitalbank"))
        assert ticket.operator == "Kapitalbank"


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({"what_done": ""}, "what_done", "err_required"),
        ({"operator_connection": "  "}, "operator_connection", "err_required"),
        ({"contact_email": "not-an-email"}, "contact_email", "err_email"),
        ({"contact_email": ""}, "contact_email", "err_required"),
        ({"video_url": "javascript:alert(1)"}, "video_url", "err_url"),
        ({"video_url": "ftp://files.example/v.mp4"}, "video_url", "err_url"),
        ({"video_url": ""}, "video", "err_video_required"),
        ({"contact_telegram": "@a b"}, "contact_telegram", "err_telegram"),
        ({"contact_phone": "call me"}, "contact_phone", "err_phone"),
        ({"category": "wishes"}, "category", "err_choice"),
        ({"operator": "bank-of-mars"}, "operator", "err_choice"),
        ({"operator": "other"}, "operator_other", "err_required"),
        ({"what_done": "x" * 20001}, "what_done", "err_too_long"),
    ],
)
def test_each_bad_field_is_named_and_nothing_is_stored(app, overrides, field, key):
    with app.app_context():
        portal = make_portal()
        make_contract(portal)
        with pytest.raises(FilingRejected) as caught:
            file_ticket(portal, CONTEXT, error_fields(**overrides))
        assert caught.value.errors[field] == key
        assert ticket_count() == 0


def test_every_missing_field_is_reported_at_once(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal)
        with pytest.raises(FilingRejected) as caught:
            file_ticket(portal, CONTEXT, {"category": "error"})
        assert set(caught.value.errors) == {
            "contract_number", "operator", "operator_connection", "what_done", "what_expected",
            "what_obtained", "video", "contact_email",
        }


def test_without_an_active_contract_only_a_contract_question_is_filed(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal, active=False)
        with pytest.raises(FilingRejected) as caught:
            file_ticket(portal, CONTEXT, error_fields())
        assert caught.value.errors == {"category": "err_needs_contract"}
        question = file_ticket(portal, CONTEXT, {"category": "contract", "what_done": "How do I get a contract?",
                                                 "contact_email": "ann@shop.uz"})
        assert question.category == "contract" and ticket_count() == 1


def test_nul_bytes_are_dropped_rather_than_breaking_the_database(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal)
        ticket = file_ticket(portal, CONTEXT, error_fields(what_done="before\x00after"))
        assert db.session.get(Ticket, ticket.id).what_done == "beforeafter"


def test_validation_keeps_clean_values_for_the_form(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal)
        from contracts.eligibility import eligibility

        data, errors = validate_request(error_fields(contact_email="bad", what_done="  typed  "), eligibility(portal))
        assert errors == {"contact_email": "err_email"}
        assert data["what_done"] == "typed"


def test_followup_is_a_user_reply_and_an_empty_one_is_refused(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal)
        ticket = file_ticket(portal, CONTEXT, error_fields())
        reply = add_followup(ticket, "  Still failing after update.  ", author=Author(7, "Ann Admin"))
        stored = db.session.get(Reply, reply.id)
        assert stored.author == "user" and stored.body == "Still failing after update."
        assert stored.internal is False and stored.data["b24_user_id"] == 7
        with pytest.raises(FilingRejected) as caught:
            add_followup(ticket, "   ")
        assert caught.value.errors == {"body": "err_required"}
        assert len(db.session.get(Ticket, ticket.id).replies) == 1
