"""Rate limits counted in the shared database: per key, per portal and per user, with 429 and Retry-After."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import request

from app import create_app
from database import db
from ops.ratelimit import RateLimited, by_remote_addr, check, hit, limit_submission, rate_limit


def _limited_app(app_config, limit: int = 3):
    app = create_app(app_config)

    @app.post("/api/v1/test-submit")
    @rate_limit(lambda req: req.form.get("member_id"), limit, 60, name="test-submit")
    def submit():
        return {"ok": True, "member_id": request.form["member_id"]}

    @app.post("/placements/test-submit")
    @rate_limit(by_remote_addr, "TEST_LIMIT", 60, name="test-page")
    def page():
        return "sent"

    app.config["TEST_LIMIT"] = limit
    return app


def test_the_request_over_the_limit_gets_429_with_retry_after_and_others_pass(app, app_config):
    client = _limited_app(app_config).test_client()
    for _ in range(3):
        assert client.post("/api/v1/test-submit", data={"member_id": "p1"}).status_code == 200
    refused = client.post("/api/v1/test-submit", data={"member_id": "p1"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.get_json()
    assert body["error"] == "rate_limited"
    assert "at most 3 per minute" in body["error_description"]
    # Another portal has its own count.
    assert client.post("/api/v1/test-submit", data={"member_id": "p2"}).status_code == 200


def test_two_workers_share_one_count_through_the_database(app, app_config):
    worker_a = _limited_app(app_config).test_client()
    worker_b = _limited_app(app_config).test_client()
    assert worker_a.post("/api/v1/test-submit", data={"member_id": "p1"}).status_code == 200
    assert worker_b.post("/api/v1/test-submit", data={"member_id": "p1"}).status_code == 200
    assert worker_a.post("/api/v1/test-submit", data={"member_id": "p1"}).status_code == 200
    assert worker_b.post("/api/v1/test-submit", data={"member_id": "p1"}).status_code == 429


def test_the_refusal_page_is_in_the_users_language_with_retry_after(app, app_config):
    client = _limited_app(app_config, limit=1).test_client()
    assert client.post("/placements/test-submit").status_code == 200
    refused = client.post("/placements/test-submit", headers={"Accept": "text/html"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert "Too many requests" in refused.get_data(as_text=True)


def test_concurrent_hits_are_all_counted(app):
    with app.app_context(), ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: _hit_in_context(app), range(40)))
    assert sorted(counts) == list(range(1, 41))  # every hit saw a distinct count: none lost, none doubled


def _hit_in_context(app) -> int:
    with app.app_context():
        return hit("burst", "p1", 100, 3600)[0]


def test_submission_limits_per_portal_and_per_user(app):
    app.config.update(RATE_LIMIT_SUBMISSIONS_PER_PORTAL=4, RATE_LIMIT_SUBMISSIONS_PER_USER=2)
    with app.test_request_context():
        limit_submission("portal-a", 1)
        limit_submission("portal-a", 1)
        with pytest.raises(RateLimited) as user_refusal:
            limit_submission("portal-a", 1)
        assert "You have sent too many" in user_refusal.value.description
        limit_submission("portal-a", 2)  # another user of the same portal still may
        with pytest.raises(RateLimited) as portal_refusal:
            limit_submission("portal-a", 3)  # fifth from the portal: the portal's limit
        assert "This portal has sent too many" in portal_refusal.value.description
        limit_submission("portal-b", 1)  # other portals are untouched


def test_a_limit_of_zero_or_the_off_switch_disables_limiting(app):
    with app.test_request_context():
        for _ in range(5):
            check("off", "p1", 0, 60)
        app.config["RATE_LIMITS_OFF"] = True
        for _ in range(5):
            check("on", "p1", 1, 60)


def test_expired_windows_are_swept(app):
    from ops.models import RateLimitWindow

    with app.app_context():
        hit("sweep", "old", 10, 1)
        import time

        time.sleep(1.1)
        hit("sweep", "new", 10, 1)  # first hit of a new window sweeps the ended ones
        keys = db.session.execute(db.select(RateLimitWindow.key)).scalars().all()
        assert not any(key.startswith("sweep:old:") for key in keys)


def test_a_submission_counts_both_of_its_windows_in_one_statement(app):
    from sqlalchemy import event

    statements: list[str] = []
    with app.test_request_context():
        limit_submission("portal-warm", 1)  # a new window's first hit also sweeps ended windows
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            limit_submission("portal-warm", 1)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and "ON CONFLICT" in statements[0].upper()
