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
    assert page.locator(f'tr[data-ticket="{number}"]').count() == 1
    screenshot(page, "console-inbox")

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

    page.click("a[lang=ru]")  # the language switch keeps the page
    page.wait_for_url(f"**/console/tickets/{number}")
    assert "Исправлено в версии" in page.content() and "Ответ пользователю" in page.content()
    page.goto(f"{live_app}/console/portals/{portal_id}")
    assert "История домена и версий" in page.content()
    screenshot(page, "console-portal-ru")

    with app.app_context():
        reply = db.session.execute(select(Reply).where(Reply.kind == "fixed_in_version")).scalar_one()
        assert (reply.author, reply.internal, reply.data) == ("staff", False, {"version": "2.5.0"})
        assert reply.ticket.first_response_at is not None


def _sign_in(page, live_app: str, email: str) -> None:
    page.goto(f"{live_app}/console/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/portals")


def test_the_answer_appears_in_the_portals_my_requests(app, live_app, sandbox, page, staff, make_ticket):
    """The whole loop through the sandbox portal, to the Support placement's My requests."""
    import re
    from urllib.parse import urljoin

    from b24.lifecycle import portal_by_member

    portal = sandbox.add_portal("answered", lang="en")
    assert sandbox.install(portal).status_code == 200
    with app.app_context():
        portal_id = portal_by_member(portal.member_id).id
    number = make_ticket(portal_id, b24_user_id=1, what_obtained="Refund button does nothing")

    page.set_extra_http_headers({"Accept-Language": "en"})
    _sign_in(page, live_app, staff.email)
    page.goto(f"{live_app}/console/tickets?q={number}")
    page.click(f"text={number}")
    page.select_option("#kind", "fixed_in_version")
    page.fill("#version", "2.6.0")
    page.fill("#body", "Fixed in 2.6.0: update the app.")
    page.click("text=Send the answer")
    page.wait_for_selector(".notice--success")

    home = sandbox.open(portal)
    found = re.search(r'id="home-my-requests"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="home-my-requests"', home.text)
    assert found, "the Support home has no My requests link"
    import html as html_lib

    page.goto(urljoin(home.url, html_lib.unescape(found.group(1) or found.group(2))))
    row = page.locator(f'tr[data-number="{number}"]')
    assert "Fixed in 2.6.0" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_load_state()
    assert "2.6.0" in page.content() and "Fixed in 2.6.0: update the app." in page.content()
    screenshot(page, "my-requests-answer")
