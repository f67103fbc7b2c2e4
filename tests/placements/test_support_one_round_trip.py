"""One round trip per open: the portal is asked while the OAuth server verifies, and who a user is is remembered.

Real servers on loopback: the app, the sandbox Bitrix24, and where a test needs one, an impostor "portal" that
answers every REST call with a made-up user (it stands at the registry's endpoint the app asks ahead).
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import redis
import requests
from flask import Flask, jsonify
from sqlalchemy import update

from b24.models import Portal
from database import db
from tests.conftest import LiveServer
from tests.placements.support_pages import installed_portal, open_support, text_of

# What the app may call on the platform while a placement opens.
PLATFORM_CALLS = ("oauth.app_info", "oauth.token", "rest")


def _redis_url() -> str | None:
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


@pytest.fixture(params=["database", "redis"])
def user_cache(request, app_config) -> str:
    """Both places the user cache can live: the table (no REDIS_URL) and Redis through Flask-Caching."""
    if request.param == "redis":
        url = _redis_url()
        if url is None:
            pytest.skip("no Redis on 127.0.0.1:6379")
        app_config["REDIS_URL"] = url
        app_config["CACHE_KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:8]}:"  # no other test's entries
    return request.param


@pytest.fixture
def impostor():
    """A server that answers every REST call as a portal whose user is Mallory, an administrator."""
    fake = Flask("impostor")
    asked: list[str] = []

    @fake.post("/rest/<method>.json")
    def answer(method: str):
        asked.append(method)
        user = {"ID": "1", "NAME": "Mallory", "LAST_NAME": "Impostor", "EMAIL": "mallory@evil.test"}
        return jsonify(result={"result": {"user": user, "admin": True, "app": {"LICENSE": "forged"}},
                               "result_error": []}, time={})

    server = LiveServer(fake).start()
    yield server.url + "/rest/", asked
    server.stop()


def platform_calls(sandbox, since: int) -> list[str]:
    return [f"{c.kind}:{c.method}" for c in sandbox.state.calls[since:] if c.kind in PLATFORM_CALLS]


def point_registry_at(app, portal, endpoint: str) -> None:
    with app.app_context():
        db.session.execute(update(Portal).where(Portal.member_id == portal.member_id).values(client_endpoint=endpoint))
        db.session.commit()


def test_an_open_with_the_user_known_asks_only_the_oauth_server(user_cache, app, sandbox):
    portal = installed_portal(sandbox, "acme")
    first = open_support(sandbox, portal)  # nobody of acme known yet: verification and batch, side by side
    assert text_of(first, "ctx-user") == "#1 Anna Petrova <anna@acme.bitrix24.test>, administrator"

    before = len(sandbox.state.calls)
    again = open_support(sandbox, portal)  # a fresh AUTH_ID, as every frame the platform renders brings

    # No user.current, no user.admin, and no app.info either: the portal's answered within PORTAL_INFO_SECONDS.
    assert platform_calls(sandbox, before) == ["oauth.app_info:app.info"]
    assert text_of(again, "ctx-user") == "#1 Anna Petrova <anna@acme.bitrix24.test>, administrator"
    assert "ru_project" in text_of(again, "ctx-app-status")  # the licence the first open's app.info told


def age_portal_info(app, portal, seconds: int) -> None:
    """The portal's app.info answered ``seconds`` ago."""
    with app.app_context():
        asked = db.session.query(Portal).filter_by(member_id=portal.member_id).one().app_info_at
        assert asked is not None
        db.session.execute(update(Portal).where(Portal.member_id == portal.member_id)
                           .values(app_info_at=asked - timedelta(seconds=seconds)))
        db.session.commit()


def test_the_portals_app_info_is_asked_again_after_portal_info_seconds(user_cache, app, sandbox):
    portal = installed_portal(sandbox, "acme")
    open_support(sandbox, portal)
    sandbox.state.portal(portal.member_id).license = "ru_company"  # the portal's licence changed meanwhile
    age_portal_info(app, portal, app.config["PORTAL_INFO_SECONDS"] - 30)
    before = len(sandbox.state.calls)

    within = open_support(sandbox, portal)
    assert platform_calls(sandbox, before) == ["oauth.app_info:app.info"]
    assert "ru_project" in text_of(within, "ctx-app-status")

    age_portal_info(app, portal, 60)  # now past the interval
    before = len(sandbox.state.calls)
    after = open_support(sandbox, portal)

    # Asked side by side with the verification (app.info alone: Anna is known), and the form shows the new licence.
    assert sorted(platform_calls(sandbox, before)) == ["oauth.app_info:app.info", "rest:app.info"]
    assert "ru_company" in text_of(after, "ctx-app-status")
    before = len(sandbox.state.calls)
    open_support(sandbox, portal)
    assert platform_calls(sandbox, before) == ["oauth.app_info:app.info"]  # fresh again


