"""The delivery log partial inside a Bitrix24-styled page, in a real headless Chromium, in both languages."""

from pathlib import Path

import pytest
from flask import render_template_string

from delivery.log import delivery_log

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PAGE = """{% extends "base.html" %}{% block content %}<section class="card">
<h1 class="card__title">{{ ticket.number }}</h1>{% include "delivery/_log.html" %}</section>{% endblock %}"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_delivery_log_reads_well_in_a_browser(lang, delivery_config, receivers, ctx, file_ticket, add_reply, drain,
                                              request):
    from playwright.sync_api import sync_playwright

    for part in receivers.values():
        part.up()
    receivers["webhook"].fault.mode = "error"
    ticket = file_ticket(language=lang)
    add_reply(ticket, author="staff", body="Fixed in 3.3")
    drain(deadline=0.3)
    number = ticket.number

    def page():
        return render_template_string(PAGE, ticket=ticket, entries=delivery_log(ticket), lang=lang)

    ctx.add_url_rule("/test/delivery-log", "delivery_log_page", page)  # a host page, as console/placement will be
    base_url = request.getfixturevalue("live_app")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1100, "height": 700})
        tab.goto(f"{base_url}/test/delivery-log")
        body = tab.inner_text("body")
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"delivery-log-{lang}.png"), full_page=True)
        rows = tab.locator("table.list tbody tr").count()
        browser.close()
    assert number in body and rows == 7  # 5 for the new ticket, 2 for the answer
    if lang == "ru":
        assert "Доставка уведомлений" in body and "доставлено" in body and "HTTP 500" in body
    else:
        assert "Notifications sent" in body and "delivered" in body and "HTTP 500" in body
