"""Reading the Support pages the way a browser would: the form's action, the tokens in links, element text."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urljoin

import requests

from b24.lifecycle import portal_by_member

VIDEO = Path(__file__).parent / "data" / "error-recording.webm"  # 1.5 s VP8, recorded by Chromium
DEAL = {"ID": "8061"}


def installed_portal(sandbox, name: str, lang: str = "en"):
    portal = sandbox.add_portal(name, lang=lang)
    answer = sandbox.install(portal)
    assert answer.status_code == 200, answer.text[:500]
    return portal


def registry_row(app, sandbox_portal):
    with app.app_context():
        row = portal_by_member(sandbox_portal.member_id)
        return row.id


def open_support(sandbox, portal, *, placement: str = "CRM_DEAL_DETAIL_TOOLBAR", options=None, user: int = 1,
                 headers: dict | None = None) -> requests.Response:
    url, form = sandbox.frame(portal, placement, options=DEAL if options is None else options, user=user)
    return requests.post(url, data=form, headers=headers or {}, timeout=30)


def form_action(page: requests.Response) -> str:
    match = re.search(r'<form id="support-form"[^>]*action="([^"]+)"', page.text, re.S)
    assert match, "no request form on the page"
    return urljoin(page.url, html.unescape(match.group(1)))


def link(page: requests.Response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="{element_id}"', page.text)
    assert match, f"no link #{element_id}"
    return urljoin(page.url, html.unescape(match.group(1) or match.group(2)))


def text_of(page: requests.Response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page.text, re.S)
    assert match, f"no element #{element_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def good_fields(**overrides) -> dict[str, str]:
    fields = {
        "category": "error",
        "contract_number": "SUP-2026-17",
        "operator": "payme",
        "operator_connection": "merchant_id=5f1; secret_key=TOP-SECRET-42",
        "what_done": "Opened deal 8061 and pressed Send invoice.",
        "what_expected": "The customer receives a Payme link.",
        "what_obtained": "The button spins forever.",
        "video_url": "",
        "contact_email": "anna@acme.uz",
        "contact_telegram": "@anna_acme",
        "contact_phone": "+998 90 111-22-33",
        "page": "https://acme.bitrix24.test/crm/deal/details/8061/",
    }
    fields.update(overrides)
    return fields


def submit(page: requests.Response, fields: dict, files: list | None = None, **kwargs) -> requests.Response:
    """Post the form as a browser does: every field, then the video, then the other files (multipart)."""
    parts = [(name, (None, value)) for name, value in fields.items()]
    files = files or []
    videos = [(f[1], f[2], f[3]) for f in files if f[0] == "video"] or [("", b"", "application/octet-stream")]
    parts += [("video", video) for video in videos]  # an unchosen file input still sends an empty part
    parts.append(("after_video", (None, "1")))
    parts += [(f[0], (f[1], f[2], f[3])) for f in files if f[0] != "video"]
    return requests.post(form_action(page), files=parts, timeout=60, **kwargs)


def video_part() -> tuple[str, str, bytes, str]:
    return ("video", "error-recording.webm", VIDEO.read_bytes(), "video/webm")
