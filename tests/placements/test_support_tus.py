"""Resumable uploads over tus from the Support form, over loopback HTTP with the sandbox portal."""

from __future__ import annotations

import hashlib
import os
import re
import time

import pytest
import requests

from database import db
from tests.placements import tus_client as tus
from tests.placements.support_pages import VIDEO, form_action, good_fields, installed_portal, open_support, registry_row
from tests.support_factories import make_contract
from tickets.models import Attachment, ResumableUpload, Ticket

MB = 1024 * 1024


def ready_form(app, sandbox, name: str = "acme"):
    portal = installed_portal(sandbox, name)
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, portal)), f"SUP-{name.upper()}")
    return portal, open_support(sandbox, portal)


def recording(size: int) -> bytes:
    """A WebM recording's real first bytes (so it sniffs as video), then noise up to ``size``."""
    head = VIDEO.read_bytes()
    return head + os.urandom(max(0, size - len(head)))


def state(app) -> dict:
    """What a refusal must not change: upload rows, attachment rows and every byte in the store."""
    with app.app_context():
        from tickets.storage import current_store

        uploads = db.session.execute(db.select(ResumableUpload.key, ResumableUpload.offset)).all()
        attachments = db.session.execute(db.select(db.func.count(Attachment.id))).scalar_one()
        return {"uploads": sorted(uploads), "attachments": attachments, "store": current_store().inventory()}


def fields_with(keys: list[str], **overrides) -> list[tuple[str, str]]:
    return [*good_fields(**overrides).items(), *(("upload", key) for key in keys)]


def submit(page: requests.Response, pairs: list[tuple[str, str]]) -> requests.Response:
    """Send the form as the browser does once its uploads are done: the fields and one ``upload`` key per file."""
    parts = [(name, (None, value)) for name, value in pairs]
    parts += [("video", ("", b"", "application/octet-stream")), ("after_video", (None, "1"))]
    return requests.post(form_action(page), files=parts, timeout=60)


def test_discovery_names_the_version_extensions_and_the_size_limit(app, sandbox):
    _portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    answer = requests.options(endpoint.split("?")[0], timeout=30)
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0" and answer.headers["Tus-Resumable"] == "1.0.0"
    assert {"creation", "termination"} <= set(answer.headers["Tus-Extension"].split(","))
    assert int(answer.headers["Tus-Max-Size"]) == app.config["ATTACHMENT_MAX_MB"] * MB


def test_upload_in_chunks_drop_the_connection_resume_and_file_a_ticket_with_the_same_bytes(store, app, sandbox):
    _portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    # 3 MB pieces against 5 MB S3 parts: parts fill across PATCHes, and leftovers wait as a tail.
    video = recording(13 * MB + 12345)
    piece = 3 * MB
    url = tus.location(tus.create(endpoint, len(video)))

    first = tus.patch(url, video[:piece], 0)
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(piece)
    tus.patch_and_drop(url, video[piece: 2 * piece], piece, send=2 * MB + 4321)  # the network drops midway
    offset = _settled_offset(url, above=piece)
    assert piece < offset <= piece + 2 * MB + 4321  # what arrived before the drop was kept
    if store == "s3":  # the bytes so far sit in an S3 multipart upload and a tail object, not on local disk
        held = state(app)["store"]
        assert any(k.startswith("multipart:") and v >= 5 * MB for k, v in held.items())
        assert any(k.endswith(".tail") for k in held)
    assert tus.upload_rest(url, video, chunk=piece) == len(video)

    filed = submit(page, [*good_fields().items(), ("upload", url.split("/")[-1].split("?")[0])])
    assert filed.status_code == 200 and "/filed?" in filed.url, filed.text[:2000]
    with app.app_context():
        [attachment] = db.session.execute(db.select(Attachment)).scalars().all()
        assert attachment.sha256 == hashlib.sha256(video).hexdigest()
        assert (attachment.role, attachment.content_type, attachment.size) == ("video", "video/webm", len(video))
        assert db.session.execute(db.select(db.func.count(ResumableUpload.id))).scalar_one() == 0
        from tickets.storage import current_store

        assert current_store().kind == store and current_store().names() == [attachment.storage_name]
        assert list(current_store().inventory()) == ([attachment.storage_name] if store == "local"
                                                     else [f"attachments/{attachment.storage_name}"])
    # The ticket plays back the same bytes, ranges included.
    played = _attachment_bytes(app, attachment.id, filed)
    assert hashlib.sha256(played).hexdigest() == hashlib.sha256(video).hexdigest()
    assert tus.head(url).status_code in (404, 409)  # claimed, and its form token spent


