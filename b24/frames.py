"""Frame requests (installer, main page, placements): read them, then believe only the OAuth server (protocol §2)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import Request

from b24 import sdk
from b24.domains import normalise_domain
from b24.errors import BadFrameRequest, RequestRefused
from b24.memo import TokenMemo
from b24.oauth import OAuthServer
from ops.logging import set_log_context
from ops.security import allow_framing_by

LANGUAGES = ("ru", "en")


@dataclass
class _Posted:
    """The fields of a frame request as posted, not yet believed."""

    member_id: str
    domain: str
    protocol: str
    lang: str
    placement: str
    options: dict[str, Any]
    auth_id: str = field(repr=False)  # tokens stay out of reprs, so out of logs and tracebacks
    refresh_id: str | None = field(repr=False)
    auth_expires: int
    application_token: str | None = field(repr=False)
    server_endpoint: str | None


@dataclass
class Frame(_Posted):
    """A verified frame request: what the portal posted, confirmed by the OAuth server."""

    user_id: int
    scope: str
    client_endpoint: str
    app_version: int
    app_status: str
    oauth: OAuthServer = field(repr=False)

    @property
    def ui_lang(self) -> str:
        return self.lang if self.lang in LANGUAGES else "en"


def read_frame(request: Request) -> _Posted:
    """The posted fields, or BadFrameRequest naming what is missing or malformed."""
    args, form = request.args, request.form
    domain = normalise_domain(args.get("DOMAIN") or form.get("DOMAIN"))
    missing = [
        name
        for name, value in (("DOMAIN", domain), ("AUTH_ID", form.get("AUTH_ID")), ("member_id", form.get("member_id")))
        if not value
    ]
    if missing:
        raise BadFrameRequest(
            f"This page must be opened from inside Bitrix24: the request lacks {', '.join(missing)}.",
            "missing_fields",
        )
    protocol = args.get("PROTOCOL", form.get("PROTOCOL", "1"))
    try:
        expires = int(form.get("AUTH_EXPIRES") or 3600)
    except ValueError:
        raise BadFrameRequest("AUTH_EXPIRES is not a number.", "bad_field") from None
    return _Posted(
        member_id=form["member_id"].strip(),
        domain=domain,
        protocol="http" if protocol == "0" else "https",
        lang=(args.get("LANG") or form.get("LANG") or "en").strip().lower()[:8],
        placement=(form.get("PLACEMENT") or "DEFAULT").strip()[:64],
        options=parse_placement_options(form.get("PLACEMENT_OPTIONS")),
        auth_id=form["AUTH_ID"],
        refresh_id=form.get("REFRESH_ID") or None,
        auth_expires=expires,
        application_token=form.get("APPLICATION_TOKEN") or None,
        server_endpoint=form.get("SERVER_ENDPOINT") or None,
    )


def parse_placement_options(raw: str | None) -> dict[str, Any]:
    """PLACEMENT_OPTIONS is a JSON object string; missing or empty means none."""
    if raw is None or not raw.strip():
        return {}
    try:
        options = json.loads(raw)
    except ValueError:
        raise BadFrameRequest("PLACEMENT_OPTIONS is not valid JSON.", "bad_placement_options") from None
    if isinstance(options, list) and not options:
        return {}  # PHP's json_encode of an empty array
    if not isinstance(options, dict):
        raise BadFrameRequest("PLACEMENT_OPTIONS must be a JSON object.", "bad_placement_options")
    return options


_vouchers: TokenMemo[sdk.AppInfo] = TokenMemo()


def verify_frame(request: Request) -> Frame:
    """Read a frame request and have the OAuth server confirm it, or raise BadFrameRequest/RequestRefused."""
    posted = read_frame(request)
    oauth = OAuthServer.for_endpoint(posted.server_endpoint)
    info = _vouched(oauth, posted.auth_id, posted.auth_expires)
    install = info.install
    if install.member_id != posted.member_id:
        raise RequestRefused("The request's member_id is not the portal the OAuth server knows for this token.")
    if normalise_domain(install.domain) != posted.domain:
        raise RequestRefused("The request's DOMAIN is not the portal the OAuth server knows for this token.")
    allow_framing_by(posted.domain, posted.protocol)  # this portal, and only it, may frame the page
    set_log_context(member_id=posted.member_id)
    return Frame(
        **vars(posted),
        user_id=info.user_id,
        scope=",".join(info.scope),
        client_endpoint=install.client_endpoint,
        app_version=install.version,
        app_status=install.status.value,
        oauth=oauth,
    )


def _vouched(oauth: OAuthServer, auth_id: str, lifetime: int) -> sdk.AppInfo:
    """OAuth app.info for a token, remembered for the token's life so a repeat open costs no call."""
    return _vouchers.get(oauth.base_url, auth_id, lifetime, lambda: oauth.app_info(auth_id))


__all__ = ["Frame", "RequestRefused", "read_frame", "verify_frame", "parse_placement_options"]
