"""Every channel against a real local receiver: SMTP (aiosmtpd), Telegram API, signed webhook, Bitrix24 webhook."""

import json
import logging

from sqlalchemy import select

from database import db
from delivery.log import delivery_log
from delivery.models import DeliveryAttempt, OutboxMessage
from delivery.outbox import notify
from tests.delivery.delivery_peers import B24_CODE, SECRETS, TELEGRAM_TOKEN


def everything_up(receivers) -> None:
    for part in receivers.values():
        part.up()


def test_new_ticket_reaches_every_channel_once(delivery_config, receivers, file_ticket, drain):
    everything_up(receivers)
    ticket = file_ticket(language="ru")
    drain()

    mail, = receivers["mail"].to("user@client.test")
    assert ticket.number in mail["Subject"] and "Заявка зарегистрирована" in mail["Subject"]
    assert mail["Message-ID"] == f"<{ticket.number}.user@desk.test>"
    assert mail["In-Reply-To"] is None
    assert mail["Content-Language"] == "ru"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"зарегистрирована под номером {ticket.number}" in text
    assert ticket.number in html and 'lang="ru"' in html

    alert, = receivers["mail"].to("vendor@desk.test")
    assert "client.bitrix24.ru" in alert["Subject"] and ticket.number in alert["Subject"]

    telegram, = receivers["telegram"].received
    assert telegram["chat_id"] == "-100777" and ticket.number in telegram["text"]

    hook, = receivers["webhook"].received
    assert receivers["webhook"].bad_signatures == 0
    assert hook["event"] == "ticket_created" and hook["ticket"]["number"] == ticket.number

    task_id, task = next(iter(receivers["b24"].tasks.items()))
    assert ticket.number in task["title"] and task["responsible"] == "7"
    db.session.refresh(ticket)
    assert ticket.vendor_record_id == task_id

    states = db.session.execute(select(OutboxMessage.state, OutboxMessage.attempts)).all()
    assert states == [("sent", 1)] * 5
    assert db.session.execute(select(DeliveryAttempt)).scalars().all().__len__() == 5


def test_later_mails_thread_under_the_first_and_updates_go_to_the_same_task(
    delivery_config, receivers, file_ticket, add_reply, drain
):
    everything_up(receivers)
    ticket = file_ticket(language="en")
    add_reply(ticket, author="staff", body="Update to 3.3", kind="update_available",
              data={"version": "3.3", "link": "https://example.test/3.3"})
    add_reply(ticket, author="user", body="Still broken after the update")
    ticket.status = "waiting_for_user"
    notify(ticket, "status_changed")
    db.session.commit()
    drain()

    first, answer, status = receivers["mail"].to("user@client.test")
    root = f"<{ticket.number}.user@desk.test>"
    assert first["Message-ID"] == root
    for later in (answer, status):
        assert later["In-Reply-To"] == root and later["References"] == root
        assert later["Message-ID"] != root and ticket.number in later["Subject"]
    assert "answered your request" in answer.get_body(("plain",)).get_content()
    assert "Version: 3.3" in answer.get_body(("plain",)).get_content()
    assert "waiting for your answer" in status.get_body(("plain",)).get_content()
    assert first["Content-Language"] == "en"

    vendor_first, vendor_followup = receivers["mail"].to("vendor@desk.test")
    assert vendor_followup["In-Reply-To"] == f"<{ticket.number}.vendor@desk.test>"

    assert len(receivers["b24"].tasks) == 1
    task_id = next(iter(receivers["b24"].tasks))
    assert [c[0] for c in receivers["b24"].comments] == [task_id, task_id]  # follow-up, then status
    assert "Still broken" in receivers["b24"].comments[0][1]
    assert [d["event"] for d in receivers["webhook"].received] == [
        "ticket_created", "staff_reply", "user_followup", "status_changed"]
    assert len(receivers["telegram"].received) == 2  # the new ticket and the follow-up


