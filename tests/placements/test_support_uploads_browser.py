"""Real headless Chromium: the Support form uploads its files over tus with progress, pause, resume after reload."""

from __future__ import annotations

import hashlib
import re

import pytest

from database import db
from tests.conftest import screenshot
from tests.placements.support_pages import installed_portal, registry_row
from tests.placements.test_support_tus import recording
from tests.support_factories import make_contract
from tickets.models import Attachment, ResumableUpload, Ticket

MB = 1024 * 1024


def open_form(app, sandbox, browser, *, name: str, lang: str):
    portal = installed_portal(sandbox, name, lang=lang)
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, portal)), f"SUP-{name.upper()}")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
    page = context.new_page()
    page.goto(sandbox.portal_page(portal, view="deal"))
    page.click("#placement-CRM_DEAL_DETAIL_TOOLBAR")
    frame = page.frame_locator("#app-frame")
    frame.locator("#support-form").wait_for()
    return context, page, frame, portal


def fill_the_rest(frame, done: str = "Opened the deal and pressed Send invoice.") -> None:
    frame.locator("#operator").select_option("click")
    frame.locator("#operator_connection").fill("merchant=77; key=browser-secret")
    frame.locator("#what_done").fill(done)
    frame.locator("#what_expected").fill("A Click payment link.")
    frame.locator("#what_obtained").fill("Nothing happens.")


def throttle(page, bytes_per_second: int) -> None:
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second,
    })


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_video_uploads_with_progress_pause_and_resume_then_the_form_sends_it(app, sandbox, browser, tmp_path,
                                                                                  lang):
    video = recording(20 * MB)
    path = tmp_path / "error.webm"
    path.write_bytes(video)
    context, page, frame, _portal = open_form(app, sandbox, browser, name=f"tus{lang}", lang=lang)
    fill_the_rest(frame)
    throttle(page, 4 * MB)

    frame.locator("#video").set_input_files(str(path))
    row = frame.locator(".upload[data-role=video]")
    row.wait_for()
    stats = row.locator(".upload__stats")
    for _ in range(200):  # the frame is another origin: read it through the locator
        if re.search(r"[1-9]\d*\s?%", stats.inner_text()):
            break
        page.wait_for_timeout(100)
    screenshot(page, f"support-upload-progress-{lang}")
    shown = stats.inner_text()
    assert "%" in shown and "MB/s" in shown

    row.locator(".upload__pause").click()
    paused_at = frame.locator(".upload__bar").get_attribute("value")
    page.wait_for_timeout(800)
    assert frame.locator(".upload__bar").get_attribute("value") == paused_at  # nothing moves while paused
    assert frame.locator("#video").input_value() == ""  # the file is not sent a second time as multipart
    frame.locator("#submit-request").click()  # too early: the form waits for the upload, then sends itself
    assert frame.locator("#uploads-wait").is_visible()
    row.locator(".upload__pause").click()  # resume
    throttle(page, -1)
    frame.locator("#ticket-number").wait_for(timeout=60000)
    number = frame.locator("#ticket-number").inner_text().strip()
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        [attachment] = ticket.attachments
        assert attachment.sha256 == hashlib.sha256(video).hexdigest() and attachment.role == "video"
    context.close()


@pytest.mark.browser
def test_after_a_reload_the_same_file_goes_on_from_where_it_stopped(app, sandbox, browser, tmp_path):
    video = recording(24 * MB)
    path = tmp_path / "long-recording.webm"
    path.write_bytes(video)
    context, page, frame, portal = open_form(app, sandbox, browser, name="reload", lang="en")
    throttle(page, 6 * MB)
    frame.locator("#video").set_input_files(str(path))
    # Wait until the server holds at least one 8 MB piece, then reload the whole portal page (up to 60 s: late in
    # a full CI run the browser can take longer than 20 s to start the upload; the test passes alone in 9 s).
    for _ in range(300):
        with app.app_context():
            offset = db.session.execute(db.select(ResumableUpload.offset)).scalar()
        if offset and offset >= 8 * MB:
            break
        page.wait_for_timeout(200)
    assert offset and offset >= 8 * MB
    page.reload()
    page.click("#placement-CRM_DEAL_DETAIL_TOOLBAR")
    frame = page.frame_locator("#app-frame")
    frame.locator("#support-form").wait_for()
    throttle(page, -1)
    fill_the_rest(frame)
    frame.locator("#video").set_input_files(str(path))  # chosen again after the reload
    frame.locator(".upload--done[data-upload-key]").wait_for(timeout=60000)
    with app.app_context():
        # One upload, continued: no second one was created for the same file.
        assert db.session.execute(db.select(db.func.count(ResumableUpload.id))).scalar_one() == 1
    frame.locator("#submit-request").click()
    frame.locator("#ticket-number").wait_for(timeout=30000)
    with app.app_context():
        [attachment] = db.session.execute(db.select(Attachment)).scalars().all()
        assert attachment.sha256 == hashlib.sha256(video).hexdigest()
    context.close()


@pytest.mark.browser
def test_a_failed_validation_keeps_the_finished_upload_and_what_was_typed(app, sandbox, browser, tmp_path):
    path = tmp_path / "short.webm"
    path.write_bytes(recording(300_000))
    context, page, frame, _portal = open_form(app, sandbox, browser, name="keep", lang="en")
    fill_the_rest(frame, done="")  # "what was done" left empty: the server refuses
    frame.locator("#video").set_input_files(str(path))
    frame.locator(".upload--done[data-upload-key]").wait_for(timeout=30000)
    frame.locator("#submit-request").click()
    frame.locator("#error-what_done").wait_for()
    assert frame.locator(".upload--done .upload__name").inner_text() == "short.webm"
    assert frame.locator("#what_obtained").input_value() == "Nothing happens."
    frame.locator("#what_done").fill("Pressed Send invoice.")
    frame.locator("#submit-request").click()
    frame.locator("#ticket-number").wait_for(timeout=30000)
    with app.app_context():
        [attachment] = db.session.execute(db.select(Attachment)).scalars().all()
        assert attachment.original_name == "short.webm"
    context.close()


@pytest.mark.browser
def test_where_the_browser_cannot_record_the_button_says_so_and_the_upload_stays(app, sandbox, browser, tmp_path):
    path = tmp_path / "from-disk.webm"
    path.write_bytes(recording(100_000))
    portal = installed_portal(sandbox, "norec", lang="en")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    context.add_init_script("window.MediaRecorder = undefined;")  # as in a browser without MediaRecorder
    page = context.new_page()
    page.goto(sandbox.portal_page(portal, view="deal"))
    page.click("#placement-CRM_DEAL_DETAIL_TOOLBAR")
    frame = page.frame_locator("#app-frame")
    frame.locator("#support-form").wait_for()
    button = frame.locator("#record-error")
    button.wait_for()
    assert button.is_disabled()
    assert "cannot record the screen" in frame.locator("#record-note").inner_text()
    frame.locator("#video").set_input_files(str(path))  # the upload still works
    frame.locator(".upload--done[data-upload-key]").wait_for(timeout=30000)
    context.close()
