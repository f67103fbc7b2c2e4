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


def test_metrics_sum_every_gunicorn_workers_counts(app, database_url, tmp_path):
    from tests.ops.metrics_text import samples

    metrics_dir = tmp_path / "prometheus"
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "gunicorn-test-secret",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    with Gunicorn(env, workers=2, threads=1) as server:
        for _ in range(20):  # a new connection each time, so the arbiter's workers share them
            assert requests.get(f"{server.url}/healthz", headers={"Connection": "close"}, timeout=10).ok
        scrapes = [samples(requests.get(f"{server.url}/metrics", headers={"Connection": "close"}, timeout=10).text)
                   for _ in range(4)]
    key = 'b24desk_request_duration_seconds_count{endpoint="home.healthz",method="GET"}'
    # Whichever worker answers the scrape, it reports what all of them counted (startup probes included).
    assert len({scrape[key] for scrape in scrapes}) == 1 and scrapes[0][key] >= 20
    assert scrapes[0]["b24desk_tickets_filed_total"] == 0  # the database's numbers sit beside them
    assert list(metrics_dir.glob("histogram_*.db"))  # the workers wrote where the test told them
