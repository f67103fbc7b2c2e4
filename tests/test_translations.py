"""No raw key anywhere and no page in two languages: every page of the placement, the console, the mails and the
sandbox, rendered in Russian and English with every answer kind, reply field and history event on it."""

from __future__ import annotations

import os
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import g, render_template_string
from flask_babel import gettext, ngettext
from sqlalchemy import select

from b24.models import Portal
from console.staff import create_user
from contracts.models import Contract, Operator
from database import db
from delivery.models import OutboxMessage
from delivery.render import render
from i18n import gettext_in, label
from i18n_labels import LABELS
from sandbox import create_sandbox_app, mailbox
from staff.models import StaffUser
from tests.console.conftest import PASSWORD, ConsoleClient
from tests.i18n_check import RUSSIAN_PO, english_only_words, problems, russian_catalogue
from tests.placements.support_pages import good_fields, installed_portal, link, open_support, submit, video_part
from tests.support_factories import make_contract
from tickets import answers
from tickets.filing import Author, add_followup
from tickets.models import ANSWER_KINDS, Ticket

ANSWER_DATA = {"version": "2.4.1", "link": "https://vendor.test/notes/2.4.1", "date": "2027-01-15"}
# What the user and the staff type, in the page's language (their words are data, not the catalogue's).
TYPED = {
    "ru": {"what_done": "Открыл сделку и нажал «Выставить счёт»", "what_expected": "Клиент получит ссылку на оплату",
           "what_obtained": "Кнопка крутится бесконечно", "question": "Как продлить договор?",
           "answer": "Ответ номер {n}", "note": "Проверили журналы", "followup": "Спасибо, ещё одна подробность"},
    "en": {"what_done": "Opened the deal and pressed Send invoice", "what_expected": "The customer gets a link",
           "what_obtained": "The button spins forever", "question": "How to extend it?",
           "answer": "Answer number {n}", "note": "Checked the logs", "followup": "Thanks, one more detail"},
}
ROOT = Path(__file__).resolve().parent.parent
SANDBOX_DONE = ("created", "installed", "expire", "revoke", "rename", "update", "uninstall")


@pytest.fixture
def mail_queued(app_config):
    """Mail on (to a port nobody listens on: nothing is sent, every message waits in the outbox to be rendered)."""
    app_config.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 9, "SMTP_SECURITY": "plain",
                       "MAIL_FROM": "Didox24 Support <support@desk.test>", "VENDOR_ALERT_EMAIL": "vendor@desk.test"})
    return app_config


def _desk(app, sandbox, lang: str):
    """A portal with a contract, an error report answered in every kind, a contract question, a follow-up."""
    portal = installed_portal(sandbox, f"words-{lang}", lang=lang)
    with app.app_context():
        row = db.session.execute(select(Portal).where(Portal.member_id == portal.member_id)).scalar_one()
        make_contract(row, f"SUP-{lang.upper()}-1")
        db.session.add(Operator(code="payme", name="Payme", recommended=True))
        staff = create_user(f"dana-{lang}@vendor.test", "Dana Dev", PASSWORD, can_see_vulnerabilities=True)
        db.session.commit()
        staff_id = staff.id
    form = open_support(sandbox, portal)
    typed = TYPED[lang]
    fields = good_fields(contract_number=f"SUP-{lang.upper()}-1", what_done=typed["what_done"],
                         what_expected=typed["what_expected"], what_obtained=typed["what_obtained"])
    filed = submit(form, fields, [video_part()])
    assert filed.status_code == 200, filed.text[:300]
    question = submit(open_support(sandbox, portal), {"category": "contract", "what_done": typed["question"],
                                                      "contact_email": "anna@acme.uz"})
    assert question.status_code == 200, question.text[:300]
    with app.app_context():
        ticket = db.session.execute(select(Ticket).order_by(Ticket.id.desc()).offset(1).limit(1)).scalar_one()
        staff = db.session.get(StaffUser, staff_id)
        for kind, fields in ANSWER_KINDS.items():
            answers.answer(ticket, staff, kind, typed["answer"].format(n=len(ticket.replies) + 1),
                           {name: ANSWER_DATA[name] for name in fields})
        answers.add_note(ticket, staff, typed["note"])
        answers.assign(ticket, staff, staff)
        db.session.commit()
        add_followup(ticket, typed["followup"], author=Author(7, "Ivan Sidorov", "ivan@acme.uz"))
        answers.change_status(ticket, staff, "resolved")
        db.session.commit()
        number, email = ticket.number, staff.email
    return portal, form, filed, question, number, email


