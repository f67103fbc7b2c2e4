"""The console's Flask-WTF forms: a bad submission to each is a 400 page naming the field's error in the staff
member's language (Russian or English), and changes nothing in the database."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField

from b24.models import Portal
from console.forms import ConsoleForm
from contracts.models import Contract, Operator
from database import db, utcnow
from releases.models import KnownIssue, KnownIssueTicket, Release, TicketFix
from tickets.models import Reply, Ticket


def _error(response, field: str) -> str:
    """The words under ``field`` on a refused form's page (there is exactly one such message)."""
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    found = re.findall(rf'<div class="field-error" id="{field}-error">(.*?)</div>', html)
    assert len(found) == 1, html
    return found[0]


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _post(console, url: str, data: dict, lang: str):
    return console.post(url, data, headers={"Accept-Language": lang})


CONTRACT = {"number": "TU-C-2026-9", "customer": "Shop LLC", "portal": "", "valid_from": "2026-06-01",
            "valid_to": "2026-12-31", "reaction_hours": "8"}


@pytest.mark.parametrize("lang, words", [("ru", "Окончание раньше начала."), ("en", "The end is before the start.")])
def test_a_contract_ending_before_it_starts_is_refused_in_the_staff_language(app, console, lang, words):
    response = _post(console, "/console/contracts/new", {**CONTRACT, "valid_to": "2026-05-31"}, lang)
    assert _error(response, "valid_to") == words
    assert 'value="TU-C-2026-9"' in response.get_data(as_text=True)  # what was typed stays
    assert _count(app, Contract) == 0


@pytest.mark.parametrize("lang, words", [("ru", "Укажите целое число часов от 1 до 720."),
                                         ("en", "Give whole hours from 1 to 720.")])
def test_an_edited_contract_with_hours_that_are_no_number_keeps_its_hours(app, console, make_contract, lang, words):
    contract_id = make_contract("C-9", hours=24)
    response = _post(console, f"/console/contracts/{contract_id}", {**CONTRACT, "reaction_hours": "soon"}, lang)
    assert _error(response, "reaction_hours") == words
    assert 'value="soon"' in response.get_data(as_text=True)
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert (contract.number, contract.reaction_hours) == ("C-9", 24)


@pytest.mark.parametrize("lang, words", [("ru", "Код: латиница, цифры, точка, дефис, _."),
                                         ("en", "Code: latin letters, digits, . - _.")])
def test_an_operator_code_with_spaces_is_refused(app, console, lang, words):
    response = _post(console, "/console/operators/new", {"code": "pay me", "name": "Payme"}, lang)
    assert _error(response, "code") == words
    assert _count(app, Operator) == 0


@pytest.fixture
def ticket_number(make_portal, make_ticket) -> str:
    return make_ticket(make_portal(), number="TU-2026-00901")


def _ticket(app, number: str) -> Ticket:
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        db.session.expunge(ticket)
        return ticket


@pytest.mark.parametrize("lang, words", [("ru", "Напишите текст."), ("en", "Write the text.")])
def test_an_answer_without_its_text_is_refused_and_nothing_is_sent(app, console, ticket_number, lang, words):
    response = _post(console, f"/console/tickets/{ticket_number}/answer", {"kind": "workaround", "body": " "}, lang)
    assert _error(response, "body") == words
    assert re.search(r'<option value="workaround" data-needs="" selected>', response.get_data(as_text=True))
    assert _count(app, Reply) == 0 and _ticket(app, ticket_number).first_response_at is None


@pytest.mark.parametrize("lang, words", [("ru", "Выберите вид ответа из списка."),
                                         ("en", "Pick a kind of answer from the list.")])
def test_an_answer_of_no_known_kind_is_refused(app, console, ticket_number, lang, words):
    response = _post(console, f"/console/tickets/{ticket_number}/answer", {"kind": "teleport", "body": "x"}, lang)
    assert _error(response, "kind") == words
    assert _count(app, Reply) == 0


def test_a_field_the_chosen_kind_does_not_carry_is_no_error(app, console, ticket_number):
    """The page hides a planned release's date under a workaround, but the browser still sends what was typed."""
    response = console.post(f"/console/tickets/{ticket_number}/answer",
                            {"kind": "workaround", "body": "Restart the app.", "date": "next week", "version": "!"})
    assert response.status_code == 302
    with app.app_context():
        reply = db.session.execute(select(Reply).where(Reply.kind == "workaround")).scalar_one()
        assert (reply.body, reply.data) == ("Restart the app.", {})


@pytest.mark.parametrize("lang, words", [("ru", "Напишите текст."), ("en", "Write the text.")])
def test_an_empty_internal_note_is_refused(app, console, ticket_number, lang, words):
    response = _post(console, f"/console/tickets/{ticket_number}/note", {"note": "   "}, lang)
    assert _error(response, "note") == words
    assert _count(app, Reply) == 0


@pytest.mark.parametrize("lang, words", [("ru", "Выберите статус из списка."), ("en", "Pick a status from the list.")])
def test_an_unknown_status_is_refused_and_the_ticket_keeps_its_own(app, console, ticket_number, lang, words):
    response = _post(console, f"/console/tickets/{ticket_number}/status", {"status": "lost"}, lang)
    assert _error(response, "status") == words
    assert '<option value="new" selected>' in response.get_data(as_text=True)  # the list shows what the ticket has
    assert _ticket(app, ticket_number).status == "new" and _count(app, Reply) == 0


