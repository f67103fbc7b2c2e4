"""Bad input through the Support placement: each a clear error, the typed fields kept, nothing stored or leaked."""

from __future__ import annotations

from pathlib import Path

import requests

from database import db
from tests.placements.support_pages import (
    good_fields,
    installed_portal,
    link,
    open_support,
    registry_row,
    submit,
    text_of,
    video_part,
)
from tests.support_factories import make_contract
from tickets.models import Attachment, Reply, Ticket

SCRIPT = '<script>alert("xss")</script>"><img src=x onerror=alert(1)>'


def counts(app) -> tuple[int, int]:
    with app.app_context():
        tickets = db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one()
        files = db.session.execute(db.select(db.func.count(Attachment.id))).scalar_one()
        return tickets, files


def stored_files(app) -> list[Path]:
    root = Path(app.config["ATTACHMENT_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def portal_with_contract(app, sandbox, name="acme", lang="en"):
    portal = installed_portal(sandbox, name, lang=lang)
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, portal)), "SUP-2026-17")
    return portal


def test_missing_required_fields_are_each_named_and_what_was_typed_stays(app, sandbox):
    portal = portal_with_contract(app, sandbox)
    page = open_support(sandbox, portal)
    typed = good_fields(what_done="", what_expected="", operator_connection="", contact_email="",
                        what_obtained="It froze at step 3")

    answer = submit(page, typed)

    assert answer.status_code == 422
    assert "The request was not sent" in text_of(answer, "form-errors")
    for field in ("what_done", "what_expected", "operator_connection", "contact_email"):
        assert text_of(answer, f"error-{field}") == "Please fill this in."
    assert text_of(answer, "error-video") == "Attach a video or give a link to it."
    assert ">It froze at step 3</textarea>" in answer.text
    assert 'value="@anna_acme"' in answer.text and 'value="SUP-2026-17"' in answer.text
    assert counts(app) == (0, 0)
    # The same (unspent) token files the corrected request.
    fixed = submit(answer, good_fields(), [video_part()])
    assert fixed.status_code == 200 and text_of(fixed, "ticket-number").startswith("TU-")


def test_an_oversized_video_gets_a_clear_message_and_the_form_back(app, sandbox):
    app.config["ATTACHMENT_MAX_MB"] = 0.01  # 10 KB; the recording is 20 KB
    portal = portal_with_contract(app, sandbox)
    page = open_support(sandbox, portal)

    answer = submit(page, good_fields(what_done="Typed before the big upload"), [video_part()])

    assert answer.status_code == 413
    assert "larger than the 0.01 MB limit" in text_of(answer, "error-video")
    assert ">Typed before the big upload</textarea>" in answer.text
    assert counts(app) == (0, 0)
    assert stored_files(app) == []


def test_an_oversized_extra_file_is_reported_on_its_own_field(app, sandbox):
    app.config["ATTACHMENT_MAX_MB"] = 0.025
    portal = portal_with_contract(app, sandbox)
    page = open_support(sandbox, portal)
    big_log = ("attachments", "huge.log", b"line\n" * 8000, "text/plain")

    answer = submit(page, good_fields(), [video_part(), big_log])

    assert answer.status_code == 413
    assert "huge.log" in text_of(answer, "error-attachments")
    assert 'id="error-video"' not in answer.text
    assert counts(app) == (0, 0) and stored_files(app) == []


def test_a_file_that_is_not_a_video_is_refused_by_its_content(app, sandbox):
    portal = portal_with_contract(app, sandbox)
    page = open_support(sandbox, portal)
    fake = ("video", "screen.mp4", b"#!/bin/sh\necho this is not a video\n", "video/mp4")

    answer = submit(page, good_fields(what_done="kept"), [fake])

    assert answer.status_code == 415
    assert "is not a video we accept" in text_of(answer, "error-video")
    assert ">kept</textarea>" in answer.text
    assert counts(app) == (0, 0) and stored_files(app) == []


def test_script_in_every_text_field_is_rendered_inert_everywhere(app, sandbox):
    portal = portal_with_contract(app, sandbox)
    portal.users[1].name = SCRIPT  # the portal's own user data is as untrusted as the form
    page = open_support(sandbox, portal, headers={"Referer": "https://x/" + SCRIPT, "User-Agent": SCRIPT})
    assert SCRIPT not in page.text and "&lt;script&gt;" in page.text

    everything = {name: SCRIPT for name in good_fields()}
    refused = submit(page, everything)
    assert refused.status_code == 422
    assert SCRIPT not in refused.text and "<script>alert" not in refused.text
    assert counts(app) == (0, 0)

    free_text = good_fields(
        **{name: SCRIPT for name in ("contract_number", "operator_connection", "what_done", "what_expected",
                                     "what_obtained", "page")},
        operator="other", operator_other=SCRIPT[:64], video_url='https://video.example/?q="><script>alert(2)</script>',
    )
    filed = submit(page, free_text)
    assert filed.status_code == 200, filed.text[:1500]
    listing = requests.get(link(filed, "tab-requests"), timeout=30)
    shown = requests.get(link(filed, "open-ticket"), timeout=30)
    for response in (filed, listing, shown):
        assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert" in shown.text
    assert 'href="https://video.example/?q=&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in shown.text

    action = link_followup(shown)
    replied = requests.post(action, files=[("body", (None, SCRIPT))], timeout=30)
    assert replied.status_code == 200 and "<script>alert" not in replied.text


