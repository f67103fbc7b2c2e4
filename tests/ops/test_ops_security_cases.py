"""Security cases run against the whole app: oversized bodies, SQL in identifiers, secrets in logs and pages."""

from __future__ import annotations

import logging

import requests
from sqlalchemy import func, select

from b24.models import Portal
from database import db
from ops.ratelimit import hit
from sandbox.wire import flatten


def _portal_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Portal.id)))


def test_an_oversized_event_body_is_refused_before_it_is_read(app, live_app):
    body = "event=ONAPPINSTALL&data[x]=" + "A" * (2 * 1024 * 1024)
    response = requests.post(f"{live_app}/b24/events", data=body, timeout=30,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "at most 1024 KB" in response.json()["error_description"]
    assert _portal_count(app) == 0


def test_an_oversized_json_body_is_refused(client):
    response = client.post("/api/v1/tickets", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                           content_type="application/json")
    assert response.status_code == 413


def test_large_form_fields_below_the_body_limit_change_nothing(app, client):
    # 600 KB in one text field, under MAX_BODY_KB: Werkzeug 3.1.8 refuses the field itself (413), 3.1.9 parses it
    # and the event is refused for what it lacks (400). Either way nothing is stored.
    response = client.post("/b24/events", data={"event": "ONAPPINSTALL", "data[x]": "A" * 600_000})
    assert response.status_code in (400, 413)
    assert _portal_count(app) == 0


SQL = "x' OR '1'='1'; DROP TABLE portal; --"


def test_sql_in_an_events_member_id_is_just_an_unknown_portal(app, sandbox, live_app):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    before = _portal_count(app)
    fields = {"event": "ONAPPUNINSTALL", "data": {"CLEAN": "1"},
              "auth": {"member_id": SQL, "application_token": acme.application_token}}
    response = requests.post(f"{live_app}/b24/events", data=flatten(fields), timeout=10)
    assert response.status_code == 401
    assert _portal_count(app) == before == 1
    with app.app_context():
        assert db.session.execute(select(Portal.status)).scalar_one() == "active"


def test_sql_in_a_frames_member_id_is_refused_and_changes_nothing(app, sandbox):
    acme = sandbox.add_portal("acme")
    url, form = sandbox.frame(acme)
    form["member_id"] = SQL
    assert requests.post(url, data=form, timeout=10).status_code == 401
    assert _portal_count(app) == 0


def test_sql_in_a_rate_limit_key_is_data(app):
    with app.app_context():
        assert hit("submit", SQL, 5, 60)[0] == 1
        assert hit("submit", SQL, 5, 60)[0] == 2
        assert db.session.scalar(select(func.count(Portal.id))) == 0  # the table is still there


def _issued_secrets(sandbox, app) -> set[str]:
    state = sandbox.state
    with state.lock:
        tokens = {g.access_token for g in state.grants.values()} | {g.refresh_token for g in state.grants.values()}
        tokens |= {p.application_token for p in state.portals.values() if p.application_token}
    return tokens | {app.config["B24_CLIENT_SECRET"], app.config["SECRET_KEY"]}


def test_no_token_or_secret_in_logs_or_pages_after_install_events_and_opens(app, sandbox, caplog):
    pages = []
    with caplog.at_level(logging.DEBUG):
        acme = sandbox.add_portal("acme", lang="ru")
        pages.append(sandbox.install(acme).text)  # install frame + installFinish + ONAPPINSTALL event
        pages.append(sandbox.open(acme).text)  # the main page
        sandbox.expire_tokens(acme)
        from b24.lifecycle import check_portal, portal_by_member

        with app.app_context():
            check_portal(portal_by_member(acme.member_id))  # a refresh with client_secret and refresh_token
        sandbox.update(acme, 2)  # ONAPPUPDATE with new tokens, handlers bound again
        pages.append(sandbox.open(acme).text)
    secrets = _issued_secrets(sandbox, app)
    assert len(secrets) >= 8
    logged = caplog.text + "".join(str(getattr(r, "fields", "")) for r in caplog.records)
    assert "b24desk.request" in {r.name for r in caplog.records}
    for secret in secrets:
        assert secret not in logged
        for page in pages:
            assert secret not in page


def test_sql_in_the_consoles_portal_search_and_sort_is_data(app, client):
    import re

    from console.staff import create_user

    with app.app_context():
        create_user("sec@vendor.example", "Sec", "sec-password-12345")
        db.session.add(Portal(member_id="m-sql", domain="shop.bitrix24.ru", status="active", settings={}))
        db.session.commit()
    login = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    assert client.post("/console/login", data={"email": "sec@vendor.example", "password": "sec-password-12345",
                                               "csrf_token": token}).status_code == 302
    for query in ({"q": SQL}, {"sort": SQL}, {"status": SQL}, {"q": "shop%' --"}):
        response = client.get("/console/portals", query_string=query)
        assert response.status_code in (200, 400), (query, response.status_code)
        if "q" in query:
            assert "shop.bitrix24.ru" not in response.get_data(as_text=True), query  # matched as text only
    assert _portal_count(app) == 1
    assert "shop.bitrix24.ru" in client.get("/console/portals", query_string={"q": "shop"}).get_data(as_text=True)
