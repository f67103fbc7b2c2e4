"""Property-based fuzz (Hypothesis) of what an attacker controls: event bodies, frame fields, PLACEMENT_OPTIONS
and the console's ``next=``. Whatever is sent, the app answers below 500, and a refusal changes nothing.

Bounded for CI: a fixed number of examples per property and no per-example deadline (the requests are real
HTTP to the app and the sandbox on loopback); the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24.brackets import BracketFormError, parse_bracket_form
from b24.errors import BadFrameRequest
from b24.inputs import json_object
from tests.placements.support_pages import installed_portal
from tests.security.attack import take_snapshot

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NAMES = ["event", "event_handler_id", "ts", "data", "auth", "member_id", "access_token", "application_token",
         "VERSION", "LANGUAGE_ID", "CLEAN", "expires_in", "domain", "", "[", "]", "[]", "a]b", "x.y"]
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
numbers = st.integers(min_value=-(2**80), max_value=2**80).map(str)
values = st.one_of(text, numbers, st.sampled_from(["ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL", "Y", "1"]))


@st.composite
def bracket_keys(draw) -> str:
    head = draw(st.sampled_from(NAMES) | st.text(max_size=8))
    parts = draw(st.lists(st.sampled_from(NAMES) | st.text(max_size=6), max_size=draw(st.sampled_from([0, 2, 6]))))
    key = head + "".join(f"[{part}]" for part in parts)
    return draw(st.sampled_from([key, key + "[", "[" + key, key.replace("[", "[[", 1)]))


@pytest.fixture
def acme(sandbox):
    return installed_portal(sandbox, "acme")


def _refused_or_fine(app, before, response: requests.Response) -> None:
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        after = take_snapshot(app)
        assert not before.differences(after), before.differences(after)


def test_event_bodies_never_500_and_refusals_change_nothing(app, acme, live_app):
    session = requests.Session()

    @FUZZ
    @given(st.lists(st.tuples(bracket_keys(), values), max_size=12), st.booleans())
    def attack(pairs, with_member):
        if with_member:
            pairs = [*pairs, ("auth[member_id]", acme.member_id)]
        before = take_snapshot(app)
        response = session.post(f"{live_app}/b24/events", data=urlencode(pairs), timeout=10,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
        _refused_or_fine(app, before, response)

    attack()


def test_frame_fields_never_500_and_refusals_change_nothing(app, sandbox, acme, live_app):
    session = requests.Session()
    frame_names = ["DOMAIN", "PROTOCOL", "LANG", "AUTH_ID", "AUTH_EXPIRES", "REFRESH_ID", "SERVER_ENDPOINT",
                   "member_id", "PLACEMENT", "PLACEMENT_OPTIONS", "APPLICATION_TOKEN", "status"]

    @FUZZ
    @given(st.lists(st.tuples(st.sampled_from(frame_names), values), max_size=14),
           st.sampled_from(["/", "/install", "/placements/support"]))
    def attack(pairs, path):
        before = take_snapshot(app)
        query = {"DOMAIN": acme.domain, "PROTOCOL": "1"}
        response = session.post(f"{live_app}{path}?{urlencode(query)}", data=pairs, timeout=10)
        _refused_or_fine(app, before, response)

    attack()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
options = st.one_of(
    json_values.map(lambda v: json.dumps(v, allow_nan=True)),
    text,
    st.integers(min_value=1, max_value=20_000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=20_000).map(lambda n: '{"a":' * n + "1" + "}" * n),
)


def test_placement_options_never_500_and_refusals_change_nothing(app, sandbox, acme):
    session = requests.Session()

    @FUZZ
    @given(options)
    def attack(raw):
        url, form = sandbox.frame(acme, "CRM_DEAL_DETAIL_TOOLBAR")  # a genuine frame, but for its options
        form["PLACEMENT_OPTIONS"] = raw
        before = take_snapshot(app)
        response = session.post(url, data=form, timeout=30)
        _refused_or_fine(app, before, response)

    attack()


def test_console_redirect_targets_never_500_and_never_leave_the_console(app, live_app):
    session = requests.Session()

    @FUZZ
    @given(st.one_of(text, st.sampled_from(["/console", "//", "\\", "/console/", "https:"]).flatmap(
        lambda head: text.map(lambda tail: head + tail))))
    def attack(target):
        before = take_snapshot(app)
        for path in ("/console/login", "/console/lang/en"):
            response = session.get(f"{live_app}{path}?next={quote(target)}", timeout=10, allow_redirects=False)
            _refused_or_fine(app, before, response)
            location = response.headers.get("Location", "")
            assert not location or location.startswith("/console"), location
            assert "\n" not in location and "\r" not in location

    attack()


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(bracket_keys() | text, values), max_size=20))
def test_the_bracket_parser_answers_a_tree_or_a_clear_refusal(pairs):
    try:
        tree = parse_bracket_form(pairs)
    except BracketFormError as exc:
        assert str(exc)
        return
    assert isinstance(tree, dict)
    assert sum(1 for _ in _leaves(tree)) == len(pairs)  # nothing merged, nothing dropped


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(options)
def test_the_options_parser_answers_an_object_or_a_clear_refusal(raw):
    try:
        parsed = json_object(raw, "PLACEMENT_OPTIONS")
    except BadFrameRequest as exc:
        assert exc.status == 400 and exc.message
        return
    assert isinstance(parsed, dict)


def _leaves(tree):
    for value in tree.values():
        if isinstance(value, dict):
            yield from _leaves(value)
        else:
            yield value
