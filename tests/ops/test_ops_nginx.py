"""deploy/nginx.conf for real: HTTPS in front of gunicorn, a 40 MB video streamed through, proxy headers honoured."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from bench import filing
from bench.servers import free_port
from bench.stack import stack

ROOT = Path(__file__).resolve().parents[2]
VIDEO = ROOT / "tests" / "placements" / "data" / "error-recording.webm"


def _site_config(tmp: Path, http_port: int, https_port: int, upstream_port: int) -> Path:
    """deploy/nginx.conf with only ports, certificate paths and the checkout's static folder changed."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)  # no IPv6 needed on loopback
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
    site = site.replace("/etc/letsencrypt/live/desk.example.com/fullchain.pem", str(tmp / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/desk.example.com/privkey.pem", str(tmp / "key.pem"))
    site = site.replace("/opt/b24desk/static/", f"{ROOT}/static/")
    (tmp / "site.conf").write_text(site)
    main = tmp / "nginx.conf"
    main.write_text(
        f"pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp}/body;\n  proxy_temp_path {tmp}/proxy;\n"
        f"  include {tmp}/site.conf;\n}}\n"
    )
    return main


@pytest.fixture
def nginx(tmp_path, monkeypatch):
    if not shutil.which("nginx") or not shutil.which("openssl"):
        pytest.skip("needs nginx and openssl on this machine")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "cert.pem"))  # the sandbox and this test trust it
    ports = {"http": free_port(), "https": free_port(), "upstream": free_port()}
    config = _site_config(tmp_path, ports["http"], ports["https"], ports["upstream"])
    process = subprocess.Popen(["nginx", "-c", str(config), "-g", "daemon off;"], stderr=subprocess.PIPE)
    time.sleep(0.3)
    assert process.poll() is None, process.stderr.read().decode()
    yield ports
    process.send_signal(signal.SIGQUIT)
    process.wait(timeout=10)


def test_the_nginx_example_serves_the_app_over_https_and_streams_a_big_upload(app, database_url, nginx):
    public = f"https://127.0.0.1:{nginx['https']}"
    env = {"PROXY_FIX": "1", "LOG_LEVEL": "INFO", "RATE_LIMITS_OFF": "1"}
    with stack(workers=2, threads=4, portals=1, extra_env=env, database_url=database_url,
               wsgi_app="app:create_app()", gunicorn_port=nginx["upstream"], public_url=public) as setup:
        filing.give_contracts(setup)
        plain = requests.get(f"http://127.0.0.1:{nginx['http']}/healthz", allow_redirects=False, timeout=10)
        health = requests.get(f"{public}/healthz", timeout=10)
        page = requests.post(*_frame(setup), timeout=30)
        video = VIDEO.read_bytes() + b"\0" * (40 * 1024 * 1024)  # a real WebM head, then 40 MB
        parts = filing.submission(setup, 1)
        parts[-2] = ("video", ("error.webm", video, "video/webm"))
        filed = requests.post(filing.form_action(page), files=parts, allow_redirects=False, timeout=120)
        metrics = requests.get(f"{public}/metrics", timeout=10)
        log = setup.gunicorn.output()

    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    assert health.status_code == 200
    assert health.headers["Strict-Transport-Security"].startswith("max-age=")
    assert page.status_code == 200
    assert filing.form_action(page).startswith(f"{public}/placements/support/submit")
    assert filed.status_code == 303, filed.text[:500]
    location = filed.headers["Location"]
    assert location.startswith(("/", public)), location  # never http:// behind the TLS proxy
    assert metrics.status_code == 200  # loopback is in the monitoring allow-list
    from database import db
    from tickets.models import Attachment

    with app.app_context():
        sizes = db.session.execute(db.select(Attachment.size)).scalars().all()
    assert sizes == [len(video)]
    assert '"path": "/placements/support/submit"' in log


def _frame(setup) -> tuple[str, dict]:
    url, form = setup.sandbox.frame(setup.portals[0], filing.PLACEMENT, options=filing.DEAL)
    return url, form
