"""The sandbox's OAuth server: /oauth/token/ and the OAuth server's /rest/app.info/."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

bp = Blueprint("sandbox_oauth", __name__)


@bp.before_request
def _round_trip():
    current_app.extensions["sandbox"].travel()  # SANDBOX_RTT_MS: every call pays the network's round trip


def _state():
    return current_app.extensions["sandbox"]


def _error(code: str, description: str, status: int):
    return jsonify(error=code, error_description=description), status


@bp.get("/oauth/token/")
def token():
    state = _state()
    args = request.args
    state.log("oauth.token", None, args.get("grant_type", ""), {"client_id": args.get("client_id")})
    if args.get("client_id") != state.client_id or args.get("client_secret") != state.client_secret:
        return _error("invalid_client", "Invalid client credentials", 401)
    if args.get("grant_type") != "refresh_token":
        return _error("invalid_request", "Unsupported grant_type", 400)
    spent = state.refresh_index.get(args.get("refresh_token", ""))
    if spent is not None and state.portals[spent.member_id].payment_required:
        # "Until then, the authorization server will not issue tokens" [settings/oauth/error-codes.md]; the body
        # is settings/oauth/auto-renewal.md's. The docs give no status: b24pysdk files PAYMENT_REQUIRED under 401
        # (b24pysdk/api/requesters/_utils/parse_response.py). The refresh token is not spent.
        return _error("PAYMENT_REQUIRED", "Payment required", 401)
    grant = state.refresh(args.get("refresh_token", ""))
    if grant is None:
        return _error("invalid_grant", "Invalid refresh token", 400)
    portal = state.portal(grant.member_id)
    return jsonify(
        access_token=grant.access_token,
        expires=int(grant.expires_at),
        expires_in=3600,
        scope=grant.scope,  # comma-separated [settings/oauth/auto-renewal.md]
        # "domain: The domain of the authorization server" [settings/oauth/auto-renewal.md], not the portal's
        domain=urlsplit(state.base_url).netloc,
        server_endpoint=state.server_endpoint(),
        status=portal.app_status,
        client_endpoint=state.client_endpoint(portal),
        member_id=portal.member_id,
        user_id=grant.user_id,
        refresh_token=grant.refresh_token,
    )


@bp.get("/rest/app.info/")
@bp.get("/rest/app.info")
def app_info():
    started = time.time()
    state = _state()
    grant = state.grant_for(request.args.get("auth"))
    state.log("oauth.app_info", grant.member_id if grant else None, "app.info", {})
    if grant is None:
        return _error("invalid_token", "The access token provided is invalid.", 401)
    if grant.expires_at < time.time():
        return _error("expired_token", "The access token provided has expired.", 401)
    portal = state.portal(grant.member_id)
    return jsonify(
        result={
            "scope": grant.scope,
            "client_id": state.client_id,
            "expires": datetime.fromtimestamp(grant.expires_at, UTC).isoformat(),
            "install": {
                "installed": portal.installed,
                "version": portal.app_version,
                "status": portal.app_status,
                "scope": grant.scope,
                "domain": state.oauth_domain(portal),
                "uri": f"https://{state.oauth_domain(portal)}",
                "client_endpoint": state.client_endpoint(portal),
                "member_id": portal.member_id,
                "member_type": "PORTAL",
            },
            "user_id": grant.user_id,
        },
        # The full time object every REST answer carries (api-reference/data-types.md#time); b24pysdk's
        # BitrixTimeResponse requires processing, date_start and date_finish.
        time={"start": started, "finish": time.time(), "duration": time.time() - started,
              "processing": time.time() - started,
              "date_start": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
              "date_finish": datetime.now(UTC).isoformat(timespec="seconds")},
    )
