"""Real Chromium runs the real @bitrix24/b24jssdk inside the sandbox portal, which speaks Bitrix24's parent side."""

from __future__ import annotations

import pytest

from database import db
from tests.conftest import screenshot
from tests.placements.support_pages import VIDEO, installed_portal, registry_row
from tests.support_factories import make_contract

pytestmark = pytest.mark.browser


def frame_height(page) -> int:
    return round(page.eval_on_selector("#app-frame", "frame => frame.getBoundingClientRect().height"))


def settled_height(page, timeout_ms: int = 5000) -> int:
    """The iframe's height once its resize commands have stopped changing it."""
    last, stable, waited = -1, 0, 0
    while waited < timeout_ms:
        height = frame_height(page)
        stable = stable + 1 if height == last else 0
        if stable >= 3:
            return height
        last = height
        page.wait_for_timeout(150)
        waited += 150
    return last


def test_install_runs_the_library_handshake_and_the_portal_sees_set_install_finish(app, sandbox, page):
    portal = sandbox.add_portal("framed", lang="en")
    page.goto(sandbox.portal_page(portal))

    page.click("#install")
    page.wait_for_url("**install_finished=Y&view=app", timeout=15_000)

    finished = sandbox.calls("frame_in", "setInstallFinish")
    assert [c.member_id for c in finished] == [portal.member_id]
    assert portal.installed
    assert [c.method for c in sandbox.calls("event_out")][:1] == ["ONAPPINSTALL"]
    # The installed app's main page then opens in a new frame named as the library expects.
    name = page.eval_on_selector("#app-frame", "frame => frame.name")
    host, protocol, app_sid = name.split("|")
    assert host == sandbox.url.removeprefix("http://") and protocol == "0" and len(app_sid) == 32
    frame = page.frame_locator("#app-frame")
    assert "support" in frame.locator("h1").first.inner_text(timeout=10_000).lower()
    log = page.evaluate("window.sandboxFrameLog.map(m => m.command)")
    assert log[0] == "getInitData" and "resizeWindow" in log
    screenshot(page, "frame-protocol-installed")


def test_after_sending_a_request_the_frame_shrinks_to_its_content(app, sandbox, page):
    portal = installed_portal(sandbox, "shrink", lang="en")
    with app.app_context():
        from b24.models import Portal

        make_contract(db.session.get(Portal, registry_row(app, portal)), "SUP-SHRINK")
    page.goto(sandbox.portal_page(portal, view="deal"))
    page.click("#placement-CRM_DEAL_DETAIL_TOOLBAR")
    frame = page.frame_locator("#app-frame")
    frame.locator("#support-form").wait_for()
    form_height = settled_height(page)
    content = frame.locator("body").evaluate("b => Math.ceil(b.getBoundingClientRect().height)")
    assert abs(form_height - content) <= 2, (form_height, content)  # the frame grew to the whole form
    screenshot(page, "frame-protocol-form")

    frame.locator("#operator").select_option("click")
    frame.locator("#operator_connection").fill("merchant=77; key=frame-secret")
    frame.locator("#what_done").fill("Pressed Send invoice.")
    frame.locator("#what_expected").fill("A payment link.")
    frame.locator("#what_obtained").fill("Nothing happens.")
    frame.locator("#video").set_input_files(str(VIDEO))
    frame.locator("#submit-request").click()
    frame.locator("#ticket-number").wait_for(timeout=20_000)
    filed_height = settled_height(page)
    filed_content = frame.locator("body").evaluate("b => Math.ceil(b.getBoundingClientRect().height)")
    screenshot(page, "frame-protocol-filed")

    print(f"iframe height: form {form_height}px, after sending {filed_height}px")
    assert filed_height < form_height - 200, (form_height, filed_height)
    assert abs(filed_height - filed_content) <= 2, (filed_height, filed_content)  # no blank area below


def test_the_portal_page_answers_only_its_frame_from_the_handler_origin_with_its_app_sid(app, sandbox, page,
                                                                                         live_app):
    portal = installed_portal(sandbox, "strict", lang="en")
    page.goto(sandbox.portal_page(portal, view="app"))
    page.frame_locator("#app-frame").locator("h1").first.wait_for()
    app_frame = next(f for f in page.frames if f.url.startswith(live_app))
    app_sid = page.eval_on_selector("#app-frame", "frame => frame.name.split('|')[2]")
    page.wait_for_timeout(300)
    before = page.evaluate("window.sandboxFrameLog.length")

    app_frame.evaluate("sid => parent.postMessage('resizeWindow:{\"width\":\"100%\",\"height\":33}:cb1:' + sid,"
                       " '*')", "not-" + app_sid)  # someone else's session
    page.evaluate("sid => window.postMessage('resizeWindow:{\"width\":\"100%\",\"height\":44}:cb2:' + sid, '*')",
                  app_sid)  # not from the frame
    page.wait_for_timeout(300)
    assert page.evaluate("window.sandboxFrameLog.length") == before
    assert frame_height(page) not in (33, 44)

    app_frame.evaluate("sid => parent.postMessage('resizeWindow:{\"width\":\"100%\",\"height\":120}:cb3:' + sid,"
                       " '*')", app_sid)
    page.wait_for_timeout(300)
    assert frame_height(page) == 120
    assert page.evaluate("window.sandboxFrameLog.at(-1)") == {"command": "resizeWindow",
                                                              "params": {"width": "100%", "height": 120}}
