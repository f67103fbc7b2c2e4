"""Answers that follow the version: an ONAPPUPDATE sent by the sandbox resolves what the new release fixes."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import requests
from sqlalchemy import select

from database import db
from releases import answers as release_answers
from releases import following, known_issues
from releases.models import TicketFix
from staff.models import StaffUser
from tests.placements.support_pages import installed_portal, open_support, registry_row
from tests.releases.conftest import add_releases, add_ticket, drain, ticket_of
from tickets.models import Ticket


def answer_fixed_in(app, staff_id: int, number: str, release_id: int) -> None:
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        release_answers.answer(ticket, db.session.get(StaffUser, staff_id), "fixed_in_version", "Fixed there.",
                               {"release": str(release_id)})
        db.session.commit()


def form_actions(page: requests.Response, action: str) -> dict[str, str]:
    found = re.findall(rf'action="([^"]*/requests/([^/"]+)/{action}\?[^"]*)"', page.text)
    return {number: urljoin(page.url, html.unescape(url)) for url, number in found}


def test_update_3_to_4_resolves_exactly_the_tickets_release_4_fixes(mail_config, app, sandbox, mailbox,
                                                                    staff_member):
    acme = installed_portal(sandbox, "acme", lang="ru")
    beta = installed_portal(sandbox, "beta", lang="en")
    for portal in (acme, beta):
        assert [r.status_code for r in sandbox.update(portal, 3)] == [200]
    acme_id, beta_id = registry_row(app, acme), registry_row(app, beta)
    release = add_releases(app, (3, "2.4.0"), (4, "2.5.0"), (5, "2.6.0"))

    ru_fixed = add_ticket(app, acme_id, language="ru", email="ivan@acme.test")
    en_fixed = add_ticket(app, acme_id, language="en", email="john@acme.test")
    later = add_ticket(app, acme_id, language="ru", email="olga@acme.test")  # fixed only in 5
    unanswered = add_ticket(app, acme_id)
    via_issue = add_ticket(app, acme_id, language="en", email="kate@acme.test")  # linked to an issue fixed in 4
    other_portal = add_ticket(app, beta_id, language="en", email="bob@beta.test")
    for number in (ru_fixed, en_fixed, other_portal):
        answer_fixed_in(app, staff_member, number, release[4])
    answer_fixed_in(app, staff_member, later, release[5])
    with app.app_context():
        issue = known_issues.save_issue(None, {"title": "Invoices stuck in Didox", "symptoms": "Status stays sent",
                                               "language": "en", "published": "1", "affected_to": "3",
                                               "fixed_in": str(release[4])})
        known_issues.link_ticket(issue, via_issue)
        db.session.commit()
    drain(app)
    mailbox.messages.clear()  # the answers' own mails

    responses = sandbox.update(acme, 4)

    assert [r.status_code for r in responses] == [200]
    statuses = {n: ticket_of(app, n).status for n in (ru_fixed, en_fixed, later, unanswered, via_issue, other_portal)}
    # An answered ticket waits for its user (tickets.status); only the update moves it on to resolved.
    assert statuses == {ru_fixed: "resolved", en_fixed: "resolved", later: "waiting_for_user", unanswered: "new",
                        via_issue: "resolved", other_portal: "waiting_for_user"}
    drain(app)
    user_mails = [(to, mail) for to, mail in mailbox.messages if "vendor@desk.test" not in to]
    assert sorted(to[0] for to, _ in user_mails) == ["ivan@acme.test", "john@acme.test", "kate@acme.test"]
    by_address = {to[0]: mail for to, mail in user_mails}
    assert by_address["ivan@acme.test"]["Content-Language"] == "ru"
    assert "Обновление исправляет вашу заявку" in by_address["ivan@acme.test"]["Subject"]
    assert ru_fixed in by_address["ivan@acme.test"]["Subject"]
    ru_text = by_address["ivan@acme.test"].get_body(("plain",)).get_content()
    assert "2.5.0" in ru_text and "Подтвердите" not in ru_text and "подтвердить" in ru_text
    en_text = by_address["john@acme.test"].get_body(("plain",)).get_content()
    assert by_address["john@acme.test"]["Content-Language"] == "en"
    assert f"fixes {en_fixed}" in en_text and "reopen" in en_text

    # A second version report (the placement opening on 4, a repeated event) changes and mails nothing.
    assert open_support(sandbox, acme).status_code == 200
    drain(app)
    assert len([m for to, m in mailbox.messages if "vendor@desk.test" not in to]) == 3

    # The portal still on 3 keeps its ticket open and sees the banner that release 4 fixes it.
    beta_page = open_support(sandbox, beta)
    banner = re.search(r'id="update-banner"[^>]*>(.*?)</p>', beta_page.text, re.S)
    assert banner and "2.5.0" in banner.group(1) and other_portal in banner.group(1)
    acme_page = open_support(sandbox, acme)
    assert 'id="update-banner"' in acme_page.text and later in acme_page.text  # 2.6.0 fixes "later"
    with app.app_context():
        below = following.portals_below(db.session.get(following.Release, release[4]))
    assert [(p.domain, p.app_version, p.tickets) for p in below] == [(beta.domain, 3, 1)]

    # Reopen is one click in the portal; the same button twice is refused and changes nothing.
    reopen = form_actions(acme_page, "reopen")
    # Another portal's one-time token cannot touch this portal's ticket (the same answer as a missing ticket).
    beta_token = re.search(r'action="[^"]*/placements/support/submit\?f=([^"&]+)"', beta_page.text).group(1)
    foreign = urljoin(beta_page.url, f"/placements/known-issues/requests/{en_fixed}/reopen?f={beta_token}")
    assert requests.post(foreign, timeout=30).status_code == 404
    assert ticket_of(app, en_fixed).status == "resolved"
    assert set(reopen) == {ru_fixed, en_fixed, via_issue}
    answer = requests.post(reopen[en_fixed], timeout=30, allow_redirects=False)
    assert answer.status_code == 303
    assert ticket_of(app, en_fixed).status == "in_progress"
    assert requests.post(reopen[en_fixed], timeout=30).status_code == 409
    # The request's own page offers the same choice.
    ticket_page = requests.get(urljoin(acme_page.url, html.unescape(re.search(
        r'href="([^"]*/placements/support/requests\?t=[^"]+)"', acme_page.text).group(1)).replace(
        "/requests?", f"/requests/{ru_fixed}?")), timeout=30)
    assert ticket_page.status_code == 200 and f'id="confirm-{ru_fixed}"' in ticket_page.text
    assert "2.5.0" in ticket_page.text and f'id="reopen-{en_fixed}"' not in ticket_page.text
    confirm = form_actions(acme_page, "confirm")
    assert requests.post(confirm[ru_fixed], timeout=30).status_code == 200
    assert ticket_of(app, ru_fixed).status == "closed"
    assert requests.post(form_actions(acme_page, "confirm")[ru_fixed], timeout=30).status_code == 409
    with app.app_context():
        fix = db.session.execute(select(TicketFix).join(Ticket).where(Ticket.number == en_fixed)).scalar_one()
        assert fix.reopened_at is not None
    # A reopened ticket is not resolved again by the next update.
    sandbox.update(acme, 5)
    assert ticket_of(app, en_fixed).status == "in_progress"
    assert ticket_of(app, later).status == "resolved"


def test_a_planned_release_past_its_date_is_flagged_to_staff_once(mail_config, app, sandbox, mailbox, staff_member,
                                                                   runner):
    acme = installed_portal(sandbox, "acme", lang="ru")
    number = add_ticket(app, registry_row(app, acme))
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        release_answers.answer(ticket, db.session.get(StaffUser, staff_member), "planned_release", "Soon.",
                               {"date": "2026-01-15"})
        db.session.commit()
        assert [f.ticket.number for f in following.overdue_promises()] == [number]
    drain(app)
    mailbox.messages.clear()

    first = runner.invoke(args=["releases", "flag-overdue"])
    again = runner.invoke(args=["releases", "flag-overdue"])

    assert f"{number}: planned 2026-01-15" in first.output and "1 flagged" in first.output
    assert "0 flagged" in again.output
    drain(app)
    vendor = [mail for to, mail in mailbox.messages if to == ["vendor@desk.test"]]
    assert len(vendor) == 1 and number in vendor[0]["Subject"]
    # Naming the release later makes the ticket follow it: the portal is on 1, release 2 is ahead.
    release = add_releases(app, (2, "2.0.0"))
    with app.app_context():
        fix = db.session.execute(select(TicketFix)).scalar_one()
        following.name_release(fix, db.session.get(following.Release, release[2]))
        db.session.commit()
    sandbox.update(acme, 2)
    assert ticket_of(app, number).status == "resolved"
