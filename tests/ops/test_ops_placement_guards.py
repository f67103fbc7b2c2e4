"""The Support placement under the ops guards: framing of token pages, submission limits, injection, secrets."""

from __future__ import annotations

import logging

import requests
from sqlalchemy import func, select

from b24.models import Portal
from database import db
from tests.ops.metrics_text import samples
from tests.placements.support_pages import good_fields, installed_portal, link, open_support, submit
from tests.support_factories import make_contract
from tickets.models import Ticket

CONNECTION = "merchant_id=77031; secret_key=OPERATOR-TOP-SECRET-9931"


def _contracted(app, sandbox, name: str, lang: str = "en"):
    portal = installed_portal(sandbox, name, lang=lang)
    with app.app_context():
        row = db.session.execute(select(Portal).where(Portal.member_id == portal.member_id)).scalar_one()
        make_contract(row, f"SUP-{name.upper()}")
    return portal


def fields(portal_name: str, **values: str) -> dict[str, str]:
    return good_fields(contract_number=f"SUP-{portal_name.upper()}", **values)


def _tickets(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Ticket.id)))


def test_pages_reached_by_token_are_framed_by_the_portal_only(app, sandbox):
    app.config["FRAME_ANCESTORS_EXTRA"] = ""  # production: no sandbox page around the portal
    portal = _contracted(app, sandbox, "acme")
    page = open_support(sandbox, portal)
    assert "frame-ancestors https://acme.bitrix24.test;" in page.headers["Content-Security-Policy"]
    filed = submit(page, fields("acme", video_url="https://video.example/1"))
    assert filed.status_code == 200
    assert "frame-ancestors https://acme.bitrix24.test;" in filed.headers["Content-Security-Policy"]
    ticket_page = requests.get(link(filed, "open-ticket"), timeout=10)
    assert ticket_page.status_code == 200
    assert "frame-ancestors https://acme.bitrix24.test;" in ticket_page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in ticket_page.headers


def test_a_user_over_the_submission_limit_gets_429_in_their_language_and_nothing_is_stored(app, sandbox):
    app.config.update(RATE_LIMIT_SUBMISSIONS_PER_USER=2, RATE_LIMIT_SUBMISSIONS_PER_PORTAL=10)
    portal = _contracted(app, sandbox, "acme", lang="ru")
    for n in range(2):
        sent = submit(open_support(sandbox, portal), fields("acme", video_url=f"https://v.example/{n}"))
        assert sent.status_code == 200
    refused = submit(open_support(sandbox, portal), fields("acme", video_url="https://v.example/3"))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Вы отправили слишком много заявок" in refused.text
    assert _tickets(app) == 2
    # Another user of the same portal is not held back by the first one's limit.
    other = submit(open_support(sandbox, portal, user=7), fields("acme", video_url="https://v.example/4"))
    assert other.status_code == 200


def test_a_portal_over_its_submission_limit_is_refused_whoever_sends(app, sandbox):
    app.config.update(RATE_LIMIT_SUBMISSIONS_PER_USER=10, RATE_LIMIT_SUBMISSIONS_PER_PORTAL=2)
    portal, neighbour = _contracted(app, sandbox, "acme"), _contracted(app, sandbox, "neighbour")
    for user in (1, 7):
        assert submit(open_support(sandbox, portal, user=user), fields("acme", video_url="https://v.example/a")).ok
    refused = submit(open_support(sandbox, portal, user=7), fields("acme", video_url="https://v.example/b"))
    assert refused.status_code == 429
    assert "This portal has sent too many requests" in refused.text
    elsewhere = submit(open_support(sandbox, neighbour), fields("neighbour", video_url="https://v.example/c"))
    assert elsewhere.status_code == 200


def test_template_syntax_in_user_text_is_shown_as_typed_never_evaluated(app, sandbox):
    portal = _contracted(app, sandbox, "acme")
    typed = "{{ 7*7 }} {{ config.SECRET_KEY }} {% print(1) %}"
    page = open_support(sandbox, portal, options={"ID": "{{ 7*7 }}"})
    assert "{{ 7*7 }}" in page.text or "{{ 7*7 }}".replace(" ", "") in page.text
    filed = submit(page, fields("acme", what_done=typed, what_obtained=typed, video_url="https://v.example/t"))
    assert filed.status_code == 200
    shown = requests.get(link(filed, "open-ticket"), timeout=10).text
    assert "{{ 7*7 }}" in shown
    assert "{{ config.SECRET_KEY }}" in shown and "{% print(1) %}" in shown  # as typed: nothing was evaluated
    assert app.config["SECRET_KEY"] not in shown


def test_no_secret_in_logs_or_pages_after_install_open_and_filing(app, sandbox, caplog):
    pages = []
    with caplog.at_level(logging.DEBUG):
        portal = _contracted(app, sandbox, "acme")
        page = open_support(sandbox, portal)
        pages.append(page.text)
        filed = submit(page, fields("acme", operator_connection=CONNECTION, video_url="https://v.example/s"))
        assert filed.status_code == 200
        pages += [filed.text, requests.get(link(filed, "open-ticket"), timeout=10).text]
    state = sandbox.state
    with state.lock:
        tokens = {g.access_token for g in state.grants.values()} | {g.refresh_token for g in state.grants.values()}
    secrets = tokens | {portal.application_token, CONNECTION, "OPERATOR-TOP-SECRET-9931",
                        app.config["B24_CLIENT_SECRET"], app.config["SECRET_KEY"]}
    logged = caplog.text + " ".join(str(getattr(r, "fields", "")) for r in caplog.records)
    for secret in secrets:
        assert secret not in logged
        for text in pages:
            assert secret not in text
    submit_lines = [r.fields for r in caplog.records
                    if r.name == "b24desk.request" and r.fields.get("path") == "/placements/support/submit"]
    assert submit_lines and submit_lines[0]["member_id"] == portal.member_id
    assert submit_lines[0]["ticket"].startswith("TU-")


def test_metrics_count_installs_placement_opens_and_tickets_filed(app, sandbox):
    portal = _contracted(app, sandbox, "acme")
    page = open_support(sandbox, portal)
    open_support(sandbox, portal)
    assert submit(page, fields("acme", video_url="https://v.example/m")).status_code == 200
    scraped = samples(app.test_client().get("/metrics").get_data(as_text=True))
    assert scraped["b24desk_installs_total"] == 1
    assert scraped["b24desk_placement_opens_total"] == 2  # the submit and the token pages are not opens
    assert scraped["b24desk_tickets_filed_total"] == 1
    assert scraped['b24desk_portals{status="active"}'] == 1
