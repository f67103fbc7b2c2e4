"""Real headless Chromium with fake media devices: record the error from the Support form, attach, send, watch.

Chromium's fake capture (``--use-fake-device-for-media-stream`` with ``--auto-select-desktop-capture-source``)
gives getDisplayMedia a generated screen here (sized to the window), so the recorder runs for real: getDisplayMedia,
MediaRecorder, the upload over tus, the postMessage back to the iframe, and the console's player.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from console.staff import create_user
from database import db
from tests.conftest import CHROMIUM_ARGS, screenshot
from tests.placements.support_pages import installed_portal, registry_row
from tests.support_factories import make_contract
from tickets.models import Attachment, Ticket

FAKE_MEDIA = [
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--auto-select-desktop-capture-source=Entire screen",
]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def media_browser(browser):
    """A second Chromium with fake capture, from the session's Playwright (one Playwright per process)."""
    chromium = browser.browser_type.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                           args=CHROMIUM_ARGS + FAKE_MEDIA)
    yield chromium
    chromium.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_record_the_error_attach_it_send_and_the_console_plays_it(app, sandbox, live_app, media_browser, lang):
    portal = installed_portal(sandbox, f"rec{lang}", lang=lang)
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, portal)), f"SUP-REC-{lang.upper()}")
        create_user(f"dev-{lang}@vendor.test", "Dana Dev", PASSWORD)
        db.session.commit()
    context = media_browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
    page = context.new_page()
    page.goto(sandbox.portal_page(portal, view="deal"))
    page.click("#placement-CRM_DEAL_DETAIL_TOOLBAR")
    frame = page.frame_locator("#app-frame")
    frame.locator("#support-form").wait_for()
    frame.locator("#operator").select_option("click")
    frame.locator("#operator_connection").fill("merchant=77; key=browser-secret")
    frame.locator("#what_done").fill("Opened the deal and pressed Send invoice.")
    frame.locator("#what_expected").fill("A Click payment link.")
    frame.locator("#what_obtained").fill("Nothing happens.")
    assert frame.locator("#record-error").is_enabled()

    with page.expect_popup() as opened:
        frame.locator("#record-error").click()
    recorder = opened.value
    recorder.locator("#rec-start").wait_for()
    assert recorder.url.startswith(live_app + "/placements/support/recorder?r=")  # the app's own origin
    assert "AUTH_ID" not in recorder.url and "access_token" not in recorder.url
    recorder.click("#rec-start")
    recorder.locator("#rec-live").wait_for()
    recorder.wait_for_timeout(3200)
    screenshot(recorder, f"support-recorder-live-{lang}")
    recorder.click("#rec-stop")
    recorder.locator("#rec-done").wait_for()
    recorder.wait_for_function("() => /×/.test(document.getElementById('rec-facts').textContent)")
    facts = recorder.locator("#rec-facts").inner_text()
    resolution = re.search(r"(\d+)×(\d+)", facts)
    assert facts.startswith("0:03") and resolution, facts
    screenshot(recorder, f"support-recorder-{lang}")
    recorder.click("#rec-attach")
    recorder.locator("#rec-sent").wait_for(timeout=30000)

    attached = frame.locator(".upload--done[data-role=video]")
    attached.wait_for(timeout=10000)
    assert attached.locator(".upload__name").inner_text().startswith("error-recording-")
    assert attached.locator(".upload__stats").inner_text().startswith("0:03")
    assert frame.locator("#what_obtained").input_value() == "Nothing happens."  # nothing typed was lost
    screenshot(page, f"support-recording-attached-{lang}")

    frame.locator("#submit-request").click()
    frame.locator("#ticket-number").wait_for(timeout=30000)
    number = frame.locator("#ticket-number").inner_text().strip()
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
        [video] = db.session.execute(db.select(Attachment).filter_by(ticket_id=ticket.id)).scalars().all()
        assert (video.role, video.content_type) == ("video", "video/webm") and video.size > 10_000

    console = context.new_page()
    console.set_extra_http_headers({"Accept-Language": lang})
    console.goto(f"{live_app}/console/tickets/{number}")
    console.fill("#email", f"dev-{lang}@vendor.test")
    console.fill("#password", PASSWORD)
    console.click("button[type=submit]")
    console.wait_for_url(f"**/console/tickets/{number}")
    facts = console.locator("[data-video-facts][data-duration]")
    facts.wait_for(timeout=15000)  # console-video.js found the real duration of the MediaRecorder WebM
    assert float(facts.get_attribute("data-duration")) >= 2
    assert f"{resolution.group(1)}×{resolution.group(2)}" in facts.inner_text()
    if shutil.which("ffmpeg"):
        poster = console.locator("video").get_attribute("poster")
        image = console.request.get(live_app + poster)
        assert image.status == 200 and image.headers["content-type"] == "image/jpeg"
    screenshot(console, f"console-ticket-recording-{lang}")
    played = console.evaluate("""async () => {
      const v = document.querySelector('video');
      v.muted = true;
      await new Promise((r) => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r, {once: true}));
      await v.play();
      await new Promise((r) => setTimeout(r, 600));
      const playing = v.currentTime;
      v.pause();
      // A MediaRecorder WebM has no duration in its header; seeking past the end makes the player find it.
      if (!isFinite(v.duration)) {
        await new Promise((r) => { v.addEventListener('durationchange', r, {once: true}); v.currentTime = 1e9; });
      }
      return {duration: v.duration, playing, width: v.videoWidth, error: v.error && v.error.code};
    }""")
    assert played["error"] is None and played["playing"] > 0.2, played
    assert played["duration"] >= 2 and played["width"] == int(resolution.group(1)), played
    context.close()
