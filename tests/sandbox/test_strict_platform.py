"""The sandbox refuses what Bitrix24 refuses: scopes, user fields, placements, payment, limits, deleted portals.

Every answer is read off the wire over loopback, as the app would read it.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.wrappers import Request, Response

from tests.conftest import LiveServer


@pytest.fixture
def scopes() -> str:
    return "crm,placement,user_brief"


@pytest.fixture
def sandbox(sandbox, scopes):
    """The vendor cabinet's registration under test; the app itself keeps its declared B24_SCOPES (its start-up
    check refuses a declaration that does not cover what it binds and calls)."""
    sandbox.state.scopes = scopes
    return sandbox


class Receiver:
    """An event handler on loopback that keeps every form it is posted."""

    def __init__(self):
        self.forms: list[list[tuple[str, str]]] = []
        self._lock = threading.Lock()
        self.server = LiveServer(self._wsgi).start()
        self.url = f"{self.server.url}/events"

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.forms.append(list(request.form.items(multi=True)))
        return Response("ok")(environ, start_response)


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.stop()


def token(sandbox, portal, user: int = 1) -> str:
    return sandbox.state.issue(portal, user).access_token


def rest(sandbox, portal, method: str, auth: str | None, **params) -> requests.Response:
    body = {**params, **({"auth": auth} if auth else {})}
    return requests.post(f"{sandbox.state.client_endpoint(portal)}{method}.json", json=body, timeout=10,
                         allow_redirects=False)


def oauth_refresh(sandbox, refresh_token: str) -> requests.Response:
    state = sandbox.state
    return requests.get(f"{sandbox.url}/oauth/token/", params={
        "grant_type": "refresh_token", "client_id": state.client_id, "client_secret": state.client_secret,
        "refresh_token": refresh_token}, timeout=10)


# --- scopes ----------------------------------------------------------------------------------------------


def test_tokens_app_info_frames_and_events_carry_exactly_the_registered_scopes(sandbox, receiver):
    acme = sandbox.add_portal("acme")
    admin = token(sandbox, acme)
    assert rest(sandbox, acme, "event.bind", admin, event="ONAPPUPDATE", handler=receiver.url).status_code == 200

    url, form = sandbox.frame(acme)
    assert form["APPLICATION_SCOPE"] == "crm,placement,user_brief"
    info = requests.get(f"{sandbox.url}/rest/app.info/", params={"auth": form["AUTH_ID"]}, timeout=10).json()
    assert info["result"]["scope"] == info["result"]["install"]["scope"] == "crm,placement,user_brief"
    renewed = oauth_refresh(sandbox, form["REFRESH_ID"]).json()
    assert renewed["scope"] == "crm,placement,user_brief"
    assert renewed["domain"] == urlsplit(sandbox.url).netloc  # the authorization server's, not the portal's
    assert rest(sandbox, acme, "scope", admin).json()["result"] == ["crm", "placement", "user_brief"]

    sandbox.update(acme, 2)
    [event] = receiver.forms
    assert dict(event)["auth[scope]"] == "crm,placement,user_brief"


@pytest.mark.parametrize("scopes, shown, hidden", [
    ("crm,placement,user_brief", {"ID", "NAME", "LAST_NAME", "SECOND_NAME", "TITLE", "PERSONAL_PHOTO", "TIME_ZONE",
                                  "IS_ONLINE", "WORK_POSITION"}, {"EMAIL", "WORK_PHONE", "PERSONAL_MOBILE"}),
    ("crm,placement,user_basic", {"EMAIL", "WORK_PHONE", "PERSONAL_MOBILE", "PERSONAL_PHONE"}, {"LAST_LOGIN"}),
    ("crm,placement,user", {"EMAIL", "LAST_LOGIN", "PERSONAL_WWW", "PERSONAL_ICQ"}, set()),
])
def test_user_current_reveals_the_fields_of_the_granted_user_scope(sandbox, scopes, shown, hidden):
    acme = sandbox.add_portal("acme")
    answer = rest(sandbox, acme, "user.current", token(sandbox, acme))
    assert answer.status_code == 200
    user = answer.json()["result"]
    assert shown <= set(user) and not hidden & set(user)
    assert user["ID"] == "1" and user["NAME"] == "Anna"
    if "EMAIL" in user:
        assert user["EMAIL"] == f"anna@{acme.domain}"


@pytest.mark.parametrize("scopes", ["placement"])
def test_a_method_outside_the_scopes_is_insufficient_scope_alone_and_in_a_batch(sandbox, scopes):
    acme = sandbox.add_portal("acme")
    admin = token(sandbox, acme)
    for method in ("user.current", "crm.deal.get"):
        answer = rest(sandbox, acme, method, admin, id=8061)
        assert answer.status_code == 403
        assert answer.json()["error"] == "insufficient_scope"
    batch = rest(sandbox, acme, "batch", admin, halt=0, cmd={"me": "user.current", "app": "app.info"})
    assert batch.status_code == 200  # a batch answers 200 and files each refusal under its key
    result = batch.json()["result"]
    assert result["result_error"]["me"]["error"] == "insufficient_scope"
    assert result["result"]["app"]["INSTALLED"] is False


def test_placement_bind_refuses_a_placement_the_scopes_do_not_cover_and_unknown_codes(sandbox):
    acme = sandbox.add_portal("acme")
    admin = token(sandbox, acme)
    handler = "https://app.test/placements/support"
    for code in ("USER_PROFILE_MENU", "USER_PROFILE_TOOLBAR", "TASK_VIEW_TAB", "CRM_NOTHING_DETAIL_TAB", "DEFAULT"):
        answer = rest(sandbox, acme, "placement.bind", admin, PLACEMENT=code, HANDLER=handler)
        assert (answer.status_code, answer.json()["error"]) == (400, "ERROR_PLACEMENT_NOT_FOUND"), code
    for code in ("CRM_DEAL_DETAIL_TOOLBAR", "CRM_DYNAMIC_183_DETAIL_TAB", "LEFT_MENU", "REST_APP_URI"):
        answer = rest(sandbox, acme, "placement.bind", admin, PLACEMENT=code, HANDLER=handler)
        assert answer.json() == {"result": True, "time": answer.json()["time"]}, code
    bound = rest(sandbox, acme, "placement.get", admin).json()["result"]
    assert [p["key"] for p in bound] == ["CRM_DEAL_DETAIL_TOOLBAR", "CRM_DYNAMIC_183_DETAIL_TAB", "LEFT_MENU",
                                         "REST_APP_URI"]
    employee = rest(sandbox, acme, "placement.bind", token(sandbox, acme, user=7), PLACEMENT="LEFT_MENU",
                    HANDLER=handler + "2")
    assert (employee.status_code, employee.json()["error"]) == (403, "ACCESS_DENIED")


@pytest.mark.parametrize("scopes", ["crm,placement,user_basic,user"])
def test_user_scope_allows_the_user_profile_placements(sandbox, scopes):
    acme = sandbox.add_portal("acme")
    answer = rest(sandbox, acme, "placement.bind", token(sandbox, acme), PLACEMENT="USER_PROFILE_MENU",
                  HANDLER="https://app.test/placements/support")
    assert answer.json()["result"] is True


def test_the_apps_install_meets_the_refusal_of_a_placement_outside_its_scopes(app, sandbox):
    """An app that binds USER_PROFILE_MENU under a registration without `user`: the platform refuses that one."""
    app.config["B24_PLACEMENTS"] = "CRM_DEAL_DETAIL_TOOLBAR,USER_PROFILE_MENU"
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    [batch] = [c for c in sandbox.calls("rest", "batch") if c.member_id == acme.member_id][:1]
    assert "bind_USER_PROFILE_MENU" in batch.params["cmd"]
    assert [p["key"] for p in acme.placements] == ["CRM_DEAL_DETAIL_TOOLBAR"]


# --- payment ---------------------------------------------------------------------------------------------


def test_the_oauth_server_answers_payment_required_when_the_period_is_over(sandbox):
    acme = sandbox.add_portal("acme")
    _, form = sandbox.frame(acme)
    sandbox.require_payment(acme)

    refused = oauth_refresh(sandbox, form["REFRESH_ID"])
    assert refused.status_code == 401
    assert refused.json() == {"error": "PAYMENT_REQUIRED", "error_description": "Payment required"}
    info = rest(sandbox, acme, "app.info", form["AUTH_ID"]).json()["result"]
    assert info["PAYMENT_EXPIRED"] == "Y" and info["DAYS"] == 0

    sandbox.require_payment(acme, on=False)
    renewed = oauth_refresh(sandbox, form["REFRESH_ID"])  # a refused renewal did not spend the refresh token
    assert renewed.status_code == 200 and renewed.json()["access_token"]


def test_the_portal_page_has_a_control_that_ends_the_paid_period(sandbox):
    acme = sandbox.add_portal("acme")
    _, form = sandbox.frame(acme)
    page = requests.get(sandbox.portal_page(acme), timeout=10)
    assert 'id="control-payment"' in page.text
    requests.post(f"{sandbox.url}/p/{acme.slug}/action", data={"what": "payment", "on": "1"}, timeout=10)
    assert oauth_refresh(sandbox, form["REFRESH_ID"]).json()["error"] == "PAYMENT_REQUIRED"
    assert "нужна оплата" in requests.get(sandbox.portal_page(acme), timeout=10).text  # the ru portal's own words


def test_pay_sends_onapppayment_as_documented_and_app_info_follows(sandbox, receiver):
    acme = sandbox.add_portal("acme", lang="en")
    acme.installed = True
    acme.application_token = "app-token-1"
    rest(sandbox, acme, "event.bind", token(sandbox, acme), event="ONAPPPAYMENT", handler=receiver.url)

    sandbox.pay(acme, status="P", days=365)

    [form] = receiver.forms
    fields = dict(form)
    assert sorted(k for k, _ in form) == sorted([
        "event", "event_handler_id", "ts", "data[CODE]", "data[VERSION]", "data[STATUS]", "data[PAYMENT_EXPIRED]",
        "data[DAYS]", "data[LANGUAGE_ID]", "auth[domain]", "auth[server_endpoint]", "auth[client_endpoint]",
        "auth[member_id]", "auth[application_token]"])
    assert fields["event"] == "ONAPPPAYMENT"
    assert (fields["data[STATUS]"], fields["data[PAYMENT_EXPIRED]"], fields["data[DAYS]"]) == ("P", "N", "365")
    assert fields["data[CODE]"] == sandbox.state.client_id and fields["auth[member_id]"] == acme.member_id
    assert "auth[access_token]" not in fields
    info = rest(sandbox, acme, "app.info", token(sandbox, acme)).json()["result"]
    assert (info["STATUS"], info["PAYMENT_EXPIRED"], info["DAYS"]) == ("P", "N", 365)


def test_no_payment_event_before_install_finish(sandbox, receiver):
    acme = sandbox.add_portal("acme")
    rest(sandbox, acme, "event.bind", token(sandbox, acme), event="ONAPPPAYMENT", handler=receiver.url)
    assert sandbox.pay(acme, status="T", days=14) == []
    assert receiver.forms == []


# --- limits ----------------------------------------------------------------------------------------------


def test_the_leaky_bucket_takes_fifty_then_answers_query_limit_exceeded(sandbox):
    acme = sandbox.add_portal("acme")
    auth = token(sandbox, acme)
    session = requests.Session()
    url = f"{sandbox.state.client_endpoint(acme)}app.info.json"
    codes = [session.post(url, json={"auth": auth}, timeout=10).status_code for _ in range(60)]
    assert codes[:50] == [200] * 50  # 50 in a burst
    assert 503 in codes[50:]
    refused = session.post(url, json={"auth": auth}, timeout=10)
    assert refused.json() == {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
    time.sleep(1.1)  # it drains 2 a second
    assert session.post(url, json={"auth": auth}, timeout=10).status_code == 200


def test_a_batch_is_one_request_in_the_bucket_and_the_bucket_is_per_portal(sandbox):
    sandbox.bucket(size=3, drain=0.001)
    acme, other = sandbox.add_portal("acme"), sandbox.add_portal("other")
    auth = token(sandbox, acme)
    commands = {f"c{i}": "app.info" for i in range(50)}
    answers = [rest(sandbox, acme, "batch", auth, cmd=commands) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(answers[0].json()["result"]["result"]) == 50
    assert rest(sandbox, acme, "app.info", auth).json()["error"] == "QUERY_LIMIT_EXCEEDED"
    assert rest(sandbox, other, "app.info", token(sandbox, other)).status_code == 200


def test_overload_limit_on_every_call_until_lifted(sandbox):
    acme = sandbox.add_portal("acme")
    auth = token(sandbox, acme)
    sandbox.overload(acme)
    for method in ("app.info", "user.current", "batch"):
        answer = rest(sandbox, acme, method, auth)
        assert answer.status_code == 503
        assert answer.json() == {"error": "OVERLOAD_LIMIT", "error_description": "REST API is blocked due to overload"}
    sandbox.overload(acme, on=False)
    assert rest(sandbox, acme, "app.info", auth).status_code == 200


def test_operation_time_limit_names_its_reset_in_the_answers_before_it(sandbox):
    acme = sandbox.add_portal("acme")
    auth = token(sandbox, acme)
    reset_at = sandbox.limit_operation(acme, "user.current", reset_in=30, allow=1)

    last_good = rest(sandbox, acme, "user.current", auth)
    assert last_good.status_code == 200
    assert last_good.json()["time"]["operating_reset_at"] == int(reset_at)
    blocked = rest(sandbox, acme, "user.current", auth)
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "OPERATION_TIME_LIMIT"
    assert rest(sandbox, acme, "app.info", auth).status_code == 200  # other methods keep working

    sandbox.limit_operation(acme, "user.current", reset_in=0.2)
    time.sleep(0.3)
    assert rest(sandbox, acme, "user.current", auth).status_code == 200


def test_a_deleted_portal_answers_portal_deleted(sandbox):
    acme = sandbox.add_portal("acme")
    auth = token(sandbox, acme)
    sandbox.delete_portal(acme)
    answer = rest(sandbox, acme, "app.info", auth)
    assert answer.status_code == 500
    assert answer.json() == {"error": "PORTAL_DELETED", "error_description": "Portal was deleted"}


def test_fail_next_still_answers_the_given_errors(sandbox):
    acme = sandbox.add_portal("acme")
    auth = token(sandbox, acme)
    sandbox.fail_next(acme, "QUERY_LIMIT_EXCEEDED", times=2)
    sandbox.fail_next(acme, "OPERATION_TIME_LIMIT")
    assert [rest(sandbox, acme, "app.info", auth).status_code for _ in range(4)] == [503, 503, 429, 200]


# --- DOMAIN with a port ----------------------------------------------------------------------------------


@pytest.mark.parametrize("port, oauth_domain", [(8443, "box.example.test:8443"), (443, "box.example.test"),
                                                 (80, "box.example.test")])
def test_domain_with_a_port_in_frames_and_as_the_oauth_server_gives_it(sandbox, port, oauth_domain):
    box = sandbox.add_portal("box", domain="box.example.test", port=port)
    url, form = sandbox.frame(box)
    query = parse_qs(urlsplit(url).query)
    assert query["DOMAIN"] == [f"box.example.test:{port}"]
    assert query["PROTOCOL"] == ["0" if port == 80 else "1"]
    info = requests.get(f"{sandbox.url}/rest/app.info/", params={"auth": form["AUTH_ID"]}, timeout=10).json()
    assert info["result"]["install"]["domain"] == oauth_domain


# --- the portal page's frame requests ---------------------------------------------------------------------


def test_a_frame_request_for_the_portal_page_names_what_the_frame_library_will_ask(sandbox):
    acme = sandbox.add_portal("acme", lang="en")
    answer = requests.post(f"{sandbox.url}/p/{acme.slug}/frames", data={"placement": "INSTALL"}, timeout=10)
    frame = answer.json()
    query = parse_qs(urlsplit(frame["action"]).query)
    assert query["APP_SID"] == [frame["app_sid"]] and query["DOMAIN"] == [acme.domain]
    assert frame["app_origin"] == sandbox.state.app_url
    init = frame["init"]
    assert (init["AUTH_ID"], init["REFRESH_ID"]) == (frame["form"]["AUTH_ID"], frame["form"]["REFRESH_ID"])
    assert init["INSTALL"] is True and init["IS_ADMIN"] is True and init["MEMBER_ID"] == acme.member_id
    assert init["PLACEMENT"] == "DEFAULT" and init["LANG"] == "en"
    for bad in ({"options": "{"}, {"options": "[1]"}, {"user": "x"}, {"user": "99"}):
        refused = requests.post(f"{sandbox.url}/p/{acme.slug}/frames", data={"placement": "DEFAULT", **bad},
                                timeout=10)
        assert refused.status_code == 400, bad


def test_event_bind_is_for_any_user_but_offline_events_and_other_users_auth_are_for_admins(sandbox, receiver):
    acme = sandbox.add_portal("acme")
    employee = token(sandbox, acme, user=7)
    assert rest(sandbox, acme, "event.bind", employee, event="ONCRMDEALADD", handler=receiver.url).json()["result"]
    for extra in ({"event_type": "offline"}, {"auth_type": "1"}):
        answer = rest(sandbox, acme, "event.bind", employee, event="ONCRMDEALUPDATE", handler=receiver.url, **extra)
        assert (answer.status_code, answer.json()["error"]) == (403, "ACCESS_DENIED"), extra
    assert rest(sandbox, acme, "event.bind", token(sandbox, acme), event="ONCRMDEALUPDATE", handler=receiver.url,
                event_type="offline").json()["result"] is True
