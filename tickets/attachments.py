"""Ticket attachments: keep an upload under a random name after sniffing its type, attach it, serve it back.

Typical view (the caller does access control: the portal owning the ticket, or a logged-in console user)::

    try:
        form, files = parse_upload_request(request)    # files already streamed to disk, limits enforced
    except AttachmentRejected as exc:                  # 413/400: exc.form has the text fields sent before it
        return render_form(exc.form, error=exc.description), exc.status
    stored = []
    try:
        for file in uploaded_files(files, "video"):    # skips a file input left blank
            stored.append(store_upload(file, "video"))  # AttachmentRejected 415 wrong type / 400 empty
        ... validate, create the ticket ...
        for item in stored:
            attach(ticket, item, "video")               # added to the session, not committed
        db.session.commit()
    except Exception:
        for item in stored:
            discard(item)                               # nothing stored on failure
        raise

``request.form`` / ``request.files`` are streamed the same way anywhere in the app (tickets.init_app installs
UploadRequest), so frame verification may read the form first. Uncaught, AttachmentRejected renders as the
app's error page with its status and translated message. ``accept_attribute(role)`` gives an ``<input accept>``
hint and ``upload_limits().file_bytes`` the per-file limit, for a warning before sending.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import NotFound, RequestedRangeNotSatisfiable

from database import db
from tickets.models import Attachment, Reply, Ticket
from tickets.ranged import ranged_response
from tickets.sniffing import FILE_TYPES, VIDEO_TYPES, identify
from tickets.storage import current_store
from tickets.uploads import (
    CHUNK,
    AttachmentRejected,
    FileTooLarge,
    IncomingFile,
    attachment_dir,
    display_name,
    incoming_dir,
    megabytes,
    parse_upload_request,
    sweep_incoming,
    upload_limits,
)

__all__ = [
    "ALLOWED_TYPES", "AttachmentRejected", "StoredFile", "accept_attribute", "allowed_label", "attach", "check_stored",
    "discard",
    "parse_upload_request", "send_attachment", "storage_path", "store_upload", "sweep_incoming", "upload_limits",
    "uploaded_files",
]

ROLES = ("video", "file")
ALLOWED_TYPES: dict[str, frozenset[str]] = {"video": VIDEO_TYPES, "file": FILE_TYPES}
# What the rejection message lists, and what an <input type=file accept=...> offers, per role.
_ALLOWED_LABELS = {"video": "MP4, MOV, WebM, MKV, AVI", "file": "PNG, JPEG, GIF, WebP, PDF, TXT/LOG, ZIP"}
_ACCEPT = {
    "video": "video/mp4,video/quicktime,video/webm,video/x-matroska,video/x-msvideo,.mp4,.mov,.webm,.mkv,.avi",
    "file": "image/png,image/jpeg,image/gif,image/webp,application/pdf,application/zip,.txt,.log,.zip,.pdf",
}
# Shown in the browser when opened; anything else (zip) is always a download.
_INLINE_TYPES = VIDEO_TYPES | (FILE_TYPES - {"application/zip"})


@dataclass(frozen=True)
class StoredFile:
    """An upload kept in the store but not yet recorded on a ticket (see attach / discard)."""

    storage_name: str
    original_name: str  # sanitised, for display only; never part of a path
    content_type: str  # sniffed from the bytes
    size: int
    sha256: str
    # Finished over tus (tickets.resumable): its upload row owns the file until a ticket records it.
    from_upload: bool = False


def uploaded_files(files: MultiDict, field: str) -> list[FileStorage]:
    """The files sent under ``field``, without the empty part a browser sends for a file input left blank."""
    return [file for file in files.getlist(field) if file.filename or _has_bytes(file)]


def _has_bytes(file: FileStorage) -> bool:
    position = file.stream.tell()
    present = bool(file.stream.read(1))
    file.stream.seek(position)
    return present


def accept_attribute(role: str) -> str:
    """The ``accept`` value for a file input of this role (a hint to the browser; the server still sniffs)."""
    return _ACCEPT[role]


def allowed_label(role: str) -> str:
    """The kinds a role accepts, as shown to users: "MP4, MOV, WebM, MKV, AVI"."""
    return _ALLOWED_LABELS[role]


def storage_path(storage_name: str) -> Path:
    """Where a file of the local store lives; the name is ours (hex), checked so a bad database value cannot escape."""
    if not (storage_name and storage_name.isalnum()):
        raise NotFound()
    return attachment_dir() / storage_name


def store_upload(file: FileStorage, role: str) -> StoredFile:
    """Keep one upload: sniff its type, check it against the role, move it under a random name, hash it.

    Raises AttachmentRejected: 400 empty, 413 over ATTACHMENT_MAX_MB, 415 type not allowed for the role
    (``video``: MP4/MOV/WebM/MKV/AVI; ``file``: PNG/JPEG/GIF/WebP/PDF/UTF-8 .txt/.log/ZIP). A rejected
    upload is deleted at once. The file name and the browser's Content-Type are never trusted.
    """
    if role not in ALLOWED_TYPES:
        raise ValueError(f"unknown attachment role {role!r}")
    name = display_name(file.filename)
    incoming = _on_disk(file, name)
    try:
        size, sha256 = incoming.size, incoming.digest.hexdigest()
        content_type = identify(bytes(incoming.head), name, incoming.text.finish())
        if size == 0:
            raise AttachmentRejected(400, "attachment_empty", name=name)
        if content_type not in ALLOWED_TYPES[role]:
            raise AttachmentRejected(
                415, f"attachment_wrong_type_{role}", name=name, allowed=_ALLOWED_LABELS[role]
            )
        storage_name = secrets.token_hex(16)
        incoming.claim(current_store(), storage_name)
    finally:
        incoming.close()  # deletes the temp file unless it was claimed
    return StoredFile(storage_name, name, content_type, size, sha256)


def check_stored(stored: StoredFile, role: str) -> StoredFile:
    """A file kept earlier (over tus), checked against the role it is attached as: 415 when its type does not fit."""
    if stored.content_type not in ALLOWED_TYPES.get(role, frozenset()):
        name = stored.original_name
        raise AttachmentRejected(415, f"attachment_wrong_type_{role}", name=name, allowed=_ALLOWED_LABELS[role])
    return stored


def _on_disk(file: FileStorage, name: str) -> IncomingFile:
    """The upload as an IncomingFile: the one the streaming parser wrote, or a chunked copy of any other stream."""
    if isinstance(file.stream, IncomingFile) and not file.stream.claimed and not file.stream.closed:
        file.stream.flush()
        return file.stream
    limits = upload_limits()
    copy = IncomingFile(incoming_dir(), limits.file_bytes)
    try:
        while chunk := file.stream.read(CHUNK):
            copy.write(chunk)
        copy.flush()
    except FileTooLarge:
        copy.close()
        raise AttachmentRejected(413, "attachment_too_large", name=name, limit=megabytes(limits.file_bytes)) from None
    except BaseException:
        copy.close()
        raise
    return copy


def attach(ticket: Ticket, stored: StoredFile, role: str, reply: Reply | None = None) -> Attachment:
    """Record a stored file on a ticket (and optionally on one of its replies); added to the session, not committed."""
    if role not in ALLOWED_TYPES:
        raise ValueError(f"unknown attachment role {role!r}")
    attachment = Attachment(
        ticket=ticket,
        reply=reply,
        role=role,
        original_name=stored.original_name,
        storage_name=stored.storage_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
    )
    db.session.add(attachment)
    return attachment


def discard(stored: StoredFile) -> None:
    """Delete a stored file that will not be recorded (the form failed after the upload was kept).

    A file that came over tus stays: its upload row still owns it, so the form shown again keeps it attached
    (and the sweep deletes it if nobody sends it).
    """
    if stored.from_upload:
        return
    current_store().delete(stored.storage_name)


def _filename_params(attachment: Attachment) -> dict[str, str]:
    """RFC 6266 filename parameters: an ASCII fallback plus the exact name as an RFC 5987 ``filename*``."""
    name = attachment.original_name
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch for ch in fallback if ch.isprintable() and ch not in '"\\').strip()
    if not fallback.strip("._ -") or fallback.startswith("."):
        fallback = "attachment" + Path(name).suffix.encode("ascii", "ignore").decode("ascii")
    return {"filename": fallback, "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")}


def send_attachment(attachment: Attachment, *, download: bool = False) -> Response:
    """The file as an HTTP response with Range support (206, 416) so a <video> can seek.

    Access control is the caller's job: check that the request's portal owns ``attachment.ticket`` (or that
    a console user is logged in) before calling. Headers: the sniffed Content-Type with ``nosniff``, a
    Content-Disposition carrying the display name (RFC 5987 ``filename*`` when not ASCII), and a sandboxing
    CSP so even a text file cannot run anything on our origin.
    """
    store = current_store()
    as_download = download or attachment.content_type not in _INLINE_TYPES
    if store.kind != "local":
        response = ranged_response(store, attachment.storage_name, mimetype=attachment.content_type,
                                   etag=attachment.sha256, last_modified=attachment.created_at)
    else:
        response = _send_local(attachment, as_download)
    disposition = "attachment" if as_download else "inline"
    response.headers.set("Content-Disposition", disposition, **_filename_params(attachment))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if attachment.content_type != "application/pdf":  # the browser's PDF viewer does not run in a CSP sandbox
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _send_local(attachment: Attachment, as_download: bool) -> Response:
    path = storage_path(attachment.storage_name)
    if not path.is_file():
        raise NotFound()
    try:
        response = send_file(
            os.fspath(path),
            mimetype=attachment.content_type,
            as_attachment=as_download,
            download_name=attachment.original_name,
            conditional=True,
            etag=attachment.sha256,
            last_modified=attachment.created_at,
            max_age=None,
        )
    except RequestedRangeNotSatisfiable:
        # Answered here, not by the app's error page, which would drop the Content-Range a player needs.
        response = Response(status=416, headers={"Content-Range": f"bytes */{path.stat().st_size}"})
        response.headers["Accept-Ranges"] = "bytes"
    return response
