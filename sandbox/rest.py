"""The sandbox portal's REST API at /p/<slug>/rest/<method>.json, with the platform's real error answers."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request

from sandbox import limits
from sandbox import scopes as scope_rules
from sandbox.state import Grant, SandboxPortal, SandboxState, SandboxUser
from sandbox.wire import nest, parse_command

bp = Blueprint("sandbox_rest", __name__)


@bp.before_request
def _round_trip():
    current_app.extensions["sandbox"].travel()  # SANDBOX_RTT_MS: every call pays the network's round trip


class RestError(Exception):
    def __init__(self, code: str, description: str, status: int):
        self.code, self.description, self.status = code, description, status


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


@bp.post("/p/<slug>/rest/<method>.json")
@bp.post("/p/<slug>/rest/<method>")
def call(slug: str, method: str):
    state = _state()
    if slug in state.moved and not state.by_slug(slug):
        new_slug = state.moved[slug]
        while new_slug in state.moved and not state.by_slug(new_slug):
            new_slug = state.moved[new_slug]
        return redirect(f"{state.base_url}/p/{new_slug}/rest/{method}.json", code=302)
    portal = state.by_slug(slug)
    if portal is None or portal.deleted:
        return _system_error("PORTAL_DELETED")
    params = _params()
    token = params.pop("auth", None)
    state.log("rest", portal.member_id, method, params)
    started = time.time()
    if portal.overloaded:  # a block by hand that only Bitrix24 support lifts [_includes/system-errors.md]
        return _system_error("OVERLOAD_LIMIT")
    if not limits.admit(state, portal, started):
        return _system_error("QUERY_LIMIT_EXCEEDED")
    fault = state.take_fault(portal.member_id, method)
    if fault:
        return _system_error(fault)
    try:
        grant = _authorise(state, portal, token)
        result = _dispatch(state, portal, grant, method, params)
    except RestError as exc:
        return jsonify(error=exc.code, error_description=exc.description), exc.status
    return jsonify(result=result, time=limits.time_block(portal, method, started))


def _system_error(code: str):
    status, description = limits.SYSTEM_ERRORS.get(code, (503, "Too many requests"))
    return jsonify(error=code, error_description=description), status


def _params() -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True)
        return dict(body) if isinstance(body, dict) else {}
    return nest(request.form.items(multi=True))


def _authorise(state: SandboxState, portal: SandboxPortal, token: str | None) -> Grant:
    if not token:
        raise RestError("NO_AUTH_FOUND", "Wrong authorization data", 401)
    grant = state.grant_for(token)
    if grant is None or grant.member_id != portal.member_id:
        raise RestError("invalid_token", "The access token provided is invalid.", 401)
    if grant.expires_at < time.time():
        raise RestError("expired_token", "The access token provided has expired.", 401)
    return grant


def _dispatch(state: SandboxState, portal: SandboxPortal, grant: Grant, method: str, params: dict[str, Any]) -> Any:
    method = method.lower()
    user = portal.users[grant.user_id]
    granted = scope_rules.parse(grant.scope)
    if method == "batch":
        return _batch(state, portal, grant, params)
    needs = scope_rules.method_needs(method)
    if needs and not any(scope in granted for scope in needs):
        # 403 insufficient_scope [_includes/system-errors.md; settings/how-to-call-rest-api/batch.md's example]
        raise RestError("insufficient_scope", limits.SYSTEM_ERRORS["insufficient_scope"][1], 403)
    if limits.operation_refused(state, portal, method):
        raise RestError("OPERATION_TIME_LIMIT", limits.SYSTEM_ERRORS["OPERATION_TIME_LIMIT"][1], 429)
    if method == "app.info":
        # [api-reference/common/system/app-info.md]: no scope here in an application's context
        return {
            "ID": 17, "CODE": state.client_id, "VERSION": portal.app_version, "STATUS": portal.app_status,
            "INSTALLED": portal.installed, "PAYMENT_EXPIRED": portal.payment_expired, "DAYS": portal.days,
            "LANGUAGE_ID": portal.lang, "LICENSE": portal.license, "LICENSE_TYPE": portal.license_family,
            "LICENSE_FAMILY": portal.license_family,
        }
    if method == "scope":
        return granted  # the token's scopes [api-reference/common/system/scope.md]
    if method == "user.current":
        return _user_record(user, scope_rules.user_fields(granted))
    if method == "user.admin":
        return user.admin
    if method == "profile":
        return {"ID": str(user.id), "ADMIN": user.admin, "NAME": user.name, "LAST_NAME": user.last_name,
                "PERSONAL_GENDER": "", "TIME_ZONE": "", "TIME_ZONE_OFFSET": 18000}
    if method.startswith("placement."):
        # "Who can execute the method: administrator" [api-reference/widgets/placement-bind.md]
        if not user.admin and not method.endswith(".get"):
            raise RestError("ACCESS_DENIED", "Access denied! Application context required", 403)
        return _bindings(portal, method, params, granted)
    if method.startswith("event."):
        # Any user, but only an admin binds offline events or names another user's auth_type
        # [api-reference/events/event-bind.md, "Who can execute the method" and its error table].
        if not user.admin and method == "event.bind":
            if str(params.get("event_type", "")).lower() == "offline":
                raise RestError("ACCESS_DENIED",
                                "Access denied! Offline events binding requires administrator access rights", 403)
            if str(params.get("auth_type", "") or user.id) != str(user.id):
                raise RestError("ACCESS_DENIED",
                                "Access denied! Event binding with AUTH_TYPE requires administrator access rights",
                                403)
        return _bindings(portal, method, params, granted)
    raise RestError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)


def _user_record(user: SandboxUser, fields: tuple[str, ...]) -> dict[str, Any]:
    """user.current as the scope shows it: only the fields of the granted user scope version
    [api-reference/user/user-scope.md; the shape of api-reference/user/user-current.md's answer]."""
    known: dict[str, Any] = {
        "ID": str(user.id), "ACTIVE": True, "NAME": user.name, "LAST_NAME": user.last_name, "EMAIL": user.email,
        "LAST_LOGIN": "2026-11-30T09:00:00+00:00", "DATE_REGISTER": "2024-07-22T00:00:00+00:00",
        "IS_ONLINE": "Y", "LAST_ACTIVITY_DATE": "2026-11-30 09:05:00", "WORK_POSITION": user.position,
        "WORK_PHONE": user.work_phone, "PERSONAL_MOBILE": user.mobile, "UF_DEPARTMENT": [1], "TIME_ZONE": "",
    }
    return {name: known.get(name, "") for name in fields}


def _bindings(portal: SandboxPortal, method: str, params: dict[str, Any], granted: list[str]) -> Any:
    kind, action = method.split(".", 1)
    store = portal.placements if kind == "placement" else portal.events
    key_name, handler_name = ("PLACEMENT", "HANDLER") if kind == "placement" else ("event", "handler")
    key = str(params.get(key_name) or params.get(key_name.lower()) or params.get(key_name.upper()) or "").upper()
    handler = params.get(handler_name) or params.get(handler_name.lower()) or params.get(handler_name.upper())
    if action == "get":
        return [dict(item) for item in store]
    if not key:
        raise RestError("ERROR_ARGUMENT", f"Argument '{key_name}' is null or empty", 400)
    if action == "bind":
        if not handler:
            raise RestError("ERROR_ARGUMENT", f"Argument '{handler_name}' is null or empty", 400)
        if kind == "placement" and not _placement_allowed(key, granted):
            # An unknown code, or one whose scope the app was not granted [api-reference/widgets/placements.md,
            # "All Placements"; api-reference/widgets/crm/detail-toolbar.md, user-profile/profile-menu.md]
            raise RestError("ERROR_PLACEMENT_NOT_FOUND", "Placement not found", 400)
        if any(item["key"] == key and item["handler"] == handler for item in store):
            raise RestError("ERROR_CORE", "Handler already binded", 400)
        store.append({"key": key, "handler": handler, "title": params.get("TITLE", ""),
                      "lang_all": params.get("LANG_ALL") or {}})
        return True
    if action == "unbind":
        before = len(store)
        store[:] = [i for i in store if not (i["key"] == key and (not handler or i["handler"] == handler))]
        return {"count": before - len(store)}
    raise RestError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)


def _placement_allowed(code: str, granted: list[str]) -> bool:
    try:
        needs = scope_rules.placement_needs(code)
    except LookupError:
        return False
    return needs is None or needs in granted


def _batch(state: SandboxState, portal: SandboxPortal, grant: Grant, params: dict[str, Any]) -> dict[str, Any]:
    commands = params.get("cmd") or {}
    halt = str(params.get("halt", "0")) == "1"
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name, command in list(commands.items())[:50]:
        method, sub_params = parse_command(command)
        state.log("rest.batch", portal.member_id, method, sub_params)
        try:
            results[name] = _dispatch(state, portal, grant, method, sub_params)
        except RestError as exc:
            errors[name] = {"error": exc.code, "error_description": exc.description}
            if halt:
                break
    # PHP encodes an empty array as [], not {}: the app must read both.
    return {"result": results or [], "result_error": errors or [], "result_total": [], "result_next": [],
            "result_time": []}
