"""A developer in real headless Chromium: sign in, find the portal, open the ticket, play its video, answer it."""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select

from database import db
from tests.conftest import screenshot
from tests.console.conftest import PASSWORD
from tickets.models import Attachment, Reply, Ticket

pytestmark = pytest.mark.browser

# A real VP8 WebM recorded by the browser itself from a canvas (no ffmpeg on the machine, no binary in git).
RECORD_WEBM = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 120;
  document.body.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: 'video/webm;codecs=vp8'});
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  let frame = 0;
  const paint = setInterval(() => {
    ctx.fillStyle = `hsl(${frame * 25}, 80%, 50%)`; ctx.fillRect(0, 0, 160, 120);
    ctx.fillStyle = '#fff'; ctx.font = '20px sans-serif'; ctx.fillText('bug ' + frame, 20, 65); frame++;
  }, 40);
  recorder.start(100);
  await new Promise((r) => setTimeout(r, 2000));
  const stopped = new Promise((r) => { recorder.onstop = r; });
  recorder.stop(); clearInterval(paint);
  await stopped;
  const bytes = new Uint8Array(await new Blob(chunks, {type: 'video/webm'}).arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(text);
}"""


def _record_video(page) -> bytes:
    page.goto("about:blank")
    return base64.b64decode(page.evaluate(RECORD_WEBM))


def test_developer_answers_a_ticket_after_watching_its_video(app, live_app, page, staff, make_portal, make_ticket,
                                                             make_contract):
    video = _record_video(page)
    assert video[:4] == b"\x1a\x45\xdf\xa3" and len(video) > 1000  # an EBML (WebM) file
    portal_id = make_portal("didox-shop.bitrix24.ru", app_version=4)
    make_portal("other-firm.bitrix24.kz")
    make_contract("TU-C-2026-1", portal_id, hours=8)
    number = make_ticket(portal_id, contract_number="TU-C-2026-1", operator="Payme",
                         operator_connection="merchant=1; secret=NEVER-SHOWN",
                         what_obtained="The payment link opens an empty page",
                         context={"placement": "CRM_DEAL_DETAIL_TOOLBAR", "deal": {"id": 42, "stage": "NEW"}})
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        storage = secrets.token_hex(16)
        Path(app.config["ATTACHMENT_DIR"]).mkdir(parents=True, exist_ok=True)
        (Path(app.config["ATTACHMENT_DIR"]) / storage).write_bytes(video)
        db.session.add(Attachment(ticket_id=ticket.id, role="video", original_name="payment-bug.webm",
                                  storage_name=storage, content_type="video/webm", size=len(video),
                                  sha256=hashlib.sha256(video).hexdigest()))
        db.session.commit()

    page.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(f"{live_app}/console/tickets")
    assert "/console/login" in page.url
    page.fill("#email", staff.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/tickets")

    page.click("text=Portals")
    page.fill("input[name=q]", "didox-shop")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1
    screenshot(page, "console-portals")
    page.click("text=didox-shop.bitrix24.ru")
    page.wait_for_url("**/console/portals/*")
    page.click(f"text={number}")
    page.wait_for_url(f"**/console/tickets/{number}")

    assert "NEVER-SHOWN" not in page.content()
    assert page.locator("table.context").inner_text().count("deal.id") == 1
    state = page.evaluate("""async () => {
      const v = document.querySelector('video');
      v.muted = true;
      await v.play();
      await new Promise((r) => setTimeout(r, 700));
      return {readyState: v.readyState, currentTime: v.currentTime, error: v.error && v.error.code};
    }""")
    assert state["error"] is None and state["readyState"] >= 2 and state["currentTime"] > 0.2, state
    page.evaluate("document.querySelector('video').pause()")
    screenshot(page, "console-ticket")

    page.select_option("#kind", "fixed_in_version")
    assert page.is_visible("#version") and not page.is_visible("#date")
    page.fill("#version", "2.5.0")
    page.fill("#body", "Fixed: update the app from Bitrix24.Market.")
    page.click("text=Send the answer")
    page.wait_for_selector(".notice--success")
    answer = page.locator('article[data-kind="fixed_in_version"]')
    assert "2.5.0" in answer.inner_text()
    screenshot(page, "console-ticket-answered")

    with app.app_context():
        reply = db.session.execute(select(Reply).where(Reply.kind == "fixed_in_version")).scalar_one()
        assert (reply.author, reply.internal, reply.data) == ("staff", False, {"version": "2.5.0"})
        assert reply.ticket.first_response_at is not None
