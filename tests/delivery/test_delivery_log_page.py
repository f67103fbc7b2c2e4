"""The delivery log partial inside a Bitrix24-styled page, in a real headless Chromium, in both languages."""

import pytest
from flask import g, render_template_string

from delivery.log import delivery_log
from tests.conftest import screenshot

PAGE = """{% extends "base.html" %}{% block content %}<section class="card">
<h1 class="card__title">{{ ticket.number }}</h1>{% include "delivery/_log.html" %}</section>{% endblock %}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_delivery_log_reads_well_in_a_browser(lang, delivery_config, receivers, ctx, file_ticket, add_reply, drain,
                                              request):
    for part in receivers.values():
        part.up()
    receivers["webhook"].fault.mode = "error"
    ticket = file_ticket(language=lang)
    add_reply(ticket, author="staff", body="Fixed in 3.3")
    drain(deadline=0.3)
    number = ticket.number

    def host_page():
        g.lang = lang  # as the console (the staff's choice) and the placement (the portal's LANG) set it
        return render_template_string(PAGE, ticket=ticket, entries=delivery_log(ticket), lang=lang)

    ctx.add_url_rule("/test/delivery-log", "delivery_log_page", host_page)  # as the console/placement will host it
    base_url = request.getfixturevalue("live_app")
    page = request.getfixturevalue("page")
    page.goto(f"{base_url}/test/delivery-log")
    body = page.inner_text("body")
    screenshot(page, f"delivery-log-{lang}")
    assert number in body and page.locator("table.list tbody tr").count() == 7  # 5 for the ticket, 2 for the answer
    if lang == "ru":
        assert "Доставка уведомлений" in body and "доставлено" in body and "HTTP 500" in body
    else:
        assert "Notifications sent" in body and "delivered" in body and "HTTP 500" in body
