"""Real headless Chromium: the sandbox portal's deal page, Support clicked inside it, the form filled and sent."""

from __future__ import annotations

import pytest

from database import db
from tests.conftest import screenshot
from tests.placements.support_pages import VIDEO, installed_portal, registry_row
from tests.support_factories import make_contract
from tickets.models import Ticket


def file_a_request_in_the_browser(app, sandbox, browser, *, name: str, lang: str, texts: dict[str, str]) -> str:
    portal = installed_portal(sandbox, name, lang=lang)
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, portal)), f"SUP-{name.upper()}")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
    page = context.new_page()
    page.goto(sandbox.portal_page(portal, view="deal"))
    page.click("#placement-CRM_DEAL_DETAIL_TOOLBAR")
    frame = page.frame_locator("#app-frame")
    frame.locator("#support-form").wait_for()
    assert portal.domain in frame.locator("#ctx-summary").inner_text()  # the context is one line until opened
    assert frame.locator("#ctx-placement").is_hidden()
    frame.locator("#ctx-summary").click()
    assert "ID=8061" in frame.locator("#ctx-placement").inner_text()
    assert frame.locator("#contract_number").input_value() == f"SUP-{name.upper()}"
    assert frame.locator("#contact_email").input_value() == f"anna@{portal.domain}"

    frame.locator("#operator").select_option("click")
    assert frame.locator("[data-operator-state=ok]").is_visible()
    assert frame.locator("[data-operator-state=bad]").is_hidden()
    assert frame.locator("[data-operator-state=unknown]").is_hidden()
    frame.locator("#operator_connection").fill("merchant=77; key=browser-secret")
    frame.locator("#what_done").fill(texts["done"])
    frame.locator("#what_expected").fill(texts["expected"])
    frame.locator("#what_obtained").fill(texts["obtained"])
    frame.locator("#video").set_input_files(str(VIDEO))
    frame.locator("#contact_telegram").fill("@anna_acme")
    page.wait_for_timeout(300)  # let the frame report its height to the portal page
    screenshot(page, f"support-form-{lang}")

    frame.locator("#submit-request").click()
    number_box = frame.locator("#ticket-number")
    number_box.wait_for(timeout=20000)
    number = number_box.inner_text().strip()
    screenshot(page, f"support-filed-{lang}")

    frame.locator("#tab-requests").click()
    frame.locator(f"tr[data-number='{number}']").wait_for()
    assert frame.locator(f"tr[data-number='{number}'] [data-status]").get_attribute("data-status") == "new"
    screenshot(page, f"support-my-requests-{lang}")
    frame.locator(f"tr[data-number='{number}'] a").click()
    frame.locator("#ticket-status").wait_for()
    assert "browser-secret" not in frame.locator("body").inner_text()
    screenshot(page, f"support-ticket-{lang}")
    context.close()
    return number


@pytest.mark.browser
def test_click_support_in_the_portal_fill_send_and_see_the_number(app, sandbox, browser):
    texts = {"done": "Opened the deal and pressed Send invoice.", "expected": "A Click payment link.",
             "obtained": "Nothing happens; the console shows 500."}
    number = file_a_request_in_the_browser(app, sandbox, browser, name="acme", lang="en", texts=texts)

    assert number.startswith("TU-")
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        assert ticket.what_obtained == texts["obtained"] and ticket.operator == "click"
        assert ticket.context["placement"]["options"] == {"ID": "8061"}
        assert "Chrome" in ticket.context["browser"]
        assert [a.role for a in ticket.attachments] == ["video"]


@pytest.mark.browser
def test_the_same_in_russian(app, sandbox, browser):
    texts = {"done": "Открыли сделку и нажали «Выставить счёт».", "expected": "Ссылка на оплату Click.",
             "obtained": "Ничего не происходит."}
    number = file_a_request_in_the_browser(app, sandbox, browser, name="firma", lang="ru", texts=texts)
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        assert ticket.language == "ru" and ticket.what_done == texts["done"]
