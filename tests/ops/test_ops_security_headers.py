"""Security headers: framing only by the verifying portal, nosniff, referrer policy, Secure cookies."""

from __future__ import annotations

import requests

from app import create_app


def _csp(response) -> str:
    return response.headers["Content-Security-Policy"]


def test_every_response_carries_nosniff_and_a_strict_referrer_policy(client):
    for path in ("/healthz", "/", "/nowhere", "/readyz"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path


def test_pages_outside_a_verified_frame_refuse_framing(client):
    for path in ("/healthz", "/", "/console/", "/console/login", "/api/v1/portals", "/metrics"):
        response = client.get(path)
        assert "frame-ancestors 'none'" in _csp(response), path
    for path in ("/", "/console/", "/console/login"):  # pages people use: X-Frame-Options too
        assert client.get(path).headers["X-Frame-Options"] == "DENY", path


def test_console_pages_and_their_errors_are_never_cached(client):
    """Staff pages hold customers' data: no-store on the page, the sign-in, a redirect and a 404 alike."""
    for path in ("/console/", "/console/login", "/console/no-such-page"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_a_verified_frame_may_be_framed_by_its_own_portal_only(app, sandbox):
    app.config["FRAME_ANCESTORS_EXTRA"] = ""  # as in production: no sandbox page framing the app
    acme = sandbox.add_portal("acme")
    response = sandbox.open(acme)
    assert response.status_code == 200
    assert _csp(response).startswith("frame-ancestors https://acme.bitrix24.test;")
    assert "X-Frame-Options" not in response.headers  # it cannot name an origin; CSP decides


def test_the_installer_is_framed_by_the_installing_portal_and_the_sandbox_page(app, sandbox):
    acme = sandbox.add_portal("acme")
    response = sandbox.install(acme)
    assert response.status_code == 200
    assert _csp(response).startswith(f"frame-ancestors https://acme.bitrix24.test {sandbox.url};")


def test_a_box_portal_on_http_with_a_port_is_named_exactly(app, sandbox):
    app.config["FRAME_ANCESTORS_EXTRA"] = ""
    box = sandbox.add_portal("box", domain="box.example.uz:8080")
    url, form = sandbox.frame(box)
    response = requests.post(url.replace("PROTOCOL=1", "PROTOCOL=0"), data=form, timeout=10)
    assert response.status_code == 200
    assert "frame-ancestors http://box.example.uz:8080;" in _csp(response)


def test_a_forged_frame_request_does_not_get_a_verified_ancestor(app, sandbox):
    app.config["FRAME_ANCESTORS_EXTRA"] = ""
    victim = sandbox.add_portal("victim")
    url, form = sandbox.frame(victim)
    form["AUTH_ID"] = "forged-token"  # the OAuth server does not know it
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 401
    # The error page (no data, no action) may show in the portal the request names, so the user reads why.
    assert "frame-ancestors https://victim.bitrix24.test;" in _csp(response)


def test_a_portal_that_the_oauth_server_contradicts_is_refused_and_not_admitted(app, sandbox):
    app.config["FRAME_ANCESTORS_EXTRA"] = ""
    real, other = sandbox.add_portal("real"), sandbox.add_portal("other")
    url, form = sandbox.frame(real)
    form["member_id"] = other.member_id  # a real token of one portal, posted as another
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 401
    assert other.member_id not in response.text


def test_a_domain_that_would_inject_into_the_csp_is_not_echoed(client):
    evil = "evil.example;%20script-src%20*"
    response = client.post(f"/?DOMAIN={evil}&PROTOCOL=1", data={"AUTH_ID": "x", "member_id": "m"})
    assert response.status_code in (400, 401)
    assert "evil" not in _csp(response)
    assert "frame-ancestors 'none'" in _csp(response)


def test_cookies_are_secure_and_samesite_when_the_app_is_served_over_https(app_config):
    app_config["PUBLIC_URL"] = "https://desk.example.com"
    app = create_app(app_config)

    @app.get("/console/test-cookie")
    def set_cookies():
        from flask import make_response, session

        session["staff"] = 1
        response = make_response("ok")
        response.set_cookie("plain", "1")  # a cookie set without flags still leaves Secure
        return response

    response = app.test_client().get("/console/test-cookie", base_url="https://desk.example.com")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    for cookie in cookies:
        assert "; Secure" in cookie
        assert "SameSite=Lax" in cookie
    assert any("HttpOnly" in c and c.startswith("session=") for c in cookies)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_cookies_stay_usable_on_plain_http_development(app_config):
    app = create_app(app_config)

    @app.get("/console/test-cookie")
    def set_cookie():
        from flask import session

        session["staff"] = 1
        return "ok"

    cookie = app.test_client().get("/console/test-cookie").headers["Set-Cookie"]
    assert "Secure" not in cookie
    assert "SameSite=Lax" in cookie
