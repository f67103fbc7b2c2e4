"""The console's video poster: made by ffmpeg from the stored file (local folder or S3), absent without ffmpeg."""

from __future__ import annotations

import hashlib
import secrets
import shutil

import pytest

from database import db
from tests.placements.support_pages import VIDEO
from tests.s3_peer import s3_endpoint, use_s3  # noqa: F401 (fixture)
from tickets.models import Attachment, Ticket
from tickets.storage import current_store


@pytest.fixture(params=["local", "s3"])
def video_store(request, app_config) -> str:
    if request.param == "s3":
        use_s3(app_config, request.getfixturevalue("s3_endpoint"))
    return request.param


def attach_video(app, number: str) -> int:
    video = VIDEO.read_bytes()
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        name = secrets.token_hex(16)
        temp = f"{app.config['ATTACHMENT_DIR']}/{name}.part"
        import os

        os.makedirs(app.config["ATTACHMENT_DIR"], exist_ok=True)
        with open(temp, "wb") as out:
            out.write(video)
        if not current_store().keep_file(temp, name):
            os.unlink(temp)
        attachment = Attachment(ticket_id=ticket.id, role="video", original_name="error.webm", storage_name=name,
                                content_type="video/webm", size=len(video), sha256=hashlib.sha256(video).hexdigest())
        db.session.add(attachment)
        db.session.commit()
        return attachment.id


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="Debian's ffmpeg is not installed")
def test_the_poster_is_a_jpeg_frame_of_the_video_made_once(video_store, app, console, make_portal, make_ticket):
    number = make_ticket(make_portal())
    attachment_id = attach_video(app, number)
    page = console.get(f"/console/tickets/{number}").get_data(as_text=True)
    poster_url = f"/console/tickets/{number}/attachments/{attachment_id}/poster"
    assert f'poster="{poster_url}"' in page
    first = console.get(poster_url)
    assert first.status_code == 200 and first.mimetype == "image/jpeg" and first.data[:2] == b"\xff\xd8"
    with app.app_context():
        kept = [name for name in current_store().names() if name.endswith("poster")]
    assert len(kept) == 1  # kept beside the video in the same store
    assert console.get(poster_url).data == first.data


def test_without_ffmpeg_there_is_no_poster_and_the_video_still_plays(app, console, make_portal, make_ticket):
    app.config["FFMPEG"] = "/nonexistent/ffmpeg"
    number = make_ticket(make_portal())
    attachment_id = attach_video(app, number)
    page = console.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "poster=" not in page and "data-video-facts" in page
    assert console.get(f"/console/tickets/{number}/attachments/{attachment_id}/poster").status_code == 404
    assert console.get(f"/console/tickets/{number}/attachments/{attachment_id}").status_code == 200


def test_another_tickets_attachment_has_no_poster_here(app, console, make_portal, make_ticket):
    portal = make_portal()
    mine, other = make_ticket(portal), make_ticket(portal)
    attachment_id = attach_video(app, other)
    assert console.get(f"/console/tickets/{mine}/attachments/{attachment_id}/poster").status_code == 404
