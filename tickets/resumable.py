"""Uploads that arrive over several requests (tus 1.0): create, append in order, finish, claim, terminate, sweep.

The HTTP side is placements/tus.py; this is the state. An upload belongs to the portal and the Bitrix24 user
whose form token created it, and counts against that form's files. Its bytes go to the attachment store
(tickets.storage) as they arrive; when the last byte is in, the file is read back once to hash and sniff it,
exactly as a multipart upload is judged (tickets.sniffing). A submission then claims finished uploads by key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from flask import current_app
from sqlalchemy import func, or_, select, update
from werkzeug.exceptions import ClientDisconnected

from database import db, utcnow
from tickets.attachments import ALLOWED_TYPES, StoredFile, allowed_label
from tickets.models import ResumableUpload
from tickets.sniffing import HEAD_SIZE, TextCheck, identify
from tickets.storage import current_store
from tickets.uploads import CHUNK, AttachmentRejected, display_name, drain_body, megabytes, upload_limits

# A PATCH holds its upload this long and renews the hold while bytes keep coming; a killed worker's hold lapses.
LEASE = timedelta(seconds=60)
RENEW_EVERY = timedelta(seconds=20)


@dataclass(frozen=True)
class Owner:
    """Who may touch an upload: the portal and the user a verified frame named, and the form they filled."""

    portal_id: int
    b24_user_id: int | None
    form_nonce: str


def expiry() -> datetime:
    return utcnow() + timedelta(hours=float(current_app.config["UPLOAD_EXPIRE_HOURS"]))


def create(owner: Owner, length: int | None, metadata: dict[str, str]) -> ResumableUpload:
    """A new empty upload of ``length`` bytes, refused before any byte when it cannot be accepted.

    Raises AttachmentRejected: 400 no length or an unknown role, 400 empty, 413 over ATTACHMENT_MAX_MB,
    413 when the form already has ATTACHMENT_MAX_FILES uploads. Commits (the client gets its URL next).
    """
    limits = upload_limits()
    name = display_name(metadata.get("filename") or metadata.get("name"))
    role = metadata.get("role") or "file"
    if role not in ALLOWED_TYPES:
        raise AttachmentRejected(400, "upload_bad_role")
    if length is None or length < 0:
        raise AttachmentRejected(400, "upload_length_required")
    if length == 0:
        raise AttachmentRejected(400, "attachment_empty", name=name)
    if length > limits.file_bytes:
        raise AttachmentRejected(413, "attachment_too_large", name=name, limit=megabytes(limits.file_bytes))
    of_form = db.session.execute(
        select(func.count(ResumableUpload.id)).where(ResumableUpload.form_nonce == owner.form_nonce)
    ).scalar_one()
    if of_form >= limits.max_files:
        raise AttachmentRejected(413, "attachment_too_many_files", limit=limits.max_files)
    storage_name = secrets.token_hex(16)
    upload = ResumableUpload(
        key=secrets.token_urlsafe(32),
        portal_id=owner.portal_id,
        b24_user_id=owner.b24_user_id,
        form_nonce=owner.form_nonce,
        role=role,
        original_name=name,
        length=length,
        offset=0,
        storage_name=storage_name,
        store_state=current_store().begin(storage_name),
        expires_at=expiry(),
    )
    db.session.add(upload)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        current_store().abort(storage_name, upload.store_state or {})
        raise
    return upload


def find(owner: Owner, key: str) -> ResumableUpload | None:
    """The upload, if this portal's user made it and it has not expired; another portal's key finds nothing."""
    if not key or len(key) > 64:
        return None
    upload = db.session.execute(select(ResumableUpload).where(ResumableUpload.key == key)).scalar_one_or_none()
    if upload is None or upload.portal_id != owner.portal_id or upload.b24_user_id != owner.b24_user_id:
        return None
    if upload.expires_at < utcnow():
        return None
    return upload


def append(upload: ResumableUpload, stream: IO[bytes], offset: int, content_length: int | None) -> ResumableUpload:
    """Write one PATCH body at ``offset``; keep what arrived even if the client drops the connection.

    Raises AttachmentRejected: 409 offset is not where the upload is, 413 the body runs past Upload-Length
    (nothing of it is kept), 423 another request is writing this upload, 415/400 the finished file is not a
    type we accept (the upload is deleted). Commits as it goes: the hold on the upload must be visible to
    other processes while the body streams, and the new offset must be durable before we answer it.
    """
    if offset != upload.offset or upload.completed_at is not None:
        _drain_body(stream, content_length)
        raise AttachmentRejected(409, "upload_offset_mismatch", offset=upload.offset)
    if content_length is not None and offset + content_length > upload.length:
        _drain_body(stream, content_length)
        raise AttachmentRejected(413, "upload_past_length", length=upload.length)
    _hold(upload, offset, stream, content_length)
    store = current_store()
    appender = store.appender(upload.storage_name, offset, dict(upload.store_state or {}))
    left = upload.length - offset
    renew_at = utcnow() + RENEW_EVERY
    try:
        try:
            while left > 0:
                data = stream.read(min(CHUNK, left))
                if not data:
                    break
                appender.write(data)
                left -= len(data)
                if utcnow() >= renew_at:
                    _renew(upload)
                    renew_at = utcnow() + RENEW_EVERY
            if left == 0 and content_length is None and stream.read(1):
                appender.rollback()  # a chunked body longer than the file: keep none of it
                _release(upload)
                raise AttachmentRejected(413, "upload_past_length", length=upload.length)
        except ClientDisconnected:
            pass  # keep what arrived: the client asks HEAD for the offset and goes on from there
        state = appender.commit(complete=left == 0)
    except AttachmentRejected:
        raise
    except BaseException:
        appender.rollback()
        _release(upload)
        raise
    upload.offset = upload.length - left
    upload.store_state = state
    upload.locked_until = None
    upload.expires_at = expiry()
    db.session.commit()
    appender.settled()
    if upload.offset == upload.length:
        complete(upload)
    return upload


def complete(upload: ResumableUpload) -> None:
    """Assemble the finished file, hash and sniff it; a file of a type the role refuses is deleted (415)."""
    if upload.completed_at is not None:
        return
    store = current_store()
    if store.size(upload.storage_name) is None:  # a retry after a crash between the two steps finds it done
        store.finish(upload.storage_name, upload.store_state or {})
    digest, head, text, size = hashlib.sha256(), bytearray(), TextCheck(), 0
    for data in store.chunks(upload.storage_name):
        digest.update(data)
        text.feed(data)
        if len(head) < HEAD_SIZE:
            head += data[: HEAD_SIZE - len(head)]
        size += len(data)
    content_type = identify(bytes(head), upload.original_name, text.finish())
    if size != upload.length or content_type not in ALLOWED_TYPES[upload.role]:
        name, role = upload.original_name, upload.role
        store.delete(upload.storage_name)
        db.session.delete(upload)
        db.session.commit()
        if size != upload.length:
            raise AttachmentRejected(400, "attachment_incomplete")
        raise AttachmentRejected(415, f"attachment_wrong_type_{role}", name=name, allowed=allowed_label(role))
    upload.content_type = content_type
    upload.sha256 = digest.hexdigest()
    upload.completed_at = utcnow()
    upload.store_state = {}
    upload.expires_at = expiry()
    db.session.commit()


def terminate(upload: ResumableUpload) -> None:
    """tus termination: the upload and every byte it stored are gone."""
    store = current_store()
    if upload.completed_at is not None:
        store.delete(upload.storage_name)
    else:
        store.abort(upload.storage_name, upload.store_state or {})
    db.session.delete(upload)
    db.session.commit()


def finished(owner: Owner, keys: list[str]) -> list[ResumableUpload]:
    """The owner's finished uploads among ``keys`` (a form shown again lists them as attached)."""
    found = [find(owner, key) for key in dict.fromkeys(keys)]
    return [upload for upload in found if upload is not None and upload.completed_at is not None]


