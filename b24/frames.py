"""Frame requests (installer, main page, placements): read them, then believe only the OAuth server (protocol §2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Request
from sqlalchemy import select

from b24 import sdk
from b24.ahead import PortalQuestion, meanwhile
from b24.domains import normalise_domain
from b24.errors import BadFrameRequest, RequestRefused
from b24.inputs import MAX_OPTIONS_BYTES, bounded_int, json_object, single
from b24.memo import TokenMemo
from b24.models import Portal
from b24.oauth import OAuthServer
from b24.registry import refuse_unless_serving
from b24.signals import frame_verified
from database import db

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
    portal: Portal | None = field(default=None, repr=False)  # the registry's row, read once for the request

    @property
    def ui_lang(self) -> str:
        return self.lang if self.lang in LANGUAGES else "en"


def read_frame(request: Request) -> _Posted:
    """The posted fields, or BadFrameRequest naming what is missing or malformed (never a 500)."""
    args, form = request.args, request.form
    domain = normalise_domain(single(args, "DOMAIN", 255) or single(form, "DOMAIN", 255))
    auth_id, member_id = single(form, "AUTH_ID", 512), single(form, "member_id", 64)
    missing = [name for name, value in (("DOMAIN", domain), ("AUTH_ID", auth_id), ("member_id", member_id))
               if not value]
    if missing:
        raise BadFrameRequest(
            f"This page must be opened from inside Bitrix24: the request lacks {', '.join(missing)}.",
            "missing_fields",
        )
    protocol = single(args, "PROTOCOL", 8) or single(form, "PROTOCOL", 8) or "1"
    # Bitrix24 sends 3600; a day is generous, and a number past it (or past 64 bits) is no token's life.
    expires = bounded_int(single(form, "AUTH_EXPIRES", 32), "AUTH_EXPIRES", 1, 86400) or 3600
    return _Posted(
        member_id=member_id.strip(),
        domain=domain,
        protocol="http" if protocol == "0" else "https",
        lang=(single(args, "LANG", 16) or single(form, "LANG", 16) or "en").strip().lower()[:8],
        placement=(single(form, "PLACEMENT", 256) or "DEFAULT").strip()[:64],
        options=parse_placement_options(single(form, "PLACEMENT_OPTIONS", MAX_OPTIONS_BYTES)),
        auth_id=auth_id,
        refresh_id=single(form, "REFRESH_ID", 512) or None,
        auth_expires=expires,
        application_token=single(form, "APPLICATION_TOKEN", 512) or None,
        server_endpoint=single(form, "SERVER_ENDPOINT", 512) or None,
    )


def parse_placement_options(raw: str | None) -> dict[str, Any]:
    """PLACEMENT_OPTIONS is a small JSON object string; missing or empty means none (b24.inputs bounds it)."""
    return json_object(raw, "PLACEMENT_OPTIONS")


_vouchers: TokenMemo[sdk.AppInfo] = TokenMemo()


def verify_frame(request: Request, *, installing: bool = False,
                 ahead: Callable[[Portal, str], PortalQuestion | None] | None = None) -> Frame:
    """Read a frame request and have the OAuth server confirm it, or raise BadFrameRequest/RequestRefused.

    The portal's row is read on every frame (one indexed query), so a block or an uninstall applies at once in
    every worker: a blocked portal gets PortalBlocked, an uninstalled one PortalUninstalled (except on the
    installer, which is how it comes back), and a verdict cached before the uninstall is asked again.
    ``ahead(portal, auth_id)`` may put a question to the portal's stored endpoint meanwhile (b24.ahead): it is
    vouched for only when every check below holds and the OAuth server names that endpoint.
    """
    posted = read_frame(request)
    oauth = OAuthServer.for_endpoint(posted.server_endpoint)
    # The OAuth server is asked first, on the pool (unless this token's verdict is remembered), while this thread
    # goes on with what needs no verdict yet: the registry's row, the portal's question and the reads the page
    # will need (``ahead``).
    remembered = _vouchers.peek(oauth.base_url, posted.auth_id) is not None
    asking = None if remembered else meanwhile(_vouched, oauth, posted.auth_id, posted.auth_expires, None)
    portal = db.session.execute(select(Portal).where(Portal.member_id == posted.member_id)).scalar_one_or_none()
    verdict = None
    if remembered:
        verdict = _vouchers.peek(oauth.base_url, posted.auth_id, portal.revoked_at if portal else None)
        if verdict is None:  # remembered from before the portal's uninstall: asked again
            asking = meanwhile(_vouched, oauth, posted.auth_id, posted.auth_expires, portal.revoked_at)
    question = None
    try:
        question = ahead(portal, posted.auth_id) if ahead and portal is not None else None
        frame = _confirmed(posted, portal, oauth, verdict or asking.result(), installing)
    except Exception:
        if question is not None:
            question.drop()  # refused, or never confirmed: the portal's answer is not read
        raise
    if question is not None:
        question.vouch(frame.client_endpoint)
    return frame


def _confirmed(posted: _Posted, portal: Portal | None, oauth: OAuthServer, info: sdk.AppInfo,
               installing: bool) -> Frame:
    install = info.install
    if install.member_id != posted.member_id:
        raise RequestRefused("The request's member_id is not the portal the OAuth server knows for this token.")
    if normalise_domain(install.domain) != posted.domain:
        raise RequestRefused("The request's DOMAIN is not the portal the OAuth server knows for this token.")
    frame_verified.send(posted)  # ops: this portal, and only it, may frame the page; its member_id in the log line
    if portal is not None:
        refuse_unless_serving(portal, posted.lang, installing=installing)
    return Frame(
        **vars(posted),
        user_id=info.user_id,
        scope=",".join(info.scope),
        client_endpoint=install.client_endpoint,
        app_version=install.version,
        app_status=install.status.value,
        oauth=oauth,
        portal=portal,
    )


def _vouched(oauth: OAuthServer, auth_id: str, lifetime: int, fresh_after: datetime | None) -> sdk.AppInfo:
    """OAuth app.info for a token, remembered for the token's life so a repeat open costs no call."""
    return _vouchers.get(oauth.base_url, auth_id, lifetime, lambda: oauth.app_info(auth_id), fresh_after)


__all__ = ["Frame", "RequestRefused", "read_frame", "verify_frame", "parse_placement_options"]