def test_a_third_party_tus_client_uploads_a_file_the_form_can_send(store, app, sandbox):
    """tuspy, the tus project's Python client, speaks to the endpoint as it would to any tus server."""
    from io import BytesIO

    from tusclient.client import TusClient

    _portal, page = ready_form(app, sandbox)
    endpoint, token = tus.endpoint_and_token(page)
    video = recording(6 * MB + 777)
    uploader = TusClient(endpoint.split("?")[0], headers={"Upload-Form-Token": token}).uploader(
        file_stream=BytesIO(video), chunk_size=2 * MB, metadata={"filename": "from-tuspy.webm", "role": "video"})
    uploader.upload()
    key = uploader.url.split("?")[0].rsplit("/", 1)[1]
    filed = submit(page, fields_with([key]))
    assert filed.status_code == 200 and "/filed?" in filed.url, filed.text[:1000]
    with app.app_context():
        [attachment] = db.session.execute(db.select(Attachment)).scalars().all()
        assert (attachment.original_name, attachment.sha256) == ("from-tuspy.webm", hashlib.sha256(video).hexdigest())


def test_another_portals_form_token_cannot_head_patch_or_delete_the_upload(store, app, sandbox):
    _portal, page = ready_form(app, sandbox, "acme")
    endpoint, _token = tus.endpoint_and_token(page)
    url = tus.location(tus.create(endpoint, 1000))
    assert tus.patch(url, recording(1000)[:400], 0).status_code == 204
    _other, other_page = ready_form(app, sandbox, "rival")
    _other_endpoint, other_token = tus.endpoint_and_token(other_page)
    foreign = url.split("?")[0] + "?f=" + other_token
    before = state(app)

    assert tus.head(foreign).status_code == 404
    assert tus.patch(foreign, b"x" * 600, 400).status_code == 404
    assert requests.delete(foreign, headers=tus.TUS, timeout=30).status_code == 404
    # The same with the token in the header a reloaded page uses.
    assert tus.head(url.split("?")[0], {"Upload-Form-Token": other_token}).status_code == 404

    assert state(app) == before
    assert tus.head(url).headers["Upload-Offset"] == "400"


def test_a_reloaded_form_resumes_with_its_new_token_in_a_header(app, sandbox):
    portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    video = recording(2 * MB)
    url = tus.location(tus.create(endpoint, len(video)))
    assert tus.patch(url, video[:MB], 0).status_code == 204

    reloaded = open_support(sandbox, portal)  # the user reloads: a new form with a new token
    _endpoint, new_token = tus.endpoint_and_token(reloaded)
    bare = url.split("?")[0]
    assert tus.upload_rest(bare, video, MB, headers={"Upload-Form-Token": new_token}) == len(video)
    filed = submit(reloaded, fields_with([bare.rsplit("/", 1)[1]]))
    assert filed.status_code == 200 and "/filed?" in filed.url, filed.text[:1000]


@pytest.mark.parametrize("case", ["expired token", "wrong offset", "body past length", "chunked past length",
                                  "over the size limit", "too many files", "no tus version", "wrong content type"])
def test_bad_requests_are_clear_4xx_and_store_nothing(store, app, sandbox, case):
    app.config["ATTACHMENT_MAX_MB"] = 1
    app.config["ATTACHMENT_MAX_FILES"] = 2
    _portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    url = tus.location(tus.create(endpoint, 1000))
    assert tus.patch(url, recording(1000)[:500], 0).status_code == 204
    before = state(app)

    if case == "expired token":
        app.config["FRAME_TOKEN_TTL"] = 0
        time.sleep(1.1)
        answers = [tus.create(endpoint, 10), tus.patch(url, b"x" * 100, 500), tus.head(url)]
        expected = 403
    elif case == "wrong offset":
        answers, expected = [tus.patch(url, b"x" * 100, 400), tus.patch(url, b"x" * 100, 600)], 409
    elif case == "body past length":
        answers, expected = [tus.patch(url, b"x" * 501, 500)], 413
    elif case == "chunked past length":
        answers, expected = [tus.patch(url, iter([b"x" * 300, b"y" * 300]), 500)], 413
    elif case == "over the size limit":
        answers, expected = [tus.create(endpoint, MB + 1)], 413
    elif case == "too many files":
        assert tus.create(endpoint, 10).status_code == 201
        before = state(app)
        answers, expected = [tus.create(endpoint, 10)], 413
    elif case == "no tus version":
        answers = [requests.post(endpoint, headers={"Upload-Length": "10"}, timeout=30)]
        expected = 412
    else:
        answers = [requests.patch(url, data=b"x" * 10, timeout=30, headers={
            **tus.TUS, "Upload-Offset": "500", "Content-Type": "application/octet-stream"})]
        expected = 415

    for answer in answers:
        assert answer.status_code == expected, (case, answer.status_code, answer.text[:300])
        if answer.request.method != "HEAD":
            assert answer.json()["error_description"]  # a message a person can read, not a bare code
    assert state(app) == before


def test_a_file_that_is_not_a_video_is_refused_when_complete_and_removed(store, app, sandbox):
    _portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    before = state(app)
    url = tus.location(tus.create(endpoint, 2000, name="notes.webm"))
    answer = tus.patch(url, b"MZ" + os.urandom(1998), 0)
    assert answer.status_code == 415 and "not a video" in answer.json()["error_description"]
    assert tus.head(url).status_code == 404
    assert state(app) == before