def claim(owner: Owner, keys: list[str]) -> list[tuple[str, StoredFile]]:
    """The submission takes these finished uploads: ``[(role, StoredFile)]``; their rows go in this transaction.

    Not committed: if the filing fails, the rollback gives the uploads back, still attached to the form.
    Raises AttachmentRejected 400 for a key that is not the owner's, or whose upload is not complete.
    """
    claimed: list[tuple[str, StoredFile]] = []
    for key in dict.fromkeys(k for k in keys if k):
        upload = find(owner, key)
        if upload is None:
            raise AttachmentRejected(400, "upload_not_found")
        if upload.completed_at is None and upload.offset == upload.length:
            complete(upload)
        if upload.completed_at is None:
            raise AttachmentRejected(400, "upload_unfinished", name=upload.original_name)
        claimed.append((upload.role, StoredFile(
            upload.storage_name, upload.original_name, upload.content_type or "", upload.length,
            upload.sha256 or "", from_upload=True,
        )))
        db.session.delete(upload)
    return claimed


def sweep_expired(now: datetime | None = None) -> int:
    """Delete uploads past UPLOAD_EXPIRE_HOURS since their last byte (finished ones nobody sent, too)."""
    now = now or utcnow()
    store = current_store()
    removed = 0
    expired = db.session.execute(select(ResumableUpload).where(ResumableUpload.expires_at < now)).scalars().all()
    for upload in expired:
        if upload.locked_until is not None and upload.locked_until > now:
            continue  # still being written: its next PATCH moves the expiry on
        if upload.completed_at is not None:
            store.delete(upload.storage_name)
        else:
            store.abort(upload.storage_name, upload.store_state or {})
        db.session.delete(upload)
        db.session.commit()
        removed += 1
    return removed


def _hold(upload: ResumableUpload, offset: int, stream: IO[bytes], content_length: int | None) -> None:
    """Take the upload for this request, atomically, only if it is still at ``offset`` and nobody holds it."""
    now = utcnow()
    taken = db.session.execute(
        update(ResumableUpload)
        .where(
            ResumableUpload.id == upload.id,
            ResumableUpload.offset == offset,
            ResumableUpload.completed_at.is_(None),
            or_(ResumableUpload.locked_until.is_(None), ResumableUpload.locked_until < now),
        )
        .values(locked_until=now + LEASE)
    ).rowcount
    db.session.commit()
    if taken != 1:
        db.session.refresh(upload)
        _drain_body(stream, content_length)
        if upload.offset != offset:
            raise AttachmentRejected(409, "upload_offset_mismatch", offset=upload.offset)
        raise AttachmentRejected(423, "upload_locked")


def _renew(upload: ResumableUpload) -> None:
    db.session.execute(
        update(ResumableUpload).where(ResumableUpload.id == upload.id).values(locked_until=utcnow() + LEASE)
    )
    db.session.commit()


def _release(upload: ResumableUpload) -> None:
    db.session.rollback()
    db.session.execute(update(ResumableUpload).where(ResumableUpload.id == upload.id).values(locked_until=None))
    db.session.commit()


def _drain_body(stream: IO[bytes], content_length: int | None) -> None:
    # Read (and drop) a bounded remainder so the client sees our 4xx rather than a reset connection.
    drain_body(stream, min(content_length if content_length is not None else 0, upload_limits().drain_bytes) or 0)
