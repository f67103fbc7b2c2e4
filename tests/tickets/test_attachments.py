"""Attachments end to end over loopback HTTP: streamed multipart uploads, sniffed types, limits, range serving."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from flask import g, jsonify, request

from b24.models import Portal
from database import db
from i18n import pick_language
from tests.tickets import media_samples as samples
from tickets.attachments import (
    AttachmentRejected,
    attach,
    discard,
    parse_upload_request,
    send_attachment,
    store_upload,
    uploaded_files,
)
from tickets.models import Attachment, Ticket
from tickets.uploads import IncomingFile, accepts_uploads


def _routes(app) -> None:
    """A test-only view shaped like the real form: parse, store, validate, attach, commit; discard on failure."""

    @app.before_request
    def language():
        g.lang = pick_language(request.headers.get("Accept-Language"))  # the placement does this from LANG

    @app.post("/_test/tickets/<int:ticket_id>/attachments")
    def upload(ticket_id: int):
        ticket = db.get_or_404(Ticket, ticket_id)
        stored = []
        try:
            form, files = parse_upload_request(request)
            streamed = [isinstance(f.stream, IncomingFile) for _, f in files.items(multi=True)]
            for role in ("video", "file"):
                for file in uploaded_files(files, role):
                    stored.append((store_upload(file, role), role))
            if form.get("fail_validation"):
                raise ValueError("the form says no")
            rows = [attach(ticket, item, role) for item, role in stored]
            db.session.commit()
        except AttachmentRejected as exc:
            for item, _ in stored:
                discard(item)
            return jsonify(error=exc.message_key, message=exc.description, form=exc.form.to_dict()), exc.status
        except ValueError as exc:
            for item, _ in stored:
                discard(item)
            return jsonify(error="invalid", message=str(exc)), 400
        return jsonify(
            streamed=streamed,
            form=form.to_dict(),
            attachments=[
                {"id": r.id, "name": r.original_name, "type": r.content_type, "size": r.size, "sha256": r.sha256,
                 "storage_name": r.storage_name, "role": r.role}
                for r in rows
            ],
        ), 201

    @app.get("/_test/attachments/<int:attachment_id>")
    def download(attachment_id: int):
        return send_attachment(db.get_or_404(Attachment, attachment_id), download="download" in request.args)

    @app.post("/_test/form-first")
    @accepts_uploads
    def form_first():
        # An upload endpoint that has checked its form token may read request.form first: files still stream.
        g.form_token_checked = True
        first = request.form.get("a")
        return jsonify(a=first, streamed=[isinstance(f.stream, IncomingFile) for f in request.files.values()])


@pytest.fixture
def server(app, live_app):
    _routes(app)
    with app.app_context():
        portal = Portal(member_id="m-attach", domain="attach.bitrix24.ru")
        ticket = Ticket(number="TU-2026-000001", portal=portal, contact_email="a@example.com")
        db.session.add(ticket)
        db.session.commit()
        ticket_id = ticket.id
    return live_app, ticket_id


def _upload_url(server) -> str:
    base, ticket_id = server
    return f"{base}/_test/tickets/{ticket_id}/attachments"


def _files_on_disk(app) -> list[Path]:
    root = Path(app.config["ATTACHMENT_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _rows(app) -> list[Attachment]:
    with app.app_context():
        return list(db.session.execute(db.select(Attachment)).scalars())


def test_a_small_real_video_is_streamed_to_disk_sniffed_hashed_and_recorded(app, server):
    video = samples.mp4(20_000)
    response = requests.post(
        _upload_url(server),
        data={"what_done": "Clicked Pay"},
        files={"video": ("error.mp4", video, "application/octet-stream")},  # the browser's type is ignored
        timeout=10,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["streamed"] == [True]  # the parser wrote the part to a temp file, not to memory
    assert body["form"] == {"what_done": "Clicked Pay"}
    (row,) = body["attachments"]
    assert row["type"] == "video/mp4"
    assert row["size"] == len(video)
    assert row["sha256"] == hashlib.sha256(video).hexdigest()
    assert row["name"] == "error.mp4"
    (kept,) = _files_on_disk(app)
    assert kept.name == row["storage_name"] and len(kept.name) == 32
    assert kept.read_bytes() == video  # no temp file left in .incoming, the upload itself is the stored file


@pytest.mark.parametrize(
    ("role", "name", "data", "expected"),
    [
        ("video", "clip.mov", samples.mov(), "video/quicktime"),
        ("video", "clip.webm", samples.matroska(b"webm"), "video/webm"),
        ("video", "clip.mkv", samples.matroska(b"matroska"), "video/x-matroska"),
        ("video", "clip.avi", samples.avi(), "video/x-msvideo"),
        ("file", "shot.png", samples.PNG, "image/png"),
        ("file", "shot.jpg", samples.JPEG, "image/jpeg"),
        ("file", "shot.gif", samples.GIF, "image/gif"),
        ("file", "shot.webp", samples.WEBP, "image/webp"),
        ("file", "act.pdf", samples.PDF, "application/pdf"),
        ("file", "logs.zip", samples.ZIP, "application/zip"),
        ("file", "server.log", "2026-11-26 ERROR платёж отклонён\n".encode(), "text/plain"),
        ("file", "screenshot.txt", samples.PNG, "image/png"),  # the name lies; the bytes decide
    ],
)
def test_every_accepted_kind_is_stored_under_its_sniffed_type(app, server, role, name, data, expected):
    response = requests.post(_upload_url(server), files={role: (name, data, "text/plain")}, timeout=10)
    assert response.status_code == 201, response.text
    assert response.json()["attachments"][0]["type"] == expected


def test_an_oversized_file_is_refused_with_413_and_nothing_is_left_on_disk(app, app_config, server):
    app.config["ATTACHMENT_MAX_MB"] = 0.05  # 52 KB
    small = samples.PNG
    response = requests.post(
        _upload_url(server),
        data={"what_done": "Pressed Pay", "contact_email": "a@example.com"},
        files=[("file", ("first.png", small, "image/png")), ("video", ("huge.mp4", samples.mp4(400_000), "video/mp4"))],
        headers={"Accept-Language": "en"},
        timeout=10,
    )
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "attachment_too_large"
    assert "huge.mp4" in body["message"] and "0.05 MB" in body["message"]
    assert body["form"] == {"what_done": "Pressed Pay", "contact_email": "a@example.com"}  # typed text survives
    assert _files_on_disk(app) == []  # neither the partial video nor the complete PNG before it
    assert _rows(app) == []


def test_the_oversize_page_is_a_clear_translated_message_when_nobody_catches_it(app, server):
    app.config["ATTACHMENT_MAX_MB"] = 0.01
    base, _ = server
    response = requests.post(
        f"{base}/_test/form-first",
        files={"video": ("<img src=x onerror=alert(1)>.mp4", samples.mp4(50_000), "video/mp4")},
        headers={"Accept": "text/html"},
        timeout=10,
    )
    assert response.status_code == 413
    assert "text/html" in response.headers["Content-Type"]
    assert "&lt;img src=x onerror=alert(1)&gt;.mp4" in response.text and "0.01" in response.text
    assert "<img src=x" not in response.text  # the uploader's file name is shown, inert
    assert _files_on_disk(app) == []


def test_a_request_declaring_more_than_the_total_cap_is_refused_before_it_is_read(app, server):
    app.config["ATTACHMENT_MAX_REQUEST_MB"] = 0.1
    response = requests.post(
        _upload_url(server),
        files={"video": ("a.mp4", samples.mp4(200_000), "video/mp4")},
        headers={"Accept-Language": "ru"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["error"] == "attachment_request_too_large"
    assert _files_on_disk(app) == []


def test_too_many_files_are_refused(app, server):
    app.config["ATTACHMENT_MAX_FILES"] = 2
    files = [("file", (f"{i}.png", samples.PNG, "image/png")) for i in range(3)]
    response = requests.post(_upload_url(server), files=files, timeout=10)
    assert response.status_code == 413
    assert response.json()["error"] == "attachment_too_many_files"
    assert _files_on_disk(app) == []


def test_html_named_mp4_is_refused_as_415_and_deleted(app, server):
    script = b"<!doctype html><script>fetch('/steal?c='+document.cookie)</script>"
    response = requests.post(
        _upload_url(server), files={"video": ("error.mp4", script, "video/mp4")}, headers={"Accept-Language": "ru"},
        timeout=10,
    )
    assert response.status_code == 415
    body = response.json()
    assert body["error"] == "attachment_wrong_type_video"
    assert "error.mp4" in body["message"] and "MP4" in body["message"]
    assert "видео" in body["message"]  # Russian, as the request asked
    assert _files_on_disk(app) == [] and _rows(app) == []


@pytest.mark.parametrize(
    ("role", "name", "data"),
    [
        ("video", "shot.mp4", samples.PNG),  # an image is not a video
        ("file", "clip.png", samples.mp4()),  # a video is not among the "more attachments" kinds
        ("file", "page.html", b"<html></html>"),  # text, but not a .txt/.log
        ("file", "dump.log", b"\x00\x01\x02binary"),  # a .log that is not text
        ("file", "photo.avif", samples.AVIF),
    ],
)
def test_a_kind_not_allowed_for_the_role_is_415(app, server, role, name, data):
    response = requests.post(_upload_url(server), files={role: (name, data, "image/png")}, timeout=10)
    assert response.status_code == 415
    assert _files_on_disk(app) == []


def test_a_path_traversal_name_is_stored_harmlessly(app, server, tmp_path):
    response = requests.post(
        _upload_url(server), files={"file": ("../../etc/passwd", b"root:x:0:0\n", "text/plain")}, timeout=10
    )
    assert response.status_code == 415  # no .txt/.log suffix: not an allowed text file
    response = requests.post(
        _upload_url(server), files={"file": ("..\\..\\..\\etc\\passwd.log", b"root:x:0:0\n", "text/plain")}, timeout=10
    )
    assert response.status_code == 201, response.text
    (row,) = response.json()["attachments"]
    # Werkzeug up to 3.1.8 keeps the backslashes (we cut at the last one), 3.1.9 unescapes them away first
    assert row["name"] in ("passwd.log", "etcpasswd.log")
    assert "/" not in row["name"] and "\\" not in row["name"] and ".." not in row["name"]
    (kept,) = _files_on_disk(app)
    assert kept.parent == Path(app.config["ATTACHMENT_DIR"]) and kept.name == row["storage_name"]
    assert not (tmp_path / "etc").exists()


def test_an_empty_file_is_400_and_a_blank_file_input_is_ignored(app, server):
    response = requests.post(_upload_url(server), files={"file": ("empty.log", b"", "text/plain")}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "attachment_empty"
    # What a browser sends for a file input the user left alone: a part with no name and no bytes.
    response = requests.post(
        _upload_url(server), data={"a": "1"}, files={"file": ("", b"", "application/octet-stream")}, timeout=10
    )
    assert response.status_code == 201
    assert response.json()["attachments"] == []
    assert _files_on_disk(app) == []


def test_files_stored_before_a_failed_validation_are_discarded(app, server):
    response = requests.post(
        _upload_url(server),
        data={"fail_validation": "1"},
        files=[("video", ("a.mp4", samples.mp4(), "video/mp4")), ("file", ("b.png", samples.PNG, "image/png"))],
        timeout=10,
    )
    assert response.status_code == 400
    assert _files_on_disk(app) == [] and _rows(app) == []


def _raw_post(base: str, path: str, body: bytes, boundary: str, declared_length: int) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared_length}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        sock.sendall(head + body)
        if declared_length > len(body):
            sock.shutdown(socket.SHUT_WR)  # the client goes away mid-upload
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_cut_off_or_malformed_upload_is_400_and_leaves_nothing(app, server):
    base, ticket_id = server
    path = f"/_test/tickets/{ticket_id}/attachments"
    part = (
        b"--XyZ\r\nContent-Disposition: form-data; name=\"video\"; filename=\"a.mp4\"\r\n"
        b"Content-Type: video/mp4\r\n\r\n" + samples.mp4(30_000)
    )
    cut_off = _raw_post(base, path, part, "XyZ", declared_length=len(part) + 50_000)
    assert cut_off.startswith(b"HTTP/1.1 400")
    assert b"attachment_incomplete" in cut_off
    no_final_boundary = _raw_post(base, path, part, "XyZ", declared_length=len(part))
    assert no_final_boundary.startswith(b"HTTP/1.1 400")
    assert b"form_malformed" in no_final_boundary
    assert _files_on_disk(app) == [] and _rows(app) == []


def test_reading_request_form_first_still_streams_files_to_disk(app, server):
    base, _ = server
    response = requests.post(
        f"{base}/_test/form-first", data={"a": "1"}, files={"video": ("a.mp4", samples.mp4(), "video/mp4")}, timeout=10
    )
    assert response.json() == {"a": "1", "streamed": [True]}
    assert _files_on_disk(app) == []  # nobody stored it: deleted when the request ended


@pytest.fixture
def stored_video(store, app, server):  # served the same from the local folder and from S3
    video = samples.mp4(5000)
    response = requests.post(
        _upload_url(server), files={"video": ("Ошибка оплаты.mp4", video, "video/mp4")}, timeout=10
    )
    assert response.status_code == 201
    attachment_id = response.json()["attachments"][0]["id"]
    return f"{server[0]}/_test/attachments/{attachment_id}", video


def test_the_whole_file_is_served_inline_with_safe_headers(stored_video):
    url, video = stored_video
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == video
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''" + quote("Ошибка оплаты.mp4") in disposition
    assert 'filename=attachment.mp4' in disposition or 'filename="attachment.mp4"' in disposition
    download = requests.get(url + "?download=1", timeout=10)
    assert download.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-50", None, None), ("bytes=4990-9999", 4990, None)],
)
def test_range_requests_answer_206_with_the_exact_slice(stored_video, header, start, end):
    url, video = stored_video
    total = len(video)
    if start is None:  # suffix range: the last 50 bytes
        start, end = total - 50, total - 1
    end = total - 1 if end is None else end
    response = requests.get(url, headers={"Range": header}, timeout=10)
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{total}"
    assert int(response.headers["Content-Length"]) == end - start + 1
    assert response.content == video[start : end + 1]


def test_an_unsatisfiable_range_is_416(stored_video):
    url, video = stored_video
    response = requests.get(url, headers={"Range": f"bytes={len(video) + 10}-"}, timeout=10)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(video)}"


def test_a_text_log_is_served_as_inert_plain_text(app, server):
    page = b"<html><body><script>alert(document.domain)</script></body></html>\n"
    response = requests.post(_upload_url(server), files={"file": ("console.log", page, "text/html")}, timeout=10)
    (row,) = response.json()["attachments"]
    served = requests.get(f"{server[0]}/_test/attachments/{row['id']}", timeout=10)
    assert served.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.content == page


def test_a_missing_stored_file_is_404_not_a_crash(app, stored_video):
    url, _ = stored_video
    with app.app_context():
        from tickets.storage import current_store

        for name in current_store().names():
            current_store().delete(name)
    assert requests.get(url, timeout=10).status_code == 404


def test_a_chunked_urlencoded_body_is_bounded_too(app, server):
    base, _ = server
    app.config["MAX_FORM_MEMORY_SIZE"] = 10_000

    def body():
        yield b"a=" + b"x" * 8_000
        yield b"x" * 8_000  # no Content-Length: the server only learns the size by reading

    response = requests.post(
        f"{base}/_test/form-first", data=body(), headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert response.status_code == 413
    small = requests.post(f"{base}/_test/form-first", data=iter([b"a=1"]),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert small.json()["a"] == "1"


def test_sweep_removes_only_stale_unfinished_parts(app, runner):
    with app.app_context():
        from tickets.uploads import incoming_dir

        stale, fresh = incoming_dir() / "old.part", incoming_dir() / "new.part"
        stale.write_bytes(b"x")
        fresh.write_bytes(b"y")
        os.utime(stale, (0, 0))
    result = runner.invoke(args=["sweep-uploads", "--hours", "1"])
    assert "removed 1" in result.output
    assert not stale.exists() and fresh.exists()


def test_a_player_revalidating_gets_304_and_if_range_falls_back_to_the_whole_file(stored_video):
    url, video = stored_video
    first = requests.get(url, timeout=10)
    etag = first.headers["ETag"]
    assert etag.strip('"') == hashlib.sha256(video).hexdigest()
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=10).status_code == 304
    same = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": etag}, timeout=10)
    assert same.status_code == 206 and same.content == video[:10]
    changed = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'}, timeout=10)
    assert changed.status_code == 200 and changed.content == video
    head = requests.head(url, timeout=10)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(video) and head.content == b""
