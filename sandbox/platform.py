"""What the platform does to the app: frame requests into the iframe, and lifecycle events, on the real wire."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from typing import Any

import requests

from sandbox.state import SandboxPortal, SandboxState
from sandbox.wire import flatten

INSTALL = "INSTALL"
DEFAULT = "DEFAULT"


def handler_url(state: SandboxState, portal: SandboxPortal, placement: str) -> str:
    """Where the portal posts a frame: the installer, the app's main page, or a bound placement's handler."""
    if placement == INSTALL:
        return f"{state.app_url}/install"
    if placement == DEFAULT:
        return f"{state.app_url}/"
    for item in portal.placements:
        if item["key"] == placement:
            return item["handler"]
    raise LookupError(f"No handler is bound for {placement} on {portal.domain}.")


def frame_request(
    state: SandboxState, portal: SandboxPortal, placement: str = DEFAULT, *,
    options: dict[str, Any] | None = None, user_id: int = 1, app_sid: str | None = None,
) -> tuple[str, dict[str, str], dict[str, str]]:
    """(url, query, form) of a frame request exactly as Bitrix24 posts it into the app's iframe.

    [api-reference/widgets/_includes/widget_data.md: DOMAIN, PROTOCOL, LANG, APP_SID in the query; the rest posted]
    ``app_sid`` is the one the portal page named the iframe with (its JavaScript needs the same).
    """
    if placement == INSTALL and portal.application_token is None:
        portal.application_token = secrets.token_hex(16)
    grant = state.issue(portal, user_id)
    url = handler_url(state, portal, placement)
    query = {"DOMAIN": state.frame_domain(portal), "PROTOCOL": "0" if portal.port == 80 else "1",
             "LANG": portal.lang, "APP_SID": app_sid or secrets.token_hex(16)}
    form = {
        "AUTH_ID": grant.access_token,
        "AUTH_EXPIRES": "3600",
        "REFRESH_ID": grant.refresh_token,
        "SERVER_ENDPOINT": state.server_endpoint(),
        "APPLICATION_SCOPE": grant.scope,
        "member_id": portal.member_id,
        "status": portal.app_status,
        "PLACEMENT": DEFAULT if placement == INSTALL else placement,
        "PLACEMENT_OPTIONS": json.dumps(options or {}) if options else "[]",
    }
    if portal.application_token:
        form["APPLICATION_TOKEN"] = portal.application_token
    state.log("frame_out", portal.member_id, placement, {"url": url})
    return url, query, form


def open_frame(state: SandboxState, portal: SandboxPortal, placement: str = DEFAULT, **kwargs: Any):
    url, query, form = frame_request(state, portal, placement, **kwargs)
    return requests.post(url, params=query, data=form, timeout=30)


def install(state: SandboxState, portal: SandboxPortal, *, user_id: int = 1) -> requests.Response:
    """Open the installer as the admin would, then call installFinish as its page does."""
    if portal.installed:
        portal.application_token = None  # a reinstall gets a new application token
    portal.installed = False
    response = open_frame(state, portal, INSTALL, user_id=user_id)
    if response.status_code == 200 and "installFinish" in response.text:
        finish_install(state, portal)
    return response


def finish_install(state: SandboxState, portal: SandboxPortal) -> list[requests.Response]:
    """installFinish (the frame sent setInstallFinish): the app counts as installed; ONAPPINSTALL goes out."""
    portal.installed = True
    return send_event(state, portal, "ONAPPINSTALL", {
        "VERSION": portal.app_version, "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": portal.lang,
    })


def update_app(state: SandboxState, portal: SandboxPortal, version: int) -> list[requests.Response]:
    """A new version: handlers are dropped (the app must bind them again) and ONAPPUPDATE is sent."""
    previous = portal.app_version
    portal.app_version = version
    targets = _handlers(portal, "ONAPPUPDATE")
    portal.placements.clear()
    portal.events.clear()
    return send_event(state, portal, "ONAPPUPDATE", {
        "VERSION": version, "PREVIOUS_VERSION": previous, "LANGUAGE_ID": portal.lang,
    }, targets=targets)


def uninstall(state: SandboxState, portal: SandboxPortal, *, clean: bool = False) -> list[requests.Response]:
    """The admin removes the app: tokens are revoked first, then ONAPPUNINSTALL carries only the app token."""
    targets = _handlers(portal, "ONAPPUNINSTALL")
    portal.installed = False
    portal.placements.clear()
    portal.events.clear()
    state.revoke_all(portal)
    responses = send_event(state, portal, "ONAPPUNINSTALL", {
        "LANGUAGE_ID": portal.lang, "CLEAN": "1" if clean else "0",
    }, targets=targets, full_auth=False)
    portal.application_token = None
    return responses


def require_payment(state: SandboxState, portal: SandboxPortal, on: bool = True) -> None:
    """The trial or paid period ends (or is paid again): the OAuth server stops (or resumes) issuing tokens
    [settings/oauth/error-codes.md, PAYMENT_REQUIRED], and app.info says PAYMENT_EXPIRED."""
    with state.lock:
        portal.payment_required = on
        portal.payment_expired = "Y" if on else "N"
        if on:
            portal.days = 0


def pay(state: SandboxState, portal: SandboxPortal, *, status: str = "P", days: int | None = 30,
        expired: bool = False) -> list[requests.Response]:
    """The app is paid for (or its period ends): app.info changes and ONAPPPAYMENT goes to whoever bound it.

    The body is api-reference/common/events/on-app-payment.md's: data[CODE], data[VERSION], data[STATUS],
    data[PAYMENT_EXPIRED], data[DAYS], data[LANGUAGE_ID]; auth without tokens. No event before installFinish.
    """
    with state.lock:
        portal.app_status = status
        portal.payment_expired = "Y" if expired else "N"
        portal.days = days
        portal.payment_required = expired
    if not portal.installed:
        return []
    return send_event(state, portal, "ONAPPPAYMENT", {
        "CODE": state.client_id, "VERSION": portal.app_version, "STATUS": status,
        "PAYMENT_EXPIRED": portal.payment_expired, "DAYS": "" if days is None else days, "LANGUAGE_ID": portal.lang,
    }, full_auth=False)


def send_event(state: SandboxState, portal: SandboxPortal, event: str, data: dict[str, Any], *,
               targets: list[tuple[str, int]] | None = None, full_auth: bool = True) -> list[requests.Response]:
    """POST the event form-encoded with bracket keys to every handler bound for it. Never retried."""
    auth: dict[str, Any] = {
        "domain": state.oauth_domain(portal),
        "server_endpoint": state.server_endpoint(),
        "client_endpoint": state.client_endpoint(portal),
        "member_id": portal.member_id,
        "application_token": portal.application_token,
    }
    if full_auth:
        grant = state.issue(portal, portal.admin.id)
        auth = {
            "access_token": grant.access_token,
            "expires": int(grant.expires_at),
            "expires_in": 3600,
            "scope": grant.scope,
            **auth,
            "status": portal.app_status,
            "user_id": portal.admin.id,
            "refresh_token": grant.refresh_token,
        }
    responses = []
    for url, handler_id in targets if targets is not None else _handlers(portal, event):
        body = flatten({"event": event, "event_handler_id": handler_id, "data": data, "ts": int(time.time()),
                        "auth": auth})
        state.log("event_out", portal.member_id, event, {"url": url})
        with contextlib.suppress(requests.RequestException):  # the platform does not retry
            responses.append(requests.post(url, data=body, timeout=10))
    return responses


def _handlers(portal: SandboxPortal, event: str) -> list[tuple[str, int]]:
    return [(item["handler"], index + 1) for index, item in enumerate(portal.events) if item["key"] == event]
