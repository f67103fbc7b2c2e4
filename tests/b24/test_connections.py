"""Outbound calls to Bitrix24 honour the environment's proxy settings (b24/connections.py reads them once)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from b24 import connections

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class Recorder:
    """An HTTP server on loopback that answers every request with its name and keeps the request lines' targets
    (a forward proxy receives the absolute URL: ``GET http://portal.invalid/... HTTP/1.1``)."""

    def __init__(self, name: str):
        self.targets: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 -- http.server's name
                recorder.targets.append(self.path)
                body = name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def proxy():
    recorder = Recorder("proxy")
    yield recorder
    recorder.server.shutdown()


@pytest.fixture
def portal():
    recorder = Recorder("portal")
    yield recorder
    recorder.server.shutdown()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def in_new_thread(url: str) -> str:
    """A call from a thread that has no Session yet (each thread makes its own and reads the environment then)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: connections.session().get(url, timeout=5).text).result()


def test_a_proxy_named_by_the_environment_carries_the_call(monkeypatch, proxy):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert in_new_thread("http://portal.invalid/rest/app.info.json") == "proxy"
    assert proxy.targets == ["http://portal.invalid/rest/app.info.json"]


def test_no_proxy_keeps_its_hosts_direct(monkeypatch, proxy, portal):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert in_new_thread(f"{portal.url}/rest/app.info.json") == "portal"
    assert proxy.targets == []
    assert portal.targets == ["/rest/app.info.json"]


def test_without_a_proxy_the_call_goes_straight_to_the_portal(proxy, portal):
    assert in_new_thread(f"{portal.url}/rest/app.info.json") == "portal"
    assert proxy.targets == []