def typed_words(lang: str) -> str:
    return TYPED[lang]["followup"]


def _check(pages: dict[str, str], lang: str) -> list[str]:
    return [f"{name}: {problem}" for name, page in pages.items() for problem in problems(page, lang)]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_page_and_mail_is_in_one_language_with_no_raw_key(mail_queued, app, sandbox, tmp_path, lang):
    portal, form, filed, question, number, email = _desk(app, sandbox, lang)
    pages = {"form": form.text, "filed": filed.text, "contract question filed": question.text,
             "home": sandbox.open(portal).text}
    pages["my requests"] = requests.get(link(filed, "tab-requests"), timeout=10).text
    ticket_page = requests.get(link(filed, "open-ticket"), timeout=10)
    pages["request page"] = ticket_page.text
    assert "2.4.1" in ticket_page.text and "vendor.test/notes" in ticket_page.text

    console = ConsoleClient(app.test_client(), email)
    console.get(f"/console/lang/{lang}")
    with app.app_context():
        portal_id = db.session.execute(select(Portal.id).where(Portal.member_id == portal.member_id)).scalar_one()
        contract_id = db.session.execute(select(Contract.id)).scalars().first()
        operator_id = db.session.execute(select(Operator.id)).scalars().first()
    for url in ("/console/portals", f"/console/portals/{portal_id}", "/console/tickets", f"/console/tickets/{number}",
                "/console/contracts", "/console/contracts/new", f"/console/contracts/{contract_id}",
                "/console/operators", "/console/operators/new", f"/console/operators/{operator_id}"):
        response = console.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    assert "Ivan Sidorov" in pages[f"/console/tickets/{number}"]
    answered = console.post(f"/console/tickets/{number}/answer", {"kind": "solution", "body": typed_words(lang)},
                            follow_redirects=True)
    pages["console answer sent (flash)"] = answered.get_data(as_text=True)
    assert 'class="notice notice--success"' in pages["console answer sent (flash)"]
    pages["login"] = app.test_client().get("/console/login", headers={"Accept-Language": lang}).get_data(as_text=True)

    with app.app_context():
        queued = db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "email")).scalars().all()
        templates = {m.payload["template"] for m in queued}
        assert {"user_ticket_created", "user_staff_reply", "user_status_changed", "vendor_ticket_created",
                "vendor_user_followup"} <= templates
        rendered = [(m.payload["template"], m.payload, m.id) for m in queued]
        # The vendor's status alert goes by mail only on some setups: render it from the user's status payload.
        rendered += [("vendor_status_changed", p, i) for t, p, i in rendered if t == "user_status_changed"]
        for template, payload, message_id in rendered:
            mail = render(template, payload, lang=lang)
            name = f"mail {template} #{message_id}"
            pages[f"{name} subject"] = mail.subject
            pages[f"{name} text"] = mail.text
            pages[f"{name} html"] = mail.html
        sample = render("user_ticket_created", queued[0].payload, lang=lang)

    # The sandbox: its index, its Mail page with a caught message, and a portal's every view and flash line.
    directory = tmp_path / "mail"
    raw = EmailMessage()
    raw["Subject"], raw["From"], raw["To"], raw["Content-Language"] = sample.subject, "a@desk.test", "b@x.test", lang
    raw.set_content(sample.text)
    raw.add_alternative(sample.html, subtype="html")
    stored = mailbox.store(directory, raw.as_bytes(), ["b@x.test"])
    site = create_sandbox_app(sandbox.state, mail_dir=directory).test_client()
    fresh = sandbox.add_portal(f"fresh-{lang}", lang=lang)
    urls = [f"/?lang={lang}", f"/mail?lang={lang}", f"/mail/{stored.name}?lang={lang}",
            f"/p/{fresh.slug}/", f"/p/{portal.slug}/?view=deal", f"/p/{portal.slug}/?view=market",
            f"/p/{portal.slug}/?view=app"]
    urls += [f"/p/{portal.slug}/?view=deal&done={done}" for done in SANDBOX_DONE]
    for url in urls:
        response = site.get(url)
        assert response.status_code == 200, url
        pages[f"sandbox {url}"] = response.get_data(as_text=True)

    found = _check(pages, lang)
    assert found == [], "\n".join(found)