def test_nothing_secret_reaches_any_receiver(delivery_config, receivers, file_ticket, add_reply, drain, caplog):
    everything_up(receivers)
    ticket = file_ticket()
    add_reply(ticket, author="user", body="details")
    with caplog.at_level(logging.DEBUG):
        drain()
    received = [receivers[k].raw() for k in ("telegram", "webhook", "b24")]
    received += [m.as_string() for _, m in receivers["mail"].messages]
    for secret in SECRETS[3:]:  # the operator's connection data and the portal's token
        assert not any(secret in r for r in received)
    assert TELEGRAM_TOKEN not in caplog.text and B24_CODE not in caplog.text


def test_header_injection_through_user_data_is_refused(delivery_config, receivers, file_ticket, drain):
    everything_up(receivers)
    file_ticket(contact_email="user@client.test\r\nBcc: victim@else.test")
    drain()
    assert receivers["mail"].to("victim@else.test") == []
    user_mail = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.channel == "email", OutboxMessage.recipient.like("user@%"))
    ).scalar_one()
    assert user_mail.state == "dead" and user_mail.attempts == 1  # permanent: no pointless retries
    assert "line break" in user_mail.last_error


def test_errors_stored_and_logged_never_quote_tokens(delivery_config, receivers, file_ticket, drain, caplog):
    receivers["telegram"].fault.mode = "error"
    receivers["telegram"].up()
    receivers["b24"].fault.mode = "error"
    receivers["b24"].up()
    file_ticket()
    with caplog.at_level(logging.DEBUG):
        drain(deadline=0.1)
    errors = " ".join(a.error or "" for a in db.session.execute(select(DeliveryAttempt)).scalars())
    assert "HTTP 500" in errors
    for secret in (TELEGRAM_TOKEN, B24_CODE):
        assert secret not in errors and secret not in caplog.text


def test_delivery_log_lists_what_went_where(delivery_config, receivers, ctx, file_ticket, drain):
    everything_up(receivers)
    receivers["webhook"].fault.mode = "error"
    ticket = file_ticket(language="en")
    drain(deadline=0.3)
    entries = delivery_log(ticket)
    assert {(e.channel, e.state) for e in entries} >= {("email", "sent"), ("telegram", "sent"),
                                                       ("bitrix24", "sent")}
    hook = next(e for e in entries if e.channel == "webhook")
    assert hook.state in ("pending", "dead") and hook.attempts >= 1 and "HTTP 500" in hook.last_error
    user_only = delivery_log(ticket, audience="user")
    assert [(e.channel, e.recipient) for e in user_only] == [("email", "user@client.test")]

    with ctx.test_request_context():
        from flask import render_template_string
        html = render_template_string('{% include "delivery/_log.html" %}', entries=entries, lang="en")
    assert "delivered" in html and "webhook" in html and "HTTP 500" in html
    assert json.dumps([e.last_error for e in entries]).count(B24_CODE) == 0


def test_a_mail_resent_after_a_lost_answer_carries_the_same_message_id(
    delivery_config, receivers, ctx, file_ticket, drain
):
    # A 1.5 s timeout, not the fixtures' 0.5 s: the steps before DATA must not time out on a loaded machine (a CI
    # run lost the first copy that way); only the answer to DATA may, coming after 4 s.
    ctx.config.update(TELEGRAM_BOT_TOKEN="", WEBHOOK_URL="", VENDOR_B24_WEBHOOK_URL="", VENDOR_ALERT_EMAIL="",
                      SMTP_TIMEOUT=1.5)
    mailbox = receivers["mail"]
    mailbox.up()
    mailbox.fault.slow_seconds = 4.0  # the server keeps the mail but answers after our timeout
    ticket = file_ticket()
    drain(deadline=0.1)
    mailbox.fault.slow_seconds = 0
    drain()
    copies = mailbox.to("user@client.test")
    assert len(copies) == 2  # at-least-once on the wire ...
    assert {m["Message-ID"] for m in copies} == {f"<{ticket.number}.user@desk.test>"}  # ... one mail to the client
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.state == "sent" and message.attempts == 2
