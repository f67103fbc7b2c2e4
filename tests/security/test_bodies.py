"""Bodies are bounded everywhere: multipart or chunked, only the upload endpoints stream, and only after the token."""

from __future__ import annotations

import requests

from tests.placements.support_pages import good_fields, installed_portal, open_support, submit, video_part
from tests.security.attack import chunked, raw_request
from tests.support_factories import make_contract

BOUNDARY = "----attacker"
MB = 1024 * 1024


def _multipart(size: int, file_name: str = "big.bin") -> bytes:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\nONAPPINSTALL\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + b"A" * size + f"\r\n--{BOUNDARY}--\r\n".encode()


def _head(path: str, length: int | None, content_type: str) -> str:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n{framing}\r\n"
            "Connection: close\r\n\r\n")


def test_a_multipart_event_over_the_body_limit_is_refused_before_it_is_read(app, live_app, unchanged):
    body = _multipart(64 * MB)
    with unchanged():
        status, answer, sent = raw_request(
            live_app, _head("/b24/events", len(body), f"multipart/form-data; boundary={BOUNDARY}"), body)
    assert status == 413
    assert b"at most 1024 KB" in answer or sent < len(body)
    assert sent < len(body) // 2  # answered while most of the body was still unsent


def test_a_multipart_event_below_the_limit_writes_nothing_to_the_attachment_folder(app, live_app, unchanged):
    body = _multipart(600 * 1024)
    with unchanged():
        response = requests.post(f"{live_app}/b24/events", data=body, timeout=10,
                                 headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert response.status_code == 400  # an event without auth[member_id]; its file went nowhere near the store


def test_a_chunked_event_is_stopped_at_the_limit_without_being_read_whole(app, live_app, unchanged):
    body = chunked(1024)  # 64 MB, no Content-Length (loopback buffers alone hold several MB)
    with unchanged():
        status, _answer, sent = raw_request(
            live_app, _head("/b24/events", None, "application/x-www-form-urlencoded"), body)
    assert status == 413
    assert sent < len(body) // 2


def test_a_chunked_multipart_body_to_the_console_is_bounded_too(app, live_app, unchanged):
    body = _multipart(64 * MB)
    framed = b"".join(f"{len(body[i:i + 65536]):x}\r\n".encode() + body[i:i + 65536] + b"\r\n"
                      for i in range(0, len(body), 65536)) + b"0\r\n\r\n"
    with unchanged():
        status, _answer, sent = raw_request(
            live_app, _head("/console/login", None, f"multipart/form-data; boundary={BOUNDARY}"), framed)
    assert status == 413
    assert sent < len(framed) // 2


def test_a_chunked_json_body_to_the_api_is_bounded(app, live_app, unchanged):
    with unchanged():
        status, _answer, sent = raw_request(live_app, _head("/api/v1/tickets", None, "application/json"),
                                            chunked(1024))
    assert status in (401, 413)  # no bearer token is refused before the body; either way nothing is read whole
    assert sent < 1024 * 65536 // 2


def test_an_upload_with_a_forged_form_token_is_refused_before_its_body_is_read(app, sandbox, live_app, unchanged):
    body = _multipart(64 * MB, "video.webm")
    head = _head("/placements/support/submit?f=forged.token.value", len(body),
                 f"multipart/form-data; boundary={BOUNDARY}")
    with unchanged():
        status, _answer, sent = raw_request(live_app, head, body)
    assert status == 403
    assert sent < len(body) // 2  # nothing was streamed to disk: the token was checked first


def test_a_genuine_upload_still_streams_past_the_body_limit(app, sandbox):
    app.config["MAX_BODY_KB"] = 8  # far below the 20 KB video
    acme = installed_portal(sandbox, "acme")
    with app.app_context():
        from b24.lifecycle import portal_by_member

        make_contract(portal_by_member(acme.member_id), "SUP-2026-17")
    page = open_support(sandbox, acme)
    assert page.status_code == 200
    filed = submit(page, good_fields(), files=[video_part()], allow_redirects=False)
    assert filed.status_code == 303, filed.text[:300]