def test_the_checker_reports_a_code_without_words_and_a_string_left_in_english(app, monkeypatch):
    """The check above can fail: a code with no label shows as itself; a msgid with no Russian stays English."""
    known, english = set(LABELS), english_only_words()
    page = ("<dl><dt>{{ label('c_answer_version') }}</dt><dd>2.4.1</dd></dl><p>{{ _('Tickets') }}</p>"
            "<p>{{ pgettext('a context the catalogue lacks', 'Contracts') }}</p>")
    with app.test_request_context():
        g.lang = "ru"
        assert "Заявок" in render_template_string(page)
        monkeypatch.delitem(LABELS, "c_answer_version")
        found = problems(render_template_string(page), "ru", known, english=english)
    assert "raw key 'c_answer_version'" in found
    assert "English word 'Contracts' on a Russian page" in found
    assert problems("<p>Заявка</p>", "en") == ["Russian word 'Заявка' on an English page"]


def _extracted(tmp_path) -> Catalog:
    """Every msgid of the code and templates, extracted by the translators' own command."""
    pot = tmp_path / "messages.pot"
    subprocess.run([str(ROOT / "scripts/i18n"), "extract"], check=True, env={**os.environ, "POT": str(pot)},
                   cwd=ROOT)
    with pot.open("rb") as f:
        return read_po(f)


def test_every_msgid_of_the_code_has_a_russian_translation_that_is_not_fuzzy(tmp_path):
    extracted, russian = _extracted(tmp_path), russian_catalogue()
    assert len(extracted) > 500  # the extraction saw the templates and the Python
    missing, fuzzy, forms = [], [], []
    for message in extracted:
        if not message.id:
            continue
        translated = russian.get(message.id, context=message.context)
        where = f"{message.context or ''}|{message.id!r} ({message.locations[0][0]})"
        if translated is None or not (translated.string if isinstance(translated.string, str)
                                      else all(translated.string)):
            missing.append(where)
        elif translated.fuzzy:
            fuzzy.append(where)
        elif message.pluralizable and len(translated.string) != russian.num_plurals:
            forms.append(where)
    assert missing == [], "no Russian in translations/ru/LC_MESSAGES/messages.po for:\n" + "\n".join(missing)
    assert fuzzy == [], "fuzzy (unchecked) Russian for:\n" + "\n".join(fuzzy)
    assert forms == [], "a plural without Russian's three forms:\n" + "\n".join(forms)


def test_the_catalogue_the_app_reads_is_compiled_from_the_current_po():
    mo = RUSSIAN_PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= RUSSIAN_PO.stat().st_mtime, "run scripts/i18n compile"
    assert russian_catalogue().num_plurals == 3


@pytest.mark.parametrize(("n", "ru", "en"), [(1, "1 минуту", "1 minute"), (2, "2 минуты", "2 minutes"),
                                             (5, "5 минут", "5 minutes"), (21, "21 минуту", "21 minutes"),
                                             (12, "12 минут", "12 minutes")])
def test_russian_counts_take_the_plural_form_of_their_number(app, n, ru, en):
    with app.test_request_context():
        g.lang = "ru"
        assert ngettext("%(num)s minute", "%(num)s minutes", n) == ru
        assert gettext_in("en", "Support") == "Support" and gettext("Support") == "Техподдержка"
        g.lang = "en"  # the cached locale follows g.lang
        assert ngettext("%(num)s minute", "%(num)s minutes", n) == en


@pytest.mark.parametrize(("limit", "ru"), [(1, "не больше 1 файла"), (2, "не больше 2 файлов"),
                                           (21, "не больше 21 файла")])
def test_a_count_kept_with_an_error_code_is_declined_too(app, limit, ru):
    with app.test_request_context():
        g.lang = "ru"
        assert ru in label("attachment_too_many_files", limit=limit)
        assert "file" in label("attachment_too_many_files", "en", limit=limit)


def test_the_rate_limit_refusal_says_the_span_in_russian_words(app):
    with app.test_request_context():
        g.lang = "ru"
        page = render_template_string("{{ _('Too many requests: at most %(limit)s per %(span)s. Try again in "
                                      "%(left)s s.', limit=5, span=ngettext('%(num)s minute', '%(num)s minutes', 2),"
                                      " left=30) }}")
    assert page == "Слишком много запросов: не больше 5 за 2 минуты. Повторите через 30 с."
