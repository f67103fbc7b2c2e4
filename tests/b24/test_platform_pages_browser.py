"""The pages issue 15 changed, in real headless Chromium, in Russian and English (screenshots under artifacts/)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.browser

POST_FORM = """([url, fields]) => {
  const form = document.createElement('form');
  form.method = 'post'; form.action = url;
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input);
  }
  document.body.appendChild(form); form.submit();
}"""


def post_frame(page, live_app: str, url: str, form: dict) -> None:
    """Post a wire-exact frame request from the browser, as the portal's page does, and wait for the answer."""
    page.goto(f"{live_app}/healthz")
    with page.expect_navigation():
        page.evaluate(POST_FORM, [url, form])


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_install_page_finishes_and_lists_the_buttons(app, sandbox, live_app, page, lang):
    acme = sandbox.add_portal(f"inst-{lang}", lang=lang)
    url, form = sandbox.frame(acme, "INSTALL")
    post_frame(page, live_app, url, form)
    assert page.locator("#install-done").is_visible()
    assert ("установлено" if lang == "ru" else "installed") in page.locator("#install-done").inner_text()
    assert "CRM_COMPANY_DETAIL_TOOLBAR" in page.locator("#install-bound").inner_text()
    screenshot(page, f"install-finished-{lang}")
    assert json.dumps(form["AUTH_ID"]).strip('"') not in page.content()


@pytest.mark.parametrize("lang, says", [("ru", "нет права «user»"), ("en", "no “user” permission")])
def test_install_page_with_a_refused_button_still_finishes_and_says_why(app, sandbox, live_app, page, lang, says):
    # A vendor cabinet without `user` while the app binds USER_PROFILE_MENU (set after start: the app's own
    # start-up check refuses this configuration).
    app.config["B24_PLACEMENTS"] += ",USER_PROFILE_MENU"
    acme = sandbox.add_portal(f"part-{lang}", lang=lang)
    url, form = sandbox.frame(acme, "INSTALL")
    post_frame(page, live_app, url, form)
    refused = page.locator("#install-refused li[data-code=USER_PROFILE_MENU]")
    assert says in refused.inner_text() and "ERROR_PLACEMENT_NOT_FOUND" in refused.inner_text()
    assert "CRM_DEAL_DETAIL_TOOLBAR" in page.locator("#install-bound").inner_text()
    assert "B24Frame.installFinish()" in page.content()
    screenshot(page, f"install-partial-{lang}")


@pytest.mark.parametrize("lang, title", [("ru", "Подписка на Didox24 закончилась"),
                                         ("en", "The Didox24 subscription has ended")])
def test_payment_required_page_inside_the_portal(app, sandbox, page, lang, title):
    from tests.b24.test_strict_platform import _filed_ticket

    acme, number = _filed_ticket(app, sandbox, lang)
    sandbox.require_payment(acme)

    page.goto(sandbox.portal_page(acme, "app"))

    frame = page.frame_locator("#app-frame")
    assert frame.locator("h1").first.inner_text(timeout=10_000) == title
    assert frame.locator(f"#unpaid-tickets tr[data-number='{number}']").count() == 1
    assert "info@technounit.uz" in frame.locator("#vendor-contacts").inner_text()
    screenshot(page, f"payment-required-{lang}")
