"""Issue 15 against the sandbox over loopback: payments, tokens that heal, renewal, the REST log, DOMAIN ports."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, update

from b24.calls import RestCall
from b24.models import Portal
from database import db, utcnow

ROOT = Path(__file__).resolve().parents[2]


def _portal(app, member_id: str) -> Portal:
    with app.app_context():
        portal = db.session.execute(select(Portal).where(Portal.member_id == member_id)).scalar_one()
        portal.kinds = [e.kind for e in portal.history]
        db.session.expunge(portal)
        return portal


def _env(app) -> dict[str, str]:
    return {
        **os.environ,
        "LC_ALL": "C.UTF-8",  # the tests read the commands' English (i18n.cli_language)
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "B24_CLIENT_ID": app.config["B24_CLIENT_ID"],
        "B24_CLIENT_SECRET": app.config["B24_CLIENT_SECRET"],
        "B24_OAUTH_URL": app.config["B24_OAUTH_URL"],
        "B24_TRUSTED_OAUTH_URLS": "",
        "PUBLIC_URL": app.config["PUBLIC_URL"],
        "B24_PLACEMENTS": app.config["B24_PLACEMENTS"],
        "B24_SCOPES": app.config["B24_SCOPES"],
        "LOG_FORMAT": "text",
    }


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(model))


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _flask(app, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=_env(app),
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def acme(sandbox):
    portal = sandbox.add_portal("acme", lang="en")
    sandbox.install(portal)
    return portal


# --- 3. payment ---------------------------------------------------------------------------------------


def test_onapppayment_is_recorded(app, sandbox, acme):
    # data as api-reference/common/events/on-app-payment.md documents it
    responses = sandbox.send_event(acme, "ONAPPPAYMENT", {
        "CODE": app.config["B24_CLIENT_ID"], "VERSION": 1, "STATUS": "P", "PAYMENT_EXPIRED": "N", "DAYS": 28,
        "LANGUAGE_ID": "en",
    })
    assert [r.status_code for r in responses] == [200]
    portal = _portal(app, acme.member_id)
    assert (portal.app_status, portal.payment_expired, portal.payment_days) == ("P", "N", 28)
    assert "payment_event" in portal.kinds


def test_a_forged_payment_event_changes_nothing(app, sandbox, acme, live_app):
    body = {"event": "ONAPPPAYMENT", "data[STATUS]": "P", "data[PAYMENT_EXPIRED]": "N", "data[DAYS]": "999",
            "auth[member_id]": acme.member_id, "auth[domain]": acme.domain, "auth[application_token]": "forged"}
    response = requests.post(f"{live_app}/b24/events", data=body, timeout=10)
    assert response.status_code == 401
    portal = _portal(app, acme.member_id)
    assert portal.payment_days is None and "payment_event" not in portal.kinds


# --- 4. tokens that heal, and renewal -----------------------------------------------------------------


def _kill_tokens(app, sandbox, acme) -> None:
    sandbox.expire_tokens(acme)
    sandbox.revoke_refresh(acme)
    result = _flask(app, "portals", "check", acme.member_id)
    assert result.returncode != 0
    assert _portal(app, acme.member_id).token_health == "needs_reauth"


def test_dead_tokens_are_healed_by_an_admin_opening_the_app(app, sandbox, acme):
    _kill_tokens(app, sandbox, acme)

    page = sandbox.open(acme)  # the admin (user 1) opens the app's main page

    assert page.status_code == 200
    healed = _portal(app, acme.member_id)
    assert healed.token_health == "ok" and not healed.needs_reauth
    assert healed.kinds[-1] == "tokens_renewed"
    # the stored tokens work again: a check from another process succeeds with them
    sandbox.expire_tokens(acme)
    result = _flask(app, "portals", "check", acme.member_id)
    assert result.returncode == 0, result.stderr
    assert "version 1" in result.stdout


def test_a_user_who_is_not_an_admin_does_not_replace_dead_tokens(app, sandbox, acme):
    _kill_tokens(app, sandbox, acme)
    page = sandbox.open(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"}, user=7)
    assert page.status_code == 200
    assert _portal(app, acme.member_id).token_health == "needs_reauth"


def _age(app, member_id: str, days: int) -> None:
    with app.app_context():
        db.session.execute(update(Portal).where(Portal.member_id == member_id)
                           .values(token_refreshed_at=utcnow() - timedelta(days=days)))
        db.session.commit()


def test_renew_refreshes_only_the_old_ones_once_each_with_two_processes_at_once(app, sandbox):
    old = [sandbox.add_portal(f"old{i}") for i in range(3)]
    fresh = sandbox.add_portal("fresh")
    for portal in [*old, fresh]:
        sandbox.install(portal)
    for portal in old:
        _age(app, portal.member_id, 45)
    _age(app, fresh.member_id, 3)
    before = {p.member_id: _portal(app, p.member_id).refresh_token for p in [*old, fresh]}
    refreshes_before = len(sandbox.calls("oauth.token", "refresh_token"))

    runs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "portals", "renew"], cwd=ROOT,
                             env=_env(app), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    # each old portal refreshed exactly once between the two processes; the fresh one not at all
    assert len(sandbox.calls("oauth.token", "refresh_token")) - refreshes_before == 3
    renewed = [line.split()[1] for out, _ in outputs for line in out.splitlines() if line.startswith("renewed ")]
    assert sorted(renewed) == sorted(p.member_id for p in old)
    for portal in old:
        now = _portal(app, portal.member_id)
        assert now.refresh_token != before[portal.member_id] and now.token_age_days == 0
        assert now.token_health == "ok"
    assert _portal(app, fresh.member_id).refresh_token == before[fresh.member_id]
    # the renewed tokens work
    result = _flask(app, "portals", "check", old[0].member_id)
    assert result.returncode == 0, result.stderr


def test_renew_older_than_takes_days(app, sandbox, acme):
    _age(app, acme.member_id, 10)
    assert "0 renewed" in _flask(app, "portals", "renew").stdout
    result = _flask(app, "portals", "renew", "--older-than", "7")
    assert f"renewed {acme.member_id}" in result.stdout
    bad = _flask(app, "portals", "renew", "--older-than", "-1")
    assert bad.returncode == 2 and "older-than" in bad.stderr


# --- 6. the REST call log -----------------------------------------------------------------------------


def test_the_rest_log_holds_the_calls_of_a_placement_open_and_no_token(app, sandbox, acme):
    # The install's own rows (user.admin, the bindings) may still be landing: count only calls made from now on.
    since = utcnow()
    url, form = sandbox.frame(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    page = requests.post(url, data=form, timeout=30)
    assert page.status_code == 200

    def opened() -> list:
        with app.app_context():
            return db.session.execute(select(RestCall).where(RestCall.at >= since)).scalars().all()

    # the rows are written just after the page has been sent, off the user's time
    assert _wait_for(lambda: len(opened()) == 1)
    rows = opened()
    with app.app_context():
        portal_id = db.session.execute(select(Portal.id).where(Portal.member_id == acme.member_id)).scalar_one()
        dump = db.session.execute(db.text("SELECT * FROM rest_call")).all()
    assert [(r.method, r.http_status, r.error_code, r.portal_id) for r in rows] == [
        ("batch:user.current,user.admin,app.info", 200, None, portal_id)]
    assert rows[0].duration_ms >= 0 and rows[0].at is not None
    text = repr(dump)
    assert form["AUTH_ID"] not in text and form["REFRESH_ID"] not in text and acme.application_token not in text


def test_rest_log_shows_errors_and_is_listed_by_the_cli(app, sandbox, acme):
    sandbox.fail_next(acme, "QUERY_LIMIT_EXCEEDED", times=1)
    assert _flask(app, "portals", "check", acme.member_id).returncode == 0
    result = _flask(app, "portals", "calls", acme.member_id)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["TIME", "METHOD", "HTTP", "MS", "ERROR"]
    assert any("app.info" in line and " 503 " in line and "QUERY_LIMIT_EXCEEDED" in line for line in lines)
    assert any("app.info" in line and " 200 " in line for line in lines)
    assert _flask(app, "portals", "calls", "nobody").returncode == 1


def test_rest_log_is_pruned_after_rest_log_days(app, sandbox, acme):
    def settled() -> bool:  # the install's rows are written after its answers went out: let them land first
        before = _count(app, RestCall)
        time.sleep(4 * app.config["REST_LOG_FLUSH_SECONDS"])
        return _count(app, RestCall) == before

    assert _wait_for(settled)
    with app.app_context():
        db.session.execute(update(RestCall).values(at=utcnow() - timedelta(days=8)))
        db.session.commit()
        old = db.session.scalar(select(db.func.count(RestCall.id)))
    result = _flask(app, "portals", "renew")
    assert f"{old} old REST log rows pruned" in result.stdout
    with app.app_context():
        assert db.session.scalar(select(db.func.count(RestCall.id)).where(
            RestCall.at < utcnow() - timedelta(days=7))) == 0


# --- 7. DOMAIN with a port ----------------------------------------------------------------------------


@pytest.mark.parametrize("port", [":443", ":80"])
def test_domain_with_a_default_port_is_the_same_portal(app, sandbox, acme, port):
    url, form = sandbox.frame(acme)
    url = url.replace(f"DOMAIN={acme.domain}", f"DOMAIN={acme.domain}{port}")
    page = requests.post(url, data=form, timeout=30)
    assert page.status_code == 200, page.text
    assert _portal(app, acme.member_id).domain == acme.domain


def test_domain_with_another_port_is_another_portal(app, sandbox, acme):
    url, form = sandbox.frame(acme)
    page = requests.post(url.replace(f"DOMAIN={acme.domain}", f"DOMAIN={acme.domain}:8443"), data=form, timeout=30)
    assert page.status_code == 401
