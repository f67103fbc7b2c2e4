"""Calls to the portal and the OAuth server per Support open: the least possible (the benchmark prints them too)."""

from __future__ import annotations

import requests

from tests.placements.support_pages import installed_portal

PLACEMENT, DEAL = "CRM_DEAL_DETAIL_TOOLBAR", {"ID": "8061"}
HTTP_CALLS = ("rest", "oauth.app_info", "oauth.token")


def _calls(sandbox, action) -> list[str]:
    with sandbox.state.lock:
        sandbox.state.calls.clear()
    action()
    return sorted(f"{c.kind}:{c.method}" for c in sandbox.calls() if c.kind in HTTP_CALLS)


def test_first_open_verifies_and_looks_the_user_up_and_a_repeat_open_calls_nobody(app, sandbox):
    portal = installed_portal(sandbox, "acme")
    url, form = sandbox.frame(portal, PLACEMENT, options=DEAL)

    def open_once():
        assert requests.post(url, data=form, timeout=10).status_code == 200

    assert _calls(sandbox, open_once) == ["oauth.app_info:app.info", "rest:batch"]
    assert _calls(sandbox, lambda: [open_once() for _ in range(3)]) == []
    # Another user's token is another question: verified and looked up afresh.
    other_url, other_form = sandbox.frame(portal, PLACEMENT, options=DEAL, user=7)
    answer = requests.post(other_url, data=other_form, timeout=10)
    assert answer.status_code == 200 and "Ivan" in answer.text
