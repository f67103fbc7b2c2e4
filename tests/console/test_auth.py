"""Console sign-in: sessions, CSRF, the attempt limit, framing headers, the CLI and the language switch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from database import db, utcnow
from staff.models import LoginAttempt, StaffUser
from tests.console.conftest import PASSWORD, ConsoleClient, csrf_from

PAGES = ["/console/", "/console/portals", "/console/portals.csv", "/console/portals/1", "/console/tickets",
         "/console/tickets/TU-2026-00001", "/console/contracts", "/console/contracts/new", "/console/operators",
         "/console/operators/new", "/console/tickets/TU-2026-00001/attachments/1"]


def _login(client, email, password, token=None):
    if token is None:
        token = csrf_from(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login", data={"email": email, "password": password, "csrf_token": token})


def test_every_page_without_a_session_sends_to_the_login_page(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/console/login?next="), url


def test_a_post_without_a_session_is_refused_and_changes_nothing(client, make_portal, app):
    portal_id = make_portal()
    response = client.post(f"/console/portals/{portal_id}/block", data={"reason": "x"})
    assert response.status_code == 400
    with app.app_context():
        from b24.models import Portal
        assert db.session.get(Portal, portal_id).status == "active"


def test_signing_in_with_the_right_password_opens_the_console(client, staff):
    response = _login(client, staff.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/console/portals"
    page = client.get("/console/portals", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and staff.name in page.get_data(as_text=True)


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, staff):
    token = csrf_from(client.get("/console/login?next=/console/tickets").get_data(as_text=True))
    response = client.post("/console/login", data={"email": staff.email, "password": PASSWORD,
                                                   "csrf_token": token, "next": "/console/tickets"})
    assert response.headers["Location"] == "/console/tickets"
    token = csrf_from(client.get("/console/tickets").get_data(as_text=True))
    client.post("/console/logout", data={"csrf_token": token})
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": staff.email, "password": PASSWORD,
                                                   "csrf_token": token, "next": "//evil.test/console"})
    assert response.headers["Location"] == "/console/portals"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, staff):
    wrong = _login(client, staff.email, "not the password")
    unknown = _login(client, "nobody@vendor.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password" in wrong.get_data(as_text=True)
    assert client.get("/console/portals").status_code == 302


def test_login_without_the_csrf_token_is_refused(client, staff):
    client.get("/console/login")
    response = client.post("/console/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/console/portals").status_code == 302


def test_a_refused_token_is_a_clear_page_in_the_console_language(client, staff):
    client.get("/console/lang/ru?next=/console/login")
    response = client.post("/console/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 400
    assert "Обновите страницу" in response.get_data(as_text=True)
    client.get("/console/lang/en?next=/console/login")
    response = client.post("/console/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400 and "Reload the page" in response.get_data(as_text=True)
    assert client.get("/console/portals").status_code == 302


def test_a_token_from_another_session_is_refused(app, staff):
    other = app.test_client()
    foreign = csrf_from(other.get("/console/login").get_data(as_text=True))
    client = app.test_client()
    client.get("/console/login")
    assert _login(client, staff.email, PASSWORD, token=foreign).status_code == 400


def test_the_attempt_limit_stops_guessing_even_with_the_right_password_then(app, client, staff):
    for _ in range(5):
        assert _login(client, staff.email, "guess").status_code == 401
    blocked = _login(client, staff.email, PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    assert client.get("/console/portals").status_code == 302
    # The limit is per IP and email: the same person from another address is not locked out.
    other_ip = app.test_client()
    token = csrf_from(other_ip.get("/console/login").get_data(as_text=True))
    ok = other_ip.post("/console/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert ok.status_code == 302
    with app.app_context():
        stored = db.session.execute(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.ip == "127.0.0.1")).scalar_one()
        assert stored == 5  # the refused sixth attempt is not even recorded as a guess


@pytest.fixture
def low_ip_ceiling(app_config):
    app_config["CONSOLE_LOGIN_MAX_ATTEMPTS_PER_IP"] = 3


def test_one_ip_guessing_across_many_emails_hits_the_ip_ceiling(low_ip_ceiling, client, staff, app):
    for n in range(3):
        assert _login(client, f"someone{n}@vendor.test", "guess").status_code == 401
    assert _login(client, staff.email, PASSWORD).status_code == 429
    other_ip = app.test_client()
    token = csrf_from(other_ip.get("/console/login").get_data(as_text=True))
    ok = other_ip.post("/console/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": "10.0.0.8"})
    assert ok.status_code == 302


def test_old_failures_fall_out_of_the_window(app, client, staff):
    with app.app_context():
        for _ in range(5):
            db.session.add(LoginAttempt(ip="127.0.0.1", email=staff.email, at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert _login(client, staff.email, PASSWORD).status_code == 302
    with app.app_context():  # pruned once they stop counting
        assert db.session.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == 0


def test_every_console_response_refuses_framing(client, console):
    for response in (client.get("/console/portals"), client.get("/console/login"),
                     client.get("/console/nowhere"), client.get("/console/portals/999")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in client.get("/healthz").headers


def test_the_session_cookie_is_httponly_lax_and_expires(client, staff, app):
    response = _login(client, staff.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # PUBLIC_URL is http in tests


@pytest.fixture
def served_over_https(app_config):
    app_config["PUBLIC_URL"] = "https://desk.vendor.test"


def test_the_cookie_is_secure_when_the_console_is_served_over_https(served_over_https, make_staff, client):
    user = make_staff()
    response = _login(client, user.email, PASSWORD)
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_session_older_than_its_lifetime_is_refused_by_the_server(client, console, app):
    assert client.get("/console/portals").status_code == 200
    lifetime = app.config["CONSOLE_SESSION_MINUTES"]
    with client.session_transaction() as session:
        session["signed_at"] = (utcnow() - timedelta(minutes=lifetime + 1)).isoformat()
    assert client.get("/console/portals").status_code == 302


def test_logging_out_voids_a_copied_session_cookie(app, client, console):
    stolen = client.get_cookie("session").value
    assert console.post("/console/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/console/portals").status_code == 302


def test_logging_out_ends_the_accounts_sessions_in_other_browsers_too(app, client, console, staff):
    other = ConsoleClient(app.test_client(), staff.email)
    assert other.get("/console/tickets").status_code == 200
    assert console.post("/console/logout").status_code == 302
    response = other.get("/console/tickets?status=new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=%2Fconsole%2Ftickets%3Fstatus%3Dnew"


def test_a_deactivated_account_loses_its_session(app, client, console, staff):
    with app.app_context():
        db.session.get(StaffUser, staff.id).active = False
        db.session.commit()
    assert client.get("/console/portals").status_code == 302


def test_create_user_command_hashes_the_password_and_sets_the_flag(app, runner):
    result = runner.invoke(args=["console", "create-user", "Sec@Vendor.test", "--name", "Sam Sec", "--vulnerabilities",
                                 "--password-stdin"], input="a long secret phrase\n")
    assert result.exit_code == 0, result.output
    assert "a long secret phrase" not in result.output
    with app.app_context():
        user = db.session.execute(select(StaffUser).where(StaffUser.email == "sec@vendor.test")).scalar_one()
        assert user.can_see_vulnerabilities and user.password_hash != "a long secret phrase"
    client = app.test_client()
    assert _login(client, "sec@vendor.test", "a long secret phrase").status_code == 302


def test_create_user_takes_the_password_as_an_option_and_says_what_it_needs_without_one(app, runner):
    given = runner.invoke(args=["console", "create-user", "opt@vendor.test", "--name", "Opt", "--password",
                                "another long secret"])
    assert given.exit_code == 0, given.output
    assert _login(app.test_client(), "opt@vendor.test", "another long secret").status_code == 302
    missing = runner.invoke(args=["console", "create-user", "none@vendor.test", "--name", "None"], input="")
    assert missing.exit_code == 2
    assert "--password" in missing.output and "--password-stdin" in missing.output
    assert "Aborted" not in missing.output
    both = runner.invoke(args=["console", "create-user", "both@vendor.test", "--name", "B", "--password",
                               "another long secret", "--password-stdin"], input="x\n")
    assert both.exit_code == 2 and "not both" in both.output
    helptext = runner.invoke(args=["console", "create-user", "--help"]).output
    assert "--password-stdin" in helptext and "--password TEXT" in helptext
    with app.app_context():
        emails = set(db.session.execute(select(StaffUser.email)).scalars())
    assert emails == {"opt@vendor.test"}


def test_create_user_refuses_a_short_password_and_a_duplicate(app, runner, staff):
    short = runner.invoke(args=["console", "create-user", "x@vendor.test", "--name", "X", "--password", "short"])
    assert short.exit_code != 0 and "at least" in short.output
    dup = runner.invoke(args=["console", "create-user", staff.email, "--name", "X", "--password", "long enough pw"])
    assert dup.exit_code != 0 and "already exists" in dup.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(StaffUser)).scalar_one() == 1


def test_language_follows_accept_language_then_the_switch(client):
    assert "Вход в консоль" in client.get("/console/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(
        as_text=True)
    client.get("/console/lang/en?next=/console/login")
    assert "Sign in to the console" in client.get("/console/login", headers={"Accept-Language": "ru"}).get_data(
        as_text=True)
    response = client.get("/console/lang/ru?next=https://evil.test/")
    assert response.headers["Location"] == "/console/login"


def test_console_client_helper_signs_in(client, staff):
    assert ConsoleClient(client, staff.email).get("/console/tickets").status_code == 200
