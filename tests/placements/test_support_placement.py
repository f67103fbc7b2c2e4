"""The Support placement over loopback HTTP with the sandbox portal: open, see the context, file, find it again."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import requests
from babel.dates import format_date, format_time

from contracts.models import Contract
from database import db, utcnow
from tests.placements.support_pages import (
    good_fields,
    installed_portal,
    link,
    open_support,
    registry_row,
    submit,
    text_of,
    video_part,
)
from tests.support_factories import make_contract
from tickets.models import Attachment, Ticket

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 SupportTest"
FROM_PAGE = "https://acme.bitrix24.test/crm/deal/details/8061/"


def with_contract(app, sandbox_portal, number: str = "SUP-2026-17") -> None:
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, sandbox_portal)), number)


def test_placement_shows_everything_attached_automatically(app, sandbox):
    app.config["APP_BUILD"] = "build-2026.11.26-abc123"
    portal = installed_portal(sandbox, "acme", lang="en")
    portal.app_version = 3  # the platform published an update since install
    with_contract(app, portal)
    calls_before = len(sandbox.calls("rest"))

    page = open_support(sandbox, portal, headers={"Referer": FROM_PAGE, "User-Agent": BROWSER})

    assert page.status_code == 200
    assert text_of(page, "ctx-portal").endswith("acme.bitrix24.test")
    assert text_of(page, "ctx-member-id") == portal.member_id
    assert text_of(page, "ctx-app-version") == "3"
    assert text_of(page, "ctx-app-status") == "L (local), ru_project / project"
    assert text_of(page, "ctx-user") == "#1 Anna Petrova <anna@acme.bitrix24.test>, administrator"
    assert text_of(page, "ctx-lang") == "en"
    assert text_of(page, "ctx-placement") == "CRM_DEAL_DETAIL_TOOLBAR · ID=8061"
    assert text_of(page, "ctx-page") == FROM_PAGE
    assert text_of(page, "ctx-browser") == BROWSER
    assert text_of(page, "ctx-server-build") == "build-2026.11.26-abc123"
    # The time of the open, in the page's language and in UTC; ISO stays in the element for machines.
    opened = re.search(r'id="ctx-time"><time datetime="([^"]+)">', page.text).group(1)
    at = datetime.fromisoformat(opened).replace(tzinfo=None)
    assert abs(at - utcnow()) < timedelta(minutes=2)
    assert text_of(page, "ctx-time") == " ".join(
        f"{format_date(at, 'medium', locale='en')}, {format_time(at, 'short', locale='en')} UTC".split())
    # Prefilled from the contract on record and the Bitrix24 user; eligibility shown before writing.
    assert 'value="SUP-2026-17"' in page.text
    assert 'value="anna@acme.bitrix24.test"' in page.text
    assert "active: No. SUP-2026-17" in text_of(page, "elig-contract")
    # One REST request for the user, admin flag and app.info, with the user's own token.
    opened = sandbox.calls("rest")[calls_before:]
    assert [call.method for call in opened] == ["batch"]
    assert opened[0].params["cmd"] == {"user": "user.current", "admin": "user.admin", "app": "app.info"}
    with app.app_context():
        from b24.models import Portal

        row = db.session.get(Portal, registry_row(app, portal))
        assert (row.app_version, row.license, row.license_family) == (3, "ru_project", "project")


def test_a_non_admin_user_is_shown_as_such(app, sandbox):
    portal = installed_portal(sandbox, "acme")
    page = open_support(sandbox, portal, user=7)
    assert text_of(page, "ctx-user") == "#7 Ivan Sidorov <ivan@acme.bitrix24.test>, not an administrator"


def test_russian_portal_gets_the_form_in_russian(app, sandbox):
    portal = installed_portal(sandbox, "firma", lang="ru")
    page = open_support(sandbox, portal)
    assert "Заявка в техподдержку" in page.text
    assert "Приложится к заявке автоматически" in page.text
    assert "Без действующего договора техподдержки можно задать только вопрос о договоре" in page.text


def test_file_a_ticket_with_a_video_and_find_it_under_my_requests(app, sandbox, caplog):
    caplog.set_level("DEBUG")
    portal = installed_portal(sandbox, "acme")
    with_contract(app, portal)
    page = open_support(sandbox, portal, headers={"Referer": FROM_PAGE, "User-Agent": BROWSER})

    filed = submit(page, good_fields(), [video_part()])

    assert filed.status_code == 200, filed.text[:2000]
    assert "/filed?" in filed.url
    number = text_of(filed, "ticket-number")
    assert number.startswith("TU-") and number.endswith("-000001")
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        assert ticket.portal_id == registry_row(app, portal)
        assert ticket.context["placement"] == {"code": "CRM_DEAL_DETAIL_TOOLBAR", "options": {"ID": "8061"}}
        assert ticket.context["user"]["email"] == "anna@acme.bitrix24.test"
        assert ticket.context["browser"] == BROWSER and ticket.context["page"] == FROM_PAGE
        assert ticket.operator_connection == "merchant_id=5f1; secret_key=TOP-SECRET-42"
        [video] = ticket.attachments
        assert (video.role, video.content_type, video.original_name) == ("video", "video/webm", "error-recording.webm")

    listing = requests.get(link(filed, "tab-requests"), timeout=30)
    assert listing.status_code == 200
    assert number in listing.text
    assert 'data-status="new"' in listing.text and ">New<" in listing.text
    assert "TOP-SECRET-42" not in listing.text

    shown = requests.get(link(filed, "open-ticket"), timeout=30)
    assert shown.status_code == 200
    assert "TOP-SECRET-42" not in shown.text and "provided, hidden" in shown.text
    assert "error-recording.webm" in shown.text
    download = requests.get(link_to_attachment(shown), timeout=30)
    assert download.status_code == 200 and download.content == video_part()[2]
    part = requests.get(link_to_attachment(shown), headers={"Range": "bytes=0-99"}, timeout=30)
    assert part.status_code == 206 and len(part.content) == 100
    assert caplog.records and "TOP-SECRET-42" not in caplog.text  # the operator secret never reaches a log


def link_to_attachment(page: requests.Response) -> str:
    import html
    import re
    from urllib.parse import urljoin

    match = re.search(r'href="([^"]*/placements/support/attachments/[^"]+)"', page.text)
    assert match, "no attachment link"
    return urljoin(page.url, html.unescape(match.group(1)))


def test_another_portal_sees_none_of_the_first_portals_requests(app, sandbox):
    first = installed_portal(sandbox, "acme")
    with_contract(app, first)
    filed = submit(open_support(sandbox, first), good_fields(), [video_part()])
    number = text_of(filed, "ticket-number")
    ticket_url = link(filed, "open-ticket")
    attachment_url = link_to_attachment(requests.get(ticket_url, timeout=30))

    second = installed_portal(sandbox, "rival")
    other_page = open_support(sandbox, second)
    listing = requests.get(link(other_page, "tab-requests"), timeout=30)
    assert listing.status_code == 200 and number not in listing.text
    assert "no requests yet" in listing.text

    other_token = link(other_page, "tab-requests").split("t=", 1)[1]
    foreign_ticket = requests.get(ticket_url.split("?")[0] + "?t=" + other_token, timeout=30)
    assert foreign_ticket.status_code == 404
    assert "what_done" not in foreign_ticket.text and "spins forever" not in foreign_ticket.text
    foreign_file = requests.get(attachment_url.split("?")[0] + "?t=" + other_token, timeout=30)
    assert foreign_file.status_code == 404 and b"webm" not in foreign_file.content
    followup = requests.post(ticket_url.split("?")[0] + "/followup?f=x", data={"body": "hi"}, timeout=30)
    assert followup.status_code == 403


def test_the_main_page_leads_to_the_form_and_my_requests(app, sandbox):
    portal = installed_portal(sandbox, "acme")
    home = sandbox.open(portal)
    assert home.status_code == 200
    form = requests.get(link(home, "home-new-request"), timeout=30)
    assert form.status_code == 200 and 'id="support-form"' in form.text
    assert text_of(form, "ctx-placement") == "DEFAULT"
    mine = requests.get(link(home, "home-my-requests"), timeout=30)
    assert mine.status_code == 200 and 'id="no-requests"' in mine.text


def test_followups_and_vendor_answers_show_in_the_conversation(app, sandbox):
    from tickets.models import Reply

    portal = installed_portal(sandbox, "acme")
    with_contract(app, portal)
    filed = submit(open_support(sandbox, portal), good_fields(), [video_part()])
    number = text_of(filed, "ticket-number")
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        db.session.add_all([
            Reply(ticket=ticket, author="staff", kind="note", body="INTERNAL: customer is on old version",
                  internal=True),
            Reply(ticket=ticket, author="staff", kind="fixed_in_version", body="Update to 1.4.2, it is fixed.",
                  data={"version": "1.4.2"}),
        ])
        ticket.status = "waiting_for_user"
        db.session.commit()

    listing = requests.get(link(filed, "tab-requests"), timeout=30)
    assert "Update to 1.4.2" in listing.text and 'data-status="waiting_for_user"' in listing.text
    assert "INTERNAL" not in listing.text
    shown = requests.get(link(filed, "open-ticket"), timeout=30)
    assert "Fixed in version" in shown.text and "1.4.2" in shown.text and "INTERNAL" not in shown.text

    import html
    import re
    from urllib.parse import urljoin

    action = urljoin(shown.url, html.unescape(re.search(r'id="followup-form"[^>]*action="([^"]+)"', shown.text,
                                                         re.S).group(1)))
    log = ("files", ("console.log", b"12:00:01 ERROR pay button timeout\n", "text/plain"))
    answer = requests.post(action, files=[("body", (None, "Updated, still failing.")), log], timeout=30)
    assert answer.status_code == 200 and 'id="followup-sent"' in answer.text
    assert "Updated, still failing." in answer.text and "console.log" in answer.text
    again = requests.post(action, files=[("body", (None, "twice"))], timeout=30)
    assert again.status_code == 409
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        user_replies = [r for r in ticket.replies if r.author == "user"]
        assert [r.body for r in user_replies] == ["Updated, still failing."]
        assert [a.original_name for a in user_replies[0].attachments] == ["console.log"]
        assert db.session.execute(db.select(db.func.count(Attachment.id))).scalar_one() == 2
        assert db.session.execute(db.select(db.func.count(Contract.id))).scalar_one() == 1


def test_a_portal_that_never_finished_installing_gets_a_clear_message(app, sandbox):
    portal = sandbox.add_portal("halfway", lang="en")  # the OAuth server knows it, the registry does not
    url, form = sandbox.frame(portal, "DEFAULT")
    answer = requests.post(url.replace("/?", "/placements/support?", 1), data=form, timeout=30)
    assert answer.status_code == 409
    assert "must open it once to finish the installation" in answer.text
    assert "<form" not in answer.text


def test_when_the_portal_does_not_answer_the_form_still_opens_and_says_so(app, sandbox):
    app.config["B24_MAX_RETRIES"] = 1
    portal = installed_portal(sandbox, "silent")  # a box portal: *.bitrix24.test is no Bitrix24 cloud zone
    sandbox.fail_next(portal, "OVERLOAD_LIMIT", times=5)

    page = open_support(sandbox, portal)

    assert page.status_code == 200 and 'id="support-form"' in page.text
    assert "The portal did not answer the app" in page.text
    assert text_of(page, "ctx-user") == "#1, rights unknown"  # only the id the OAuth server vouched for
    assert text_of(page, "elig-box") == "not reachable: open the portal to the app"
    again = requests.get(link(page, "tab-new"), timeout=30)  # the form reopened from the token remembers it
    assert text_of(again, "elig-box") == "not reachable: open the portal to the app"


ARRIVED = datetime(2026, 12, 3, 10, 20)
DATED = {"ru": ("3 дек. 2026\u202fг., 10:20 UTC", "15 янв. 2027\u202fг."),
         "en": ("Dec 3, 2026, 10:20\u202fAM UTC", "Jan 15, 2027")}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_my_requests_write_dates_in_the_portals_language(app, sandbox, lang):
    from tickets.models import Reply

    portal = installed_portal(sandbox, f"dated-{lang}", lang=lang)
    with_contract(app, portal)
    filed = submit(open_support(sandbox, portal), good_fields(), [video_part()])
    assert filed.status_code == 200, filed.text[:300]
    number = text_of(filed, "ticket-number")
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        ticket.created_at = ARRIVED
        ticket.replies.append(Reply(author="staff", kind="planned_release", body="Soon", created_at=ARRIVED,
                                    data={"date": "2027-01-15"}))
        db.session.commit()
    moment, day = DATED[lang]
    arrived = f'<time datetime="2026-12-03T10:20:00Z">{moment}</time>'

    listing = requests.get(link(filed, "tab-requests"), timeout=30).text
    assert f"<td>{arrived}</td>" in listing.split(f'data-number="{number}"')[1].split("</tr>")[0]
    shown = requests.get(link(filed, "open-ticket"), timeout=30).text
    assert f"<dd>{arrived}</dd>" in shown  # Created
    conversation = shown.split('id="conversation"')[1]
    assert f'<span class="muted">{arrived}</span>' in conversation
    assert f'<dd><time datetime="2027-01-15">{day}</time></dd>' in conversation
