"""Real headless Chromium: the user types a symptom in the Support form, the known issue appears, it solves it."""

from __future__ import annotations

import pytest

from database import db
from releases import known_issues
from tests.conftest import screenshot
from tests.placements.support_pages import installed_portal, registry_row
from tests.support_factories import make_contract

TEXTS = {
    "ru": {"title": "Счёт не уходит в Didox", "symptoms": "При отправке счетов появляется ошибка 500",
           "workaround": "Отправьте счёт повторно через минуту", "typed": "Отправил счёт, получил ошибку",
           "solves": "Это решает мою проблему", "planned": "Исправление запланировано на 15 янв. 2027 г."},
    "en": {"title": "Invoices are not sent to Didox", "symptoms": "Sending an invoice shows error 500",
           "workaround": "Send the invoice again a minute later", "typed": "I sent invoices and got an error",
           "solves": "This solves it", "planned": "A fix is planned for Jan 15, 2027"},
}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_typing_a_symptom_shows_the_known_issue_and_it_deflects(app, live_app, sandbox, browser, lang):
    text = TEXTS[lang]
    portal = installed_portal(sandbox, f"shop{lang}", lang=lang)
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, portal)), f"SUP-{lang.upper()}")
        issue = known_issues.save_issue(None, {"title": text["title"], "symptoms": text["symptoms"],
                                               "workaround": text["workaround"], "language": lang, "published": "1",
                                               "affected_to": "3", "planned_on": "2027-01-15"})
        db.session.commit()
        issue_id = issue.id
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
    page = context.new_page()
    page.goto(sandbox.portal_page(portal, view="deal"))
    page.click("#placement-CRM_DEAL_DETAIL_TOOLBAR")
    frame = page.frame_locator("#app-frame")
    frame.locator("#support-form").wait_for()

    frame.locator("#what_obtained").press_sequentially(text["typed"], delay=20)
    card = frame.locator(f"li[data-issue='{issue_id}']")
    card.wait_for(timeout=10000)
    assert text["title"] in card.inner_text()
    card.locator(".ki-item__title").click()
    assert text["workaround"] in card.inner_text()
    assert text["planned"] in " ".join(card.inner_text().split())  # the date in the portal's language, not ISO
    page.wait_for_timeout(300)
    screenshot(page, f"known-issue-suggested-{lang}")

    card.locator(".ki-solves").click()
    frame.locator("#ki-solved").wait_for()
    assert frame.locator("#support-form").is_hidden()
    screenshot(page, f"known-issue-solved-{lang}")
    # The issue's public page, as a link in an answer or a mail opens it: no login, in the reader's language.
    page.goto(f"{live_app}/known-issues/{issue_id}?lang={lang}")
    assert page.locator("#ki-title").inner_text() == text["title"]
    assert text["workaround"] in page.locator("#ki-workaround").inner_text()
    assert " ".join(page.locator("#ki-fix").inner_text().split()) == text["planned"]
    screenshot(page, f"known-issue-public-{lang}")
    context.close()
    with app.app_context():
        row = next(r for r in known_issues.issue_rows() if r.issue.id == issue_id)
        assert (row.issue.views, row.deflections) == (2, 1)  # opened in the form, then its page
        from tickets.models import Ticket

        assert db.session.query(Ticket).count() == 0  # nothing half-filed