def test_a_failed_validation_keeps_the_finished_upload_attached(store, app, sandbox):
    _portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    video = recording(50_000)
    url = tus.location(tus.create(endpoint, len(video), name="error.webm"))
    assert tus.patch(url, video, 0).status_code == 204
    key = url.split("?")[0].rsplit("/", 1)[1]

    refused = submit(page, fields_with([key], what_done=""))
    assert refused.status_code == 422
    assert f'name="upload" value="{key}"' in refused.text and "error.webm" in refused.text
    assert "Attach a video" not in refused.text  # the upload counts as the video

    kept = re.findall(r'name="upload" value="([^"]+)"', refused.text)
    filed = submit(refused, fields_with(kept))
    assert filed.status_code == 200 and "/filed?" in filed.url, filed.text[:1000]
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket)).scalar_one()
        assert [(a.original_name, a.sha256) for a in ticket.attachments] == [
            ("error.webm", hashlib.sha256(video).hexdigest())]


def test_sending_before_an_upload_is_complete_says_so_and_keeps_everything(app, sandbox):
    _portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    done_url = tus.location(tus.create(endpoint, 60_000, name="first.webm"))
    assert tus.patch(done_url, recording(60_000), 0).status_code == 204
    video = recording(80_000)
    half_url = tus.location(tus.create(endpoint, len(video), name="second.webm"))
    assert tus.patch(half_url, video[:10_000], 0).status_code == 204
    keys = [u.split("?")[0].rsplit("/", 1)[1] for u in (done_url, half_url)]

    early = submit(page, fields_with(keys))
    assert early.status_code == 400 and "“second.webm” is still uploading" in early.text
    assert f'name="upload" value="{keys[0]}"' in early.text  # the finished one stays attached
    assert tus.upload_rest(half_url, video, chunk=30_000) == len(video)
    filed = submit(early, fields_with(keys))  # the same form token: the refused send did not spend it
    assert filed.status_code == 200 and "/filed?" in filed.url, filed.text[:1000]
    with app.app_context():
        names = db.session.execute(db.select(Attachment.original_name).order_by(Attachment.id)).scalars().all()
        assert names == ["first.webm", "second.webm"]


def test_termination_deletes_the_upload_and_its_bytes(store, app, sandbox):
    _portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    before = state(app)
    url = tus.location(tus.create(endpoint, 1000))
    assert tus.patch(url, recording(1000)[:300], 0).status_code == 204
    assert requests.delete(url, headers=tus.TUS, timeout=30).status_code == 204
    assert tus.head(url).status_code == 404
    assert state(app) == before


def test_the_sweep_deletes_uploads_idle_past_the_expiry(store, app, sandbox, runner):
    _portal, page = ready_form(app, sandbox)
    endpoint, _token = tus.endpoint_and_token(page)
    before = state(app)
    stale = tus.location(tus.create(endpoint, 1000))
    assert tus.patch(stale, recording(1000)[:300], 0).status_code == 204
    fresh = tus.location(tus.create(endpoint, 1000))
    with app.app_context():
        from datetime import timedelta

        row = db.session.execute(db.select(ResumableUpload).filter_by(key=stale.split("?")[0].rsplit("/", 1)[1]))
        row = row.scalar_one()
        row.expires_at -= timedelta(hours=app.config["UPLOAD_EXPIRE_HOURS"] + 1)
        db.session.commit()
    result = runner.invoke(args=["sweep-uploads"])
    assert "removed 1 resumable upload(s)" in result.output, result.output
    assert tus.head(stale).status_code == 404 and tus.head(fresh).status_code == 200
    assert requests.delete(fresh, headers=tus.TUS, timeout=30).status_code == 204
    assert state(app) == before


def _settled_offset(url: str, above: int) -> int:
    """The offset once the server has noticed the drop and kept what arrived (a HEAD right away may be early)."""
    offset = above
    for _ in range(100):
        offset = int(tus.head(url).headers["Upload-Offset"])
        if offset > above:
            return offset
        time.sleep(0.1)
    return offset


def _attachment_bytes(app, attachment_id: int, filed: requests.Response) -> bytes:
    from tests.placements.support_pages import link

    shown = requests.get(link(filed, "open-ticket"), timeout=30)
    match = re.search(r'href="([^"]*/placements/support/attachments/[^"]+)"', shown.text)
    assert match
    from html import unescape
    from urllib.parse import urljoin

    href = urljoin(shown.url, unescape(match.group(1)))
    whole = requests.get(href, timeout=60)
    assert whole.status_code == 200
    tail = requests.get(href, headers={"Range": "bytes=100-"}, timeout=60)
    assert tail.status_code == 206 and tail.content == whole.content[100:]
    return whole.content