@pytest.mark.parametrize("lang, words", [("ru", "Нет такого сотрудника."), ("en", "No such staff member.")])
def test_an_unknown_or_inactive_assignee_is_refused(app, console, ticket_number, make_staff, lang, words):
    gone = make_staff("gone@vendor.test", "Gone Staff")
    with app.app_context():
        db.session.get(type(gone), gone.id).active = False
        db.session.commit()
    for assignee in ("999", str(gone.id), "me"):
        response = _post(console, f"/console/tickets/{ticket_number}/assign", {"assignee": assignee}, lang)
        assert _error(response, "assignee") == words, assignee
    assert _ticket(app, ticket_number).assignee_id is None and _count(app, Reply) == 0


@pytest.mark.parametrize("lang, words", [("ru", "Причина — не длиннее 250 символов."),
                                         ("en", "Keep the reason to 250 characters.")])
def test_an_over_long_block_reason_is_refused_and_the_portal_stays_open(app, console, make_portal, lang, words):
    portal_id = make_portal()
    response = _post(console, f"/console/portals/{portal_id}/block", {"reason": "x" * 251}, lang)
    assert _error(response, "reason") == words
    assert 'value="' + "x" * 251 + '"' in response.get_data(as_text=True)
    with app.app_context():
        portal = db.session.get(Portal, portal_id)
        assert portal.status == "active" and "blocked" not in [e.kind for e in portal.history]


def test_a_block_reason_at_the_limit_is_kept_whole(app, console, make_portal, staff):
    portal_id = make_portal()
    assert console.post(f"/console/portals/{portal_id}/block", {"reason": "y" * 250}).status_code == 302
    with app.app_context():
        assert db.session.get(Portal, portal_id).history[-1].detail == f"by {staff.email}: {'y' * 250}"


@pytest.mark.parametrize("lang, words", [
    ("ru", "Номер версии: целое число больше нуля (как VERSION в app.info)."),
    ("en", "The version is a whole number above zero (VERSION in app.info).")])
def test_a_release_whose_version_is_no_number_is_refused(app, console, lang, words):
    response = _post(console, "/console/releases", {"version": "four", "label": "2.5.0"}, lang)
    assert _error(response, "version") == words
    assert _count(app, Release) == 0


@pytest.mark.parametrize("lang, words", [("ru", "Выберите релиз из списка."),
                                         ("en", "Choose a release from the list.")])
def test_an_overdue_promise_gets_only_a_release_of_the_registry(app, console, ticket_number, lang, words):
    console.post("/console/releases", {"version": "4", "label": "2.5.0"})
    past = (utcnow().date() - timedelta(days=3)).isoformat()
    assert console.post(f"/console/tickets/{ticket_number}/answer",
                        {"kind": "planned_release", "date": past, "body": "Soon."}).status_code == 302
    with app.app_context():
        fix_id = db.session.execute(select(TicketFix.id)).scalar_one()
    response = _post(console, f"/console/releases/promises/{fix_id}", {"release": "999"}, lang)
    assert _error(response, "release") == words
    with app.app_context():
        assert db.session.get(TicketFix, fix_id).release_id is None
    assert console.post("/console/releases/promises/999999", {"release": "1"}).status_code == 404


@pytest.mark.parametrize("lang, words", [("ru", "Язык: ru или en."), ("en", "The language is ru or en.")])
def test_a_known_issue_in_no_offered_language_is_refused(app, console, lang, words):
    response = _post(console, "/console/known-issues", {"title": "QR never appears", "symptoms": "Blank QR",
                                                        "language": "xx"}, lang)
    assert _error(response, "language") == words
    assert "QR never appears" in response.get_data(as_text=True)
    assert _count(app, KnownIssue) == 0


@pytest.mark.parametrize("lang, words", [("ru", "Слишком длинный текст."), ("en", "The text is too long.")])
def test_a_known_issue_title_over_the_limit_is_refused(app, console, lang, words):
    response = _post(console, "/console/known-issues", {"title": "t" * 201, "symptoms": "S", "language": "en"},
                     lang)
    assert _error(response, "title") == words
    assert _count(app, KnownIssue) == 0


@pytest.mark.parametrize("lang, words", [("ru", "Заявки с таким номером нет."), ("en", "No ticket has this number.")])
def test_linking_an_unknown_ticket_to_a_known_issue_is_refused(app, console, lang, words):
    console.post("/console/known-issues", {"title": "QR never appears", "symptoms": "Blank QR", "language": "en"})
    with app.app_context():
        issue_id = db.session.execute(select(KnownIssue.id)).scalar_one()
    for number in ("TU-1999-000001", ""):
        response = _post(console, f"/console/known-issues/{issue_id}/tickets", {"ticket": number}, lang)
        assert _error(response, "ticket") == words, number
        assert 'value="QR never appears"' in response.get_data(as_text=True)  # the issue's own form as stored
    assert _count(app, KnownIssueTicket) == 0


@pytest.mark.parametrize("lang, words", [("ru", "Неверное целое число."), ("en", "Not a valid integer value.")])
def test_wtforms_own_messages_speak_the_staff_language_too(app, lang, words):
    """A validator given no message of ours says WTForms' words, translated (Flask-WTF's WTF_I18N_ENABLED)."""

    class Sample(ConsoleForm):
        n = IntegerField()

    with app.test_request_context("/console/"):
        g.lang = lang
        form = Sample(formdata=MultiDict({"n": "many"}))
        assert not form.validate() and form.n.errors == [words]
