"""The production configuration for real: deploy/gunicorn.conf.py serving the app behind a (simulated) proxy."""

from __future__ import annotations

import json

import requests

from bench.servers import Gunicorn


def test_gunicorn_config_serves_the_app_with_json_request_logs_and_proxy_headers(app, database_url):
    env = {"DATABASE_URL": database_url, "PROXY_FIX": "1", "PUBLIC_URL": "https://desk.example.com",
           "SECRET_KEY": "gunicorn-test-secret"}
    with Gunicorn(env, workers=2) as server:
        forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
                     "X-Forwarded-Host": "desk.example.com"}
        health = requests.get(f"{server.url}/healthz", headers=forwarded, timeout=10)
        ready = requests.get(f"{server.url}/readyz", timeout=10)
        leaked = requests.get(f"{server.url}/healthz?AUTH_ID=should-not-be-logged-123", timeout=10)
        output = server.output()
    assert health.status_code == 200
    assert health.headers["Strict-Transport-Security"].startswith("max-age")
    assert ready.status_code in (200, 503)  # the lead's migrations decide; the endpoint answers either way
    assert leaked.status_code == 200
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    requests_logged = [line for line in lines if line.get("event") == "request"]
    assert {line["path"] for line in requests_logged} >= {"/healthz", "/readyz"}
    proxied = next(line for line in requests_logged if line.get("remote") == "203.0.113.7")
    assert proxied["status"] == 200
    assert "should-not-be-logged-123" not in output
    assert not any(line.startswith("127.0.0.1 - -") for line in output.splitlines())  # no access log
