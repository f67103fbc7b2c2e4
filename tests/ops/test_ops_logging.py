"""Structured request logs, and no token, secret or connection data in any log record."""

from __future__ import annotations

import io
import json
import logging

import pytest
import requests

from ops.logging import JsonFormatter, loggable_path
from ops.redaction import redact

SAMPLES = [
    ("AUTH_ID=5f1c2a9e8d7b6c5a4f3e2d1c", "5f1c2a9e8d7b6c5a4f3e2d1c"),
    ("form {'REFRESH_ID': ['77aa88bb99cc00dd'], 'member_id': ['m1']}", "77aa88bb99cc00dd"),
    ('{"access_token": "tok-abc-123456", "expires": 3600}', "tok-abc-123456"),
    ("auth[refresh_token]=rt-0987654321&auth[domain]=a.bitrix24.ru", "rt-0987654321"),
    ("auth[application_token]=apptok-55aa66", "apptok-55aa66"),
    ("GET /oauth/token/?grant_type=refresh_token&client_secret=s3cr3t-value&refresh_token=rt-1", "s3cr3t-value"),
    ("password: hunter2hunter2", "hunter2hunter2"),
    ("operator_connection=merchant:9876 key=ABCDEF", "merchant:9876"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "eyJhbGciOiJIUzI1NiJ9"),
    ("POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
     "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    ("token 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw leaked", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
]


@pytest.mark.parametrize(("text", "secret"), SAMPLES)
def test_redaction_removes_each_kind_of_secret(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_redaction_keeps_ordinary_words():
    text = "token refreshed for portal m1; author=staff; token_expires_at=2026-01-01 status=200"
    assert redact(text) == text


def test_token_like_path_segments_are_masked():
    assert loggable_path("/placements/support/tickets/42") == "/placements/support/tickets/42"
    masked = loggable_path("/placements/support/t/eyJwb3J0YWwiOjF9.ZmFrZXNpZ25hdHVyZXNpZ25hdHVyZQ/my")
    assert masked == "/placements/support/t/[redacted]/my"


def test_a_secret_logged_by_any_module_is_redacted_before_any_handler_sees_it(app, caplog):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("some.module")
    logger.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO):
            logger.info("calling %s with %s", "https://p.bitrix24.ru/rest/", {"auth": "abcdef123456"})
            try:
                raise RuntimeError("refresh failed: refresh_token=rt-secret-99")
            except RuntimeError:
                logger.exception("oauth")
    finally:
        logger.removeHandler(handler)
    captured = caplog.text + stream.getvalue()
    assert "abcdef123456" not in captured
    assert "rt-secret-99" not in captured
    assert "refresh failed" in captured  # the message survives, only the value goes


def test_configured_secrets_never_appear_even_when_logged_bare(app, caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("careless").info("secret is %s", app.config["B24_CLIENT_SECRET"])
    assert app.config["B24_CLIENT_SECRET"] not in caplog.text


def test_one_json_line_per_request_with_portal_and_timing(app, sandbox, live_app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    request_log = logging.getLogger("b24desk.request")
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    try:
        acme = sandbox.add_portal("acme")
        url, form = sandbox.frame(acme)
        access, refresh = form["AUTH_ID"], form["REFRESH_ID"]
        assert requests.post(url, data=form, timeout=10).status_code == 200
        assert requests.get(f"{live_app}/healthz?auth=querysecret123", timeout=10).status_code == 200
    finally:
        request_log.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    frame, health = lines
    assert frame["event"] == "request"
    assert (frame["method"], frame["path"], frame["status"]) == ("POST", "/", 200)
    assert frame["member_id"] == acme.member_id
    assert isinstance(frame["duration_ms"], float) and frame["duration_ms"] >= 0
    assert health["path"] == "/healthz"  # no query string, so nothing posted in it is kept
    assert access not in stream.getvalue() and refresh not in stream.getvalue()
    assert "querysecret123" not in stream.getvalue()


def test_posted_secrets_are_redacted_from_anything_logged_during_the_request(app, sandbox, caplog):
    acme = sandbox.add_portal("acme")
    url, form = sandbox.frame(acme)
    form["APPLICATION_TOKEN"] = "apptok-777888"
    access, refresh = form["AUTH_ID"], form["REFRESH_ID"]

    @app.before_request
    def careless_view_logging():  # a view that logs the whole form, as careless code might
        from flask import request

        logging.getLogger("careless").warning("got %s", list(request.form.values()))

    with caplog.at_level(logging.INFO):
        requests.post(url, data=form, timeout=10)
    assert acme.member_id in caplog.text  # the record was written...
    for secret in (access, refresh, "apptok-777888"):
        assert secret not in caplog.text  # ...without the secrets in it


def test_a_request_that_files_a_ticket_names_it_in_its_log_line(app, caplog):
    from b24.models import Portal
    from database import db
    from tickets.models import Ticket

    @app.post("/api/v1/test-file")
    def file_one():
        portal = Portal(member_id="m-log", domain="log.bitrix24.ru", settings={})
        db.session.add(portal)
        db.session.flush()
        db.session.add(Ticket(number="TU-2026-000777", portal_id=portal.id, contact_email="u@example.com"))
        db.session.commit()
        return {"ok": True}

    with caplog.at_level(logging.INFO, logger="b24desk.request"):
        assert app.test_client().post("/api/v1/test-file").status_code == 200
    record = next(r for r in caplog.records if r.name == "b24desk.request")
    assert record.fields["ticket"] == "TU-2026-000777"
    assert record.fields["portal_id"] > 0
