"""Outbound calls to Bitrix24 honour the environment's proxy settings (b24/connections.py reads them once)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from b24 import connections

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class Recorder:
    """An HTTP server on loopback that answers every request with its name and keeps the request lines' targets
    (a forward proxy receives the absolute URL: ``GET http://portal.invalid/... HTTP/1.1``)."""

    def __init__(self, name: str, tls: tuple[str, str] | None = None):
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
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
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


def certificate(directory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: (certificate file, key file); the certificate is its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "portal.pem", directory / "portal.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_the_ca_bundle_the_environment_names_is_trusted(monkeypatch, tmp_path, variable):
    cert_file, key_file = certificate(tmp_path)
    portal = Recorder("portal over TLS", tls=(cert_file, key_file))
    try:
        with pytest.raises(requests.exceptions.SSLError):  # a CA nobody named is not trusted
            in_new_thread(f"{portal.url}/rest/app.info.json")
        monkeypatch.setenv(variable, cert_file)
        assert in_new_thread(f"{portal.url}/rest/app.info.json") == "portal over TLS"
    finally:
        portal.server.shutdown()
