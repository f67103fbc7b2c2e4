"""The recorder window's token over HTTP: it opens the recorder page and uploads for one form, nothing more."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import requests

from tests.placements import tus_client as tus
from tests.placements.support_pages import good_fields
from tests.placements.test_support_tus import ready_form, recording, submit


def recorder_link(page: requests.Response) -> str:
    match = re.search(r'id="record-error" data-recorder-url="([^"]+)"', page.text)
    assert match, "no Record the error button"
    return urljoin(page.url, html.unescape(match.group(1)))


def test_the_recorder_uploads_for_its_form_and_stops_once_the_form_is_sent(app, sandbox):
    _portal, page = ready_form(app, sandbox)
    link = recorder_link(page)
    recorder = requests.get(link, timeout=30)
    assert recorder.status_code == 200 and 'id="rec-start"' in recorder.text
    assert recorder.headers["Cache-Control"] == "no-store"
    endpoint = urljoin(recorder.url, html.unescape(re.search(r'data-endpoint="([^"]+)"', recorder.text).group(1)))
    assert "r=" in endpoint and "f=" not in endpoint

    video = recording(40_000)
    created = tus.create(endpoint, len(video), name="error-recording.webm")
    url = tus.location(created)
    assert "r=" in created.headers["Location"]
    assert tus.patch(url, video, 0).status_code == 204

    key = url.split("?")[0].rsplit("/", 1)[1]
    filed = submit(page, [*good_fields().items(), ("upload", key)])  # the iframe's form sends the recording
    assert filed.status_code == 200 and "/filed?" in filed.url, filed.text[:1000]
    late = tus.create(endpoint, 100)
    assert late.status_code == 409  # the form is sent: its recorder can upload nothing more


def test_a_form_token_is_not_a_recorder_token_and_the_other_way_round(app, sandbox):
    _portal, page = ready_form(app, sandbox)
    endpoint, form_token = tus.endpoint_and_token(page)
    assert requests.get(endpoint.split("/uploads")[0] + "/recorder?r=" + form_token, timeout=30).status_code == 403
    recorder_token = recorder_link(page).split("r=", 1)[1]
    as_form = requests.post(form_action_with(page, recorder_token), files=[("what_done", (None, "x"))], timeout=30)
    assert as_form.status_code == 403


def form_action_with(page: requests.Response, token: str) -> str:
    from tests.placements.support_pages import form_action

    return form_action(page).split("?")[0] + "?f=" + token