def link_followup(page: requests.Response) -> str:
    import html
    import re
    from urllib.parse import urljoin

    match = re.search(r'id="followup-form"[^>]*action="([^"]+)"', page.text, re.S)
    return urljoin(page.url, html.unescape(match.group(1)))


def test_a_replayed_form_token_files_nothing_twice(app, sandbox):
    portal = portal_with_contract(app, sandbox)
    page = open_support(sandbox, portal)
    first = submit(page, good_fields(video_url="https://video.example/1"))
    assert first.status_code == 200

    replay = submit(page, good_fields(video_url="https://video.example/1"), [video_part()])

    assert replay.status_code == 409
    assert "already sent" in replay.text
    assert counts(app) == (1, 0)
    assert stored_files(app) == []


def test_an_expired_form_token_is_refused_and_nothing_is_stored(app, sandbox):
    portal = portal_with_contract(app, sandbox)
    page = open_support(sandbox, portal)
    app.config["FRAME_TOKEN_TTL"] = -1  # every token issued so far is now past its lifetime

    answer = submit(page, good_fields(what_done="A long story typed over lunch"), [video_part()])

    assert answer.status_code == 403
    assert "open too long" in text_of(answer, "expired-message")
    assert text_of(answer, "kept-what_done") == "A long story typed over lunch"  # typed text handed back
    assert counts(app) == (0, 0) and stored_files(app) == []
    assert requests.get(link(page, "tab-requests"), timeout=30).status_code == 403


def test_a_forged_or_swapped_token_is_refused(app, sandbox):
    portal = portal_with_contract(app, sandbox)
    page = open_support(sandbox, portal)
    my_requests = link(page, "tab-requests")
    view_token = my_requests.split("t=", 1)[1]

    tampered = requests.get(my_requests[:-3] + ("AAA" if not my_requests.endswith("AAA") else "BBB"), timeout=30)
    assert tampered.status_code == 403 and "damaged" in tampered.text
    # A view token cannot stand in for the one-time form token.
    base = page.url.split("/placements/")[0]
    swapped = requests.post(f"{base}/placements/support/submit?f={view_token}", data=good_fields(), timeout=30)
    assert swapped.status_code == 403
    missing = requests.get(f"{base}/placements/support/requests", timeout=30)
    assert missing.status_code == 403 and "open Support from your Bitrix24 portal again" in missing.text
    assert counts(app) == (0, 0)


def test_without_a_contract_an_error_report_is_held_back_but_kept(app, sandbox):
    portal = installed_portal(sandbox, "nocontract", lang="ru")
    page = open_support(sandbox, portal)
    assert 'id="no-contract-help"' in page.text and "@technounit" in page.text

    answer = submit(page, good_fields(what_done="Мой подробный рассказ"), [video_part()])

    assert answer.status_code == 422
    assert "только вопрос о договоре" in text_of(answer, "error-category")
    assert ">Мой подробный рассказ</textarea>" in answer.text
    assert counts(app) == (0, 0) and stored_files(app) == []
    question = submit(answer, {"category": "contract", "what_done": "Как заключить договор?",
                               "contact_email": "boss@firma.uz"})
    assert question.status_code == 200
    with app.app_context():
        [ticket] = db.session.execute(db.select(Ticket)).scalars().all()
        assert ticket.category == "contract" and ticket.language == "ru"


def test_another_portals_ticket_number_in_a_url_is_just_not_found(app, sandbox):
    first = portal_with_contract(app, sandbox)
    filed = submit(open_support(sandbox, first), good_fields(video_url="https://video.example/2"))
    number = text_of(filed, "ticket-number")
    second = installed_portal(sandbox, "rival")
    other = open_support(sandbox, second)
    token = link(other, "tab-requests").split("t=", 1)[1]
    base = other.url.split("/placements/")[0]

    for path in (f"/placements/support/requests/{number}", f"/placements/support/requests/{number}/filed",
                 "/placements/support/requests/TU-2026-999999"):
        answer = requests.get(f"{base}{path}?t={token}", timeout=30)
        assert answer.status_code == 404
        assert "This portal has no such request." in answer.text
        assert "spins forever" not in answer.text and "anna@acme" not in answer.text
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Reply.id))).scalar_one() == 0
