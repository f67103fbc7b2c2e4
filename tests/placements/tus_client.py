"""A small tus 1.0 client for tests: the requests a tus client sends, plus a PATCH whose connection drops midway."""

from __future__ import annotations

import base64
import html
import re
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests

TUS = {"Tus-Resumable": "1.0.0"}


def endpoint_and_token(page: requests.Response) -> tuple[str, str]:
    """The form's tus endpoint and its form token, as static/js/uploads.js reads them from the page."""
    endpoint = re.search(r'id="uploads" data-endpoint="([^"]+)"', page.text)
    token = re.search(r'data-form-token="([^"]+)"', page.text)
    assert endpoint and token, "no upload area on the page"
    return urljoin(page.url, html.unescape(endpoint.group(1))), html.unescape(token.group(1))


def metadata(**values: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def create(endpoint: str, length: int, name: str = "recording.webm", role: str = "video",
           headers: dict | None = None) -> requests.Response:
    return requests.post(endpoint, headers={
        **TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(filename=name, role=role), **(headers or {}),
    }, timeout=30)


def location(created: requests.Response) -> str:
    assert created.status_code == 201, created.text[:500]
    return urljoin(created.url, created.headers["Location"])


def head(url: str, headers: dict | None = None) -> requests.Response:
    return requests.head(url, headers={**TUS, **(headers or {})}, timeout=30)


def patch(url: str, data: bytes, offset: int, headers: dict | None = None) -> requests.Response:
    return requests.patch(url, data=data, headers={
        **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream", **(headers or {}),
    }, timeout=60)


def patch_and_drop(url: str, data: bytes, offset: int, send: int) -> None:
    """Announce ``len(data)`` bytes, send only ``send`` of them, then cut the connection (a network drop)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall((
            f"PATCH {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode() + data[:send])
        time.sleep(0.3)  # let the server read what was sent before the line goes dead
        sock.shutdown(socket.SHUT_RDWR)


def upload_rest(url: str, data: bytes, chunk: int, headers: dict | None = None, deadline: float = 30) -> int:
    """Resume as a tus client does: HEAD for the offset, PATCH from there; 409/423 mean ask again shortly."""
    ends = time.monotonic() + deadline
    while time.monotonic() < ends:
        offset = int(head(url, headers).headers["Upload-Offset"])
        if offset == len(data):
            return offset
        answer = patch(url, data[offset:offset + chunk], offset, headers)
        if answer.status_code in (409, 423):
            time.sleep(0.1)
            continue
        assert answer.status_code == 204, answer.text[:500]
    raise AssertionError("upload did not finish")