def test_portal_info_seconds_0_asks_the_portals_app_info_on_every_open(app_config, app, sandbox):
    app.config["PORTAL_INFO_SECONDS"] = 0
    portal = installed_portal(sandbox, "acme")
    open_support(sandbox, portal)
    for _ in range(2):
        before = len(sandbox.state.calls)
        open_support(sandbox, portal)
        assert sorted(platform_calls(sandbox, before)) == ["oauth.app_info:app.info", "rest:app.info"]


def test_a_portal_that_did_not_answer_its_app_info_is_asked_again_at_the_next_open(user_cache, app, sandbox):
    portal = installed_portal(sandbox, "acme")
    open_support(sandbox, portal)
    age_portal_info(app, portal, app.config["PORTAL_INFO_SECONDS"] + 1)
    app.config["B24_MAX_RETRIES"] = 1
    sandbox.fail_next(portal, "QUERY_LIMIT_EXCEEDED", times=10, method="app.info")
    page = open_support(sandbox, portal)
    assert "did not answer" in page.text
    with sandbox.state.lock:
        sandbox.state.faults.clear()
    before = len(sandbox.state.calls)

    page = open_support(sandbox, portal)

    assert sorted(platform_calls(sandbox, before)) == ["oauth.app_info:app.info", "rest:app.info"]
    assert "did not answer" not in page.text


def test_the_first_open_asks_the_portal_while_the_oauth_server_verifies(app, sandbox):
    portal = installed_portal(sandbox, "acme")
    beta = installed_portal(sandbox, "beta")
    sandbox.state.rtt_ms = 50
    open_support(sandbox, beta)  # two calls at once: two connections to the platform, kept from here on
    sandbox.state.rtt_ms = 400  # every call to the platform waits this long before it is answered
    before = len(sandbox.state.calls)

    assert open_support(sandbox, portal).status_code == 200

    calls = {c.kind: c.at for c in sandbox.state.calls[before:] if c.kind in ("oauth.app_info", "rest")}
    # Logged as each call arrives past its round trip: one after the other they would be 0.4 s apart.
    assert abs(calls["rest"] - calls["oauth.app_info"]) < 0.2


def test_opens_reuse_their_connections_to_the_platform_instead_of_a_handshake_per_call(app, sandbox):
    portal = installed_portal(sandbox, "acme")
    open_support(sandbox, portal)  # the first open may connect: nothing is kept yet
    before_calls, before_connections = len(sandbox.state.calls), sandbox.state.connections

    for _ in range(5):
        assert open_support(sandbox, portal).status_code == 200  # each with a fresh AUTH_ID

    calls = platform_calls(sandbox, before_calls)
    assert calls.count("oauth.app_info:app.info") == 5  # the verification, every time
    # Over the internet each new connection costs its TCP and TLS handshakes (two round trips) before the call.
    assert sandbox.state.connections - before_connections <= 1


def test_the_user_cache_is_per_portal_another_portals_user_1_is_not_this_ones(user_cache, app, sandbox):
    acme = installed_portal(sandbox, "acme")
    beta = sandbox.add_portal("beta", lang="en", admin_name="Boris", admin_last_name="Orlov")
    assert sandbox.install(beta).status_code == 200
    assert "Anna Petrova" in text_of(open_support(sandbox, acme), "ctx-user")

    before = len(sandbox.state.calls)
    page = open_support(sandbox, beta, user=1)

    assert text_of(page, "ctx-user") == "#1 Boris Orlov <boris@beta.bitrix24.test>, administrator"
    assert "rest:batch" in platform_calls(sandbox, before)  # beta's user 1 was asked for, not taken from acme
    for portal, name in ((acme, "Anna Petrova"), (beta, "Boris Orlov")):
        assert name in text_of(open_support(sandbox, portal), "ctx-user")


