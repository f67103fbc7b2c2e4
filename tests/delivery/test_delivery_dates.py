"""Dates in what people read about deliveries: a mail in its recipient's language, the log in the page's."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import g, render_template_string

from delivery.log import DeliveryEntry

NNBSP = "\u202f"  # CLDR: before "г." and "AM"
PLANNED = {"ru": f"Дата: 15 янв. 2027{NNBSP}г.", "en": "Date: Jan 15, 2027"}
OTHER = {"ru": "en", "en": "ru"}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_mail_writes_the_date_in_its_recipients_language_whatever_the_sender_speaks(
    lang, delivery_config, receivers, ctx, file_ticket, add_reply, drain
):
    receivers["mail"].up()
    ticket = file_ticket(language=lang)
    add_reply(ticket, author="staff", body="Planned", kind="planned_release", data={"date": "2027-01-15"})
    g.lang = OTHER[lang]  # the worker (or a request) speaking the other language changes nothing
    drain()

    answer = receivers["mail"].to("user@client.test")[-1]
    assert answer["Content-Language"] == lang
    text = answer.get_body(("plain",)).get_content()
    html = answer.get_body(("html",)).get_content()
    assert PLANNED[lang] in text.splitlines()
    assert f"<p>{PLANNED[lang]}</p>" in html
    assert "2027-01-15" not in text and "2027-01-15" not in html


SENT = datetime(2026, 12, 3, 10, 20)
RETRY = datetime(2026, 12, 3, 10, 21, 30)
RETRY_AT = '<time datetime="2026-12-03T10:21:30Z">'
LOGGED = {"ru": (f"3 дек. 2026{NNBSP}г., 10:20 UTC", f"следующая попытка {RETRY_AT}10:21:30 UTC</time>"),
          "en": (f"Dec 3, 2026, 10:20{NNBSP}AM UTC", f"next try {RETRY_AT}10:21:30{NNBSP}AM UTC</time>")}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_delivery_log_writes_its_times_in_the_pages_language(lang, ctx):
    entries = [
        DeliveryEntry(1, "ticket_created", "email", "user", "user@client.test", "sent", 1, SENT, SENT, None, None),
        DeliveryEntry(2, "ticket_created", "webhook", "vendor", "webhook", "pending", 2, SENT, None, RETRY,
                      "HTTP 500"),
    ]
    with ctx.test_request_context():
        g.lang = lang
        page = render_template_string('{% include "delivery/_log.html" %}', entries=entries, lang=lang)
    sent, retry = LOGGED[lang]
    assert page.count(f'<time datetime="2026-12-03T10:20:00Z">{sent}</time>') == 2
    assert retry in page
