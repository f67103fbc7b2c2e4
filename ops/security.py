"""Security headers on every response: framing only by the portal that opened the page, nosniff, referrer, cookies.

Placement pages live inside a Bitrix24 portal's iframe, so their CSP ``frame-ancestors`` names that one portal
(the origin the OAuth server vouched for, set by ``allow_framing_by`` while verifying the frame request). Every
other page (the vendor console, the API, health) refuses to be framed at all.
"""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ops.logging import set_log_context
from settings import csv

# Paths the portal frames: the main page, the installer, every placement.
FRAMED_PREFIXES = ("/placements/",)
FRAMED_PATHS = ("/", "/install")
# Pages for people outside the portal (the vendor console): also X-Frame-Options, for browsers without CSP, and
# no-store. This module is the one place that sets response headers for framing and caching.
PAGES_FOR_PEOPLE = ("/console",)
# Development tools that set their own rules (the sandbox portal frames the app, it is never framed itself).
UNTOUCHED_PREFIXES = ("/sandbox",)

# A host with an optional port: nothing that could end the CSP directive or smuggle another source in.
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,252})(?::\d{1,5})?$")

# same-origin: links out of the app (the vendor's site, a video host, known-issues pages) carry no referrer at
# all, so neither the portal's address nor a signed token in our URLs ever reaches a third party; our own
# navigation keeps the full referrer. Stricter than strict-origin-when-cross-origin and breaks nothing we use.
REFERRER_POLICY = "same-origin"
BASE_CSP = "base-uri 'self'; object-src 'none'"
NOBODY = "'none'"


def on_frame_verified(frame: Any) -> None:
    """b24.signals.frame_verified: the OAuth server vouched for this portal's frame request."""
    allow_framing_by(frame.domain, frame.protocol)
    set_log_context(member_id=frame.member_id)


def allow_framing_by(domain: str, protocol: str = "https") -> None:
    """Let the portal at ``domain`` (verified) frame this response. Call it from frame views after verification."""
    origin = portal_origin(domain, protocol)
    if origin:
        g.frame_ancestor = origin


def portal_origin(domain: str, protocol: str = "https") -> str | None:
    """``https://domain[:port]`` for a well-formed host, None for anything else."""
    host = (domain or "").strip().lower()
    if not _HOST.match(host):
        return None
    scheme = "http" if protocol in ("http", "0") else "https"
    return f"{scheme}://{host}"


def is_framed_path(path: str) -> bool:
    return path in FRAMED_PATHS or path.startswith(FRAMED_PREFIXES)


def _frame_ancestor_for(response: Response) -> str | None:
    ancestor = g.get("frame_ancestor")
    if ancestor:
        return ancestor
    if response.status_code >= 400 and request.method == "POST":
        # An error page for a frame request that failed verification: it carries no data and no action, so the
        # portal the request claims to come from may show it; otherwise the user sees a blank refused frame.
        return portal_origin(request.args.get("DOMAIN", ""), request.args.get("PROTOCOL", "1"))
    return None


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    path = request.path
    if path.startswith(UNTOUCHED_PREFIXES):
        return response
    if is_framed_path(path):
        ancestor = _frame_ancestor_for(response)
        # FRAME_ANCESTORS_EXTRA: origins that frame every placement by design (the sandbox portal page).
        sources = [o for o in [ancestor, *csv(current_app.config.get("FRAME_ANCESTORS_EXTRA") or "")] if o]
        _set_csp(headers, f"frame-ancestors {' '.join(sources) or NOBODY}")
        headers.pop("X-Frame-Options", None)  # X-Frame-Options cannot name an origin; CSP governs
        if not sources:
            headers["X-Frame-Options"] = "DENY"
    else:
        _set_csp(headers, f"frame-ancestors {NOBODY}")
        if path.startswith(PAGES_FOR_PEOPLE):
            # For browsers too old for CSP: the console is where a click could do harm.
            headers["X-Frame-Options"] = "DENY"
            # Staff pages hold customers' data: no cache keeps a copy (a view's own choice, e.g. a poster, stays).
            headers.setdefault("Cache-Control", "no-store")
    if current_app.config["PUBLIC_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        _secure_cookies(response)
    return response


def _set_csp(headers, frame_ancestors: str) -> None:
    """Our framing rule, added to a policy a view set itself (an attachment's sandbox) or as the whole policy."""
    own = headers.get("Content-Security-Policy")
    if not own:
        headers["Content-Security-Policy"] = f"{frame_ancestors}; {BASE_CSP}"
    elif "frame-ancestors" not in own:
        headers["Content-Security-Policy"] = f"{own.rstrip('; ')}; {frame_ancestors}"


def _secure_cookies(response: Response) -> None:
    """Every cookie Secure under https, whoever set it; SameSite=Lax unless the setter chose one."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        lower = cookie.lower()
        if "; secure" not in lower:
            cookie += "; Secure"
        if "samesite=" not in lower:
            cookie += "; SameSite=Lax"
        response.headers.add("Set-Cookie", cookie)


def refuse_oversized_body() -> None:
    """Every body but an upload endpoint's is held to MAX_BODY_KB, multipart or not, declared or chunked.

    A declared length over the limit is refused before a byte is read. A chunked body (no Content-Length) gets
    the limit as the request's ``max_content_length``, so Werkzeug stops reading it at the limit with a 413
    rather than reading it whole first. Upload endpoints (``tickets.uploads.accepts_uploads``) are bounded by the
    attachment limits instead, and stream to disk only after their form token is checked.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "accepts_uploads", False):
        return  # the multipart form and the tus PATCH (placements/tus.py): bounded by the attachment limits
    limit = current_app.config["MAX_BODY_KB"] * 1024
    request.max_content_length = limit
    length = request.content_length
    if length is None and request.environ.get("wsgi.input_terminated"):
        length = _take_chunked_body(limit)
    if length and length > limit:
        raise RequestEntityTooLarge(
            f"The request body is {length // 1024} KB or more; at most {current_app.config['MAX_BODY_KB']} KB "
            "is accepted here."
        )


def _take_chunked_body(limit: int) -> int:
    """Read a chunked body up to one byte past the limit; within it, hand it on as an ordinary sized body.

    Werkzeug's own limit on such a stream stops reading silently at the limit, so a cut-off form would be parsed
    as if whole; reading one byte more tells "too large" apart, and no more than that is ever read.
    """
    environ = request.environ
    stream, pieces, taken = environ["wsgi.input"], [], 0
    while taken <= limit:
        piece = stream.read(min(64 * 1024, limit + 1 - taken))
        if not piece:
            break
        pieces.append(piece)
        taken += len(piece)
    if taken <= limit:
        environ["wsgi.input"] = io.BytesIO(b"".join(pieces))
        environ["CONTENT_LENGTH"] = str(taken)
    return taken


def init_app(app: Flask) -> None:
    app.before_request(refuse_oversized_body)
    https = app.config["PUBLIC_URL"].startswith("https://")
    # The session cookie belongs to the vendor console, a first-party site never framed: Lax keeps it off
    # cross-site POSTs (a CSRF layer under the console's tokens). Placement pages use no cookies (protocol §4).
    app.config["SESSION_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE") or https
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.after_request(add_security_headers)
