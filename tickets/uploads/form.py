"""The app's request class and upload endpoints: where a body may stream files to disk, parsed once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Request, current_app, g
from werkzeug.datastructures import MultiDict

from tickets.uploads.limits import upload_limits
from tickets.uploads.multipart import FALLBACK_FIELD_BYTES, StreamingFormParser
from tickets.uploads.rejected import AttachmentRejected


def load_form(request: Request) -> None:
    """Parse the request body once, streaming files to disk; remember a rejection so every later access sees it."""
    rejected = request.__dict__.get("_upload_rejected")
    if rejected is not None:
        raise rejected
    if "form" in request.__dict__:
        return
    if not request.want_form_data_parsed:
        request.__dict__.update(form=request.parameter_storage_class(), files=request.parameter_storage_class())
        return
    parser = StreamingFormParser(
        upload_limits(),
        max_form_memory_size=request.max_form_memory_size or FALLBACK_FIELD_BYTES,
        max_form_parts=request.max_form_parts,
        cls=request.parameter_storage_class,
    )
    try:
        stream, form, files = parser.parse(
            request._get_stream_for_parsing(), request.mimetype, request.content_length, request.mimetype_params
        )
    except AttachmentRejected as exc:
        request.__dict__["_upload_rejected"] = exc
        raise
    request.__dict__.update(stream=stream, form=form, files=files)


def accepts_uploads(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as an upload endpoint: its multipart body may stream to disk past MAX_BODY_KB.

    Only after the view has checked the request's signed form token (``g.form_token_checked``); before that,
    and on every unmarked view, a body is an ordinary one and ops.security bounds it by MAX_BODY_KB.
    """
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def streams_uploads(request: Request) -> bool:
    """Whether this request may write files to ATTACHMENT_DIR: a marked view whose form token was checked."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "accepts_uploads", False) and g.get("form_token_checked"))


class UploadRequest(Request):
    """The app's request class: a multipart upload is streamed to disk, never buffered in memory, and only where
    allowed.

    Installed by ``tickets.init_app``. On an upload endpoint, once its form token is checked, ``request.form``
    streams files to ATTACHMENT_DIR/.incoming under the attachment limits, or raises AttachmentRejected (413/400)
    that the app's error handler renders as a clear message. Anywhere else the body is parsed as Werkzeug does,
    within MAX_BODY_KB, and nothing reaches the attachment folder.
    """

    def _load_form_data(self) -> None:
        if streams_uploads(self):
            load_form(self)
            return
        if self.max_content_length is None:
            self.max_content_length = current_app.config["MAX_BODY_KB"] * 1024
        super()._load_form_data()


def parse_upload_request(request: Request) -> tuple[MultiDict, MultiDict]:
    """The request's (form, files), files streamed to temp files under ATTACHMENT_DIR while parsed.

    Raises AttachmentRejected (413 over ATTACHMENT_MAX_MB per file, ATTACHMENT_MAX_REQUEST_MB per request or
    ATTACHMENT_MAX_FILES files; 400 malformed or interrupted), having deleted every byte already written.
    Files nobody stores are deleted when the request ends. Works on any Flask request object, so a separate
    app (the benchmark) can use it without UploadRequest.
    """
    load_form(request)
    return request.form, request.files
