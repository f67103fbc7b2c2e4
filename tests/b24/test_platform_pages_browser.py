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
