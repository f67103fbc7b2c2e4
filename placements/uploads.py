"""Reading a submission from the iframe: the typed fields, the multipart uploads by role, the finished tus uploads."""

from __future__ import annotations

from typing import Any

from flask import Request

from database import db
from placements.frame_tokens import Visitor
from tickets.attachments import AttachmentRejected, parse_upload_request, uploaded_files
from tickets.filing import FilingRejected
from tickets.models import ResumableUpload
from tickets.resumable import Owner, claim, finished

VIDEO_FIELD, FILES_FIELD = "video", "attachments"
AFTER_VIDEO = "after_video"


def read_submission(request: Request, file_field: str | None = None) -> tuple[Any, list[tuple[str, Any]]]:
    """``(fields, [(role, upload), ...])``, streamed to disk by the attachment store.

    A refused upload (too large, too many) becomes FilingRejected carrying the fields that were read,
    so the form comes back filled in rather than as a broken page.
    """
    try:
        form, files = parse_upload_request(request)
    except AttachmentRejected as exc:
        field = file_field or _field_in_flight(exc)
        rejected = FilingRejected({field: exc.message_key}, exc.status, {field: exc.params})
        rejected.fields = exc.form
        raise rejected from exc
    if file_field:  # a follow-up has one file input: every file is a plain attachment
        return form, [("file", upload) for upload in uploaded_files(files, file_field)]
    uploads = [("video", upload) for upload in uploaded_files(files, VIDEO_FIELD)]
    uploads += [("file", upload) for upload in uploaded_files(files, FILES_FIELD)]
    return form, uploads


def _field_in_flight(exc: AttachmentRejected) -> str:
    """Which input the refused file came from.

    Browsers send parts in page order and the form puts a hidden ``after_video`` field between the
    video input and the other attachments: if it arrived, the video was already through.
    """
    return FILES_FIELD if exc.form.get(AFTER_VIDEO) else VIDEO_FIELD


UPLOAD_FIELD = "upload"  # one hidden input per file finished over tus (placements/tus.py), holding its key


def upload_owner(visitor: Visitor) -> Owner:
    return Owner(visitor.portal_id, visitor.user_id, visitor.nonce or "")


def claimed_uploads(visitor: Visitor, fields: Any) -> list[tuple[str, Any]]:
    """The finished tus uploads the form names, taken for this submission (rows go with its transaction)."""
    keys = fields.getlist(UPLOAD_FIELD) if hasattr(fields, "getlist") else []
    try:
        return claim(upload_owner(visitor), keys)
    except AttachmentRejected as exc:
        db.session.rollback()  # the uploads already taken and the spent token go back: the form can be sent again
        rejected = FilingRejected({FILES_FIELD: exc.message_key}, exc.status, {FILES_FIELD: exc.params})
        rejected.fields = fields
        raise rejected from exc


def attached_uploads(visitor: Visitor, fields: Any) -> list[ResumableUpload]:
    """Finished uploads a form shown again keeps attached (a failed validation loses none of them)."""
    keys = fields.getlist(UPLOAD_FIELD) if hasattr(fields, "getlist") else []
    return finished(upload_owner(visitor), keys)