def test_a_known_user_is_per_user_too(user_cache, app, sandbox):
    portal = installed_portal(sandbox, "acme")
    open_support(sandbox, portal)  # Anna, user 1, is known now
    before = len(sandbox.state.calls)

    page = open_support(sandbox, portal, user=7)

    assert text_of(page, "ctx-user") == "#7 Ivan Sidorov <ivan@acme.bitrix24.test>, not an administrator"
    assert "rest:batch" in platform_calls(sandbox, before)


def test_an_answer_from_another_endpoint_than_the_oauth_server_names_is_never_used(user_cache, app, sandbox,
                                                                                   impostor):
    endpoint, asked = impostor
    portal = installed_portal(sandbox, "acme")
    point_registry_at(app, portal, endpoint)  # the registry's endpoint is not the one the OAuth server vouches for
    before = len(sandbox.state.calls)

    page = open_support(sandbox, portal)

    assert asked == ["batch"]  # the impostor was asked ahead ...
    assert "Mallory" not in page.text and "forged" not in page.text  # ... and its answer dropped unread
    assert text_of(page, "ctx-user") == "#1 Anna Petrova <anna@acme.bitrix24.test>, administrator"
    assert platform_calls(sandbox, before) == ["oauth.app_info:app.info", "rest:batch"]  # asked again, vouched
    with app.app_context():
        row = db.session.query(Portal).filter_by(member_id=portal.member_id).one()
        assert row.client_endpoint == sandbox.state.client_endpoint(portal)
        assert row.license != "forged"
    assert "Anna Petrova" in text_of(open_support(sandbox, portal), "ctx-user")  # and the cache holds Anna


def test_an_answer_asked_ahead_is_never_used_when_the_oauth_server_refuses_the_token(user_cache, app, sandbox,
                                                                                     impostor):
    endpoint, asked = impostor
    portal = installed_portal(sandbox, "acme")
    point_registry_at(app, portal, endpoint)
    url, form = sandbox.frame(portal, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    form["AUTH_ID"] = "a-token-the-oauth-server-never-issued"

    refused = requests.post(url, data=form, timeout=30)

    assert refused.status_code in (401, 403)
    deadline = time.monotonic() + 5  # the refusal may come back before the question ahead has even landed
    while not asked and time.monotonic() < deadline:
        time.sleep(0.02)
    assert asked == ["batch"]
    assert "Mallory" not in refused.text
    point_registry_at(app, portal, sandbox.state.client_endpoint(portal))
    before = len(sandbox.state.calls)
    page = open_support(sandbox, portal)  # nothing of Mallory was remembered: Anna is asked for
    assert text_of(page, "ctx-user") == "#1 Anna Petrova <anna@acme.bitrix24.test>, administrator"
    assert "rest:batch" in platform_calls(sandbox, before)


def test_a_user_remembered_before_an_uninstall_is_asked_again_after_the_reinstall(user_cache, app, sandbox):
    portal = installed_portal(sandbox, "acme")
    open_support(sandbox, portal)
    sandbox.uninstall(portal)
    assert sandbox.install(portal).status_code == 200
    before = len(sandbox.state.calls)

    open_support(sandbox, portal)

    assert "rest:batch" in platform_calls(sandbox, before)


@pytest.mark.parametrize("days, asked", [(14, False), (1, True), (-2, True)])
def test_a_period_with_a_day_or_less_left_is_asked_about_at_every_open(app, sandbox, days, asked):
    portal = sandbox.add_portal("acme", lang="en")
    portal.app_status, portal.days = "T", days  # a trial: app.info's DAYS counts what is left of it
    portal.payment_expired = "Y" if days < 0 else "N"
    assert sandbox.install(portal).status_code == 200
    open_support(sandbox, portal)
    before = len(sandbox.state.calls)

    open_support(sandbox, portal)

    assert ("rest:app.info" in platform_calls(sandbox, before)) is asked


def test_a_new_users_first_open_of_a_portal_whose_period_is_over_says_so_at_once(app, sandbox):
    # The user is learned and the tokens' renewal asked in one open: on SQLite the remembered user's write held
    # the database's lock that the renewal's own session waited for, until the request timed out.
    portal = sandbox.add_portal("acme", lang="en")
    portal.app_status = "T"
    assert sandbox.install(portal).status_code == 200
    sandbox.require_payment(portal)

    page = open_support(sandbox, portal)

    assert page.status_code == 402
    assert "The trial or paid period" in page.text
