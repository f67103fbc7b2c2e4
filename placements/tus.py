"""The Support form's resumable uploads: a tus 1.0 server (core, creation, termination, expiration) for the iframe.

Why our own: the Flask tus servers on PyPI (flask-tus 0.7.1 of 2016, its forks flask-tus-cont 1.3.2 of 2020 and
flask-tus-ponthe 1.1.4 of 2021) are unmaintained and keep their state in Redis or MongoDB; the maintained
Python servers are for other frameworks (tuspyserver and asgi-tus for ASGI/FastAPI, django-tus, litestar-tus).
The protocol is small (https://tus.io/protocols/resumable-upload, 1.0.0), and the hard parts are ours anyway:
the iframe's signed form token instead of cookies, per-form limits, the attachment store and sniffing.

    OPTIONS /placements/support/uploads              discovery: Tus-Version, Tus-Extension, Tus-Max-Size
    POST    /placements/support/uploads?f=<form token> with Upload-Length and Upload-Metadata -> 201 Location
    HEAD    <Location>                                 Upload-Offset / Upload-Length
    PATCH   <Location>                                 application/offset+octet-stream at Upload-Offset -> 204
    DELETE  <Location>                                 termination -> 204

The token rides in the URL (``f``) or, for a page reloaded with a fresh token, in ``Upload-Form-Token``. It is
checked before a byte of a body is read; a key of another portal or user answers 404, as does an unknown one.
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.http import http_date

from b24.models import Portal
from database import db
from placements import frame_tokens
from placements.frame_tokens import FORM, RECORDER, FrameTokenRefused
from tickets import resumable
from tickets.models import ResumableUpload
from tickets.uploads import MB, AttachmentRejected, accepts_uploads, drain_body, upload_limits

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
OFFSET_STREAM = "application/offset+octet-stream"
TOKEN_HEADER = "Upload-Form-Token"  # noqa: S105 (a header name)
RECORDER_HEADER = "Upload-Recorder-Token"  # noqa: S105 (the recorder window's token, placements/recorder.py)

bp = Blueprint("support_uploads", __name__, url_prefix="/placements/support/uploads")


@bp.after_request
def _tus_headers(response: Response) -> Response:
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Tus-Version"] = TUS_VERSION  # required with a 412, harmless elsewhere
    response.headers["Cache-Control"] = "no-store"  # offsets change with every PATCH
    response.headers["Referrer-Policy"] = "same-origin"  # the URL carries the form token
    return response


@bp.route("", methods=["OPTIONS"], provide_automatic_options=False)
@bp.route("/<key>", methods=["OPTIONS"], provide_automatic_options=False)
def discover(key: str | None = None) -> Response:
    return Response(status=204, headers={
        "Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS, "Tus-Max-Size": str(upload_limits().file_bytes),
    })


@bp.post("")
def create() -> Response:
    _require_version()
    owner, token = _owner()
    if request.headers.get("Upload-Defer-Length"):
        raise AttachmentRejected(400, "upload_length_required")  # creation-defer-length is not offered
    upload = resumable.create(owner, _int_header("Upload-Length"), _metadata())
    location = url_for(".upload", key=upload.key, **token)
    return Response(status=201, headers={"Location": location, "Upload-Offset": "0", **_expires(upload)})


@bp.route("/<key>", methods=["HEAD"])
def upload(key: str) -> Response:
    _require_version()
    found = _found(key)
    return Response(status=200, headers={
        "Upload-Offset": str(found.offset), "Upload-Length": str(found.length), **_expires(found),
    })


@bp.route("/<key>", methods=["PATCH"])
@accepts_uploads  # bounded by the upload's Upload-Length, checked with its form token before a byte is read
def append(key: str) -> Response:
    _require_version()
    if request.mimetype != OFFSET_STREAM:
        _refuse_body()
        raise AttachmentRejected(415, "upload_wrong_content_type")
    offset = _int_header("Upload-Offset")
    if offset is None:
        _refuse_body()
        raise AttachmentRejected(400, "upload_bad_header", header="Upload-Offset")
    found = _found(key)
    resumable.append(found, request.stream, offset, request.content_length)
    return Response(status=204, headers={"Upload-Offset": str(found.offset), **_expires(found)})


@bp.route("/<key>", methods=["DELETE"])
def terminate(key: str) -> Response:
    _require_version()
    resumable.terminate(_found(key))
    return Response(status=204)


# --- helpers --------------------------------------------------------------------------------------------


def _owner() -> tuple[resumable.Owner, dict[str, str]]:
    """Who asks, from the form token (header first, then ``f``) or the recorder window's (``r``).

    Refused before any body is read. Also returns the token as the query parameter the upload URL carries.
    """
    recorder = request.headers.get(RECORDER_HEADER) or request.args.get("r")
    token = recorder or request.headers.get(TOKEN_HEADER) or request.args.get("f")
    try:
        visitor = frame_tokens.read(token, RECORDER if recorder else FORM)
    except FrameTokenRefused:
        _refuse_body()
        raise
    portal = db.session.get(Portal, visitor.portal_id)
    if portal is None or portal.member_id != visitor.member_id or frame_tokens.already_spent(visitor):
        _refuse_body()
        raise FrameTokenRefused("err_token_used" if portal is not None else "err_token_invalid", visitor.lang)
    owner = resumable.Owner(visitor.portal_id, visitor.user_id, visitor.nonce or "")
    return owner, {("r" if recorder else "f"): token or ""}


def _found(key: str) -> ResumableUpload:
    owner, _token = _owner()
    found = resumable.find(owner, key)
    if found is None:
        _refuse_body()
        raise AttachmentRejected(404, "upload_not_found")
    return found


def _require_version() -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        _refuse_body()
        raise AttachmentRejected(412, "upload_unsupported_version")


def _int_header(name: str) -> int | None:
    value = request.headers.get(name)
    if value is None:
        return None
    if not value.isdigit() or len(value) > 19:
        raise AttachmentRejected(400, "upload_bad_header", header=name)
    return int(value)


def _metadata() -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (the value may be absent)."""
    found: dict[str, str] = {}
    raw = request.headers.get("Upload-Metadata", "")
    if len(raw) > 4096:
        raise AttachmentRejected(400, "upload_bad_header", header="Upload-Metadata")
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, _, value = pair.partition(" ")
        try:
            found[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise AttachmentRejected(400, "upload_bad_header", header="Upload-Metadata") from None
    return found


def _expires(upload: ResumableUpload) -> dict[str, str]:
    return {"Upload-Expires": http_date(upload.expires_at)}


def _refuse_body() -> None:
    # Read a bounded remainder of a refused body so the client gets our answer instead of a reset connection.
    length = request.content_length or 0
    if length:
        drain_body(request.stream, min(length, int(float(current_app.config["ATTACHMENT_DRAIN_MB"]) * MB)))
