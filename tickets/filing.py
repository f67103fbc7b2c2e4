"""Filing a support request (policy §3.1) and the user's follow-ups: validate, number, store, notify."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from b24.models import Portal
from contracts.eligibility import Eligibility, eligibility
from database import db, utcnow
from redactor import redact_value
from tickets import attachments, signals  # attachments: the store (streaming, sniffing, limits)
from tickets.models import CATEGORIES, Reply, Ticket
from tickets.numbering import next_number
from tickets.status import AFTER_USER_FOLLOWUP, follow_the_work

# (role, upload) pairs: role "video" for the screen recording, "file" for screenshots and logs. An upload is a
# multipart file (FileStorage) or a file already finished over tus (attachments.StoredFile, see tickets.resumable).
Uploads = Iterable[tuple[str, Any]]

OTHER_OPERATOR = "other"
TEXT_FIELDS = (
    "contract_number", "operator", "operator_other", "operator_connection", "what_done", "what_expected",
    "what_obtained", "video_url", "contact_email", "contact_telegram", "contact_phone", "category",
)
MAX_LENGTH = {
    "contract_number": 64, "operator": 64, "operator_other": 64, "operator_connection": 4000,
    "what_done": 20000, "what_expected": 20000, "what_obtained": 20000, "video_url": 1024,
    "contact_email": 255, "contact_telegram": 33, "contact_phone": 32, "category": 20, "body": 20000,
}
# What policy §3.1 asks of each kind of request; a contract question needs only the message itself.
REQUIRED = {
    "error": ("contract_number", "operator", "operator_connection", "what_done", "what_expected", "what_obtained"),
    "vulnerability": ("contract_number", "what_done", "what_obtained"),
    "consultation": ("contract_number", "what_done"),
    "contract": ("what_done",),
}
NEEDS_VIDEO = ("error",)

CONTRACT_CATEGORY = "contract"  # the one category a portal without an active contract may file


def required_by_category() -> dict[str, tuple[str, ...]]:
    """For each form field, the categories that require it: the form marks a field only for those."""
    fields: dict[str, tuple[str, ...]] = {}
    for category in CATEGORIES:
        for name in (*REQUIRED.get(category, ()), "contact_email", *(("video",) if category in NEEDS_VIDEO else ())):
            fields[name] = (*fields.get(name, ()), category)
    return fields
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
TELEGRAM = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,30}$")


class FilingRejected(Exception):
    """The request cannot be filed as typed: ``errors`` maps each field to a message key."""

    def __init__(self, errors: dict[str, str], status: int = 422, params: dict[str, dict] | None = None):
        super().__init__(", ".join(f"{name}: {key}" for name, key in sorted(errors.items())))
        self.errors = errors
        self.status = status
        self.params = params or {}  # message parameters per field (a file's name, the size limit)
        self.fields: Mapping[str, Any] = {}  # what the user typed, when the caller could not read it itself


@dataclass
class Author:
    """Who wrote a follow-up, as the verified frame named them."""

    b24_user_id: int | None
    name: str | None = None
    email: str | None = None


def clean_text(value: object) -> str:
    """Form text as stored: NUL removed (PostgreSQL refuses it), line ends normalised, outer space trimmed."""
    return str(value or "").replace("\x00", "").replace("\r\n", "\n").strip()


def open_categories(allowed: Eligibility) -> tuple[str, ...]:
    """The categories a request may be filed under (policy §2): only a contract question without a contract."""
    return CATEGORIES if allowed.contract_active else (CONTRACT_CATEGORY,)


def validate_request(
    fields: Mapping[str, Any], allowed: Eligibility, has_video_upload: bool = False
) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned fields and a ``{field: message key}`` of everything wrong with them."""
    data = {name: clean_text(fields.get(name)) for name in TEXT_FIELDS}
    errors: dict[str, str] = {}
    for name, value in data.items():
        if len(value) > MAX_LENGTH[name]:
            errors[name] = "err_too_long"

    category = data["category"]
    if category not in CATEGORIES:
        errors["category"] = "err_choice"
    elif category not in open_categories(allowed):
        errors["category"] = "err_needs_contract"
    for name in REQUIRED.get(category, ()):
        if not data[name]:
            errors.setdefault(name, "err_required")

    codes = {op.code for op in allowed.recommended_operators}
    if data["operator"] == OTHER_OPERATOR:
        if not data["operator_other"]:
            errors.setdefault("operator_other", "err_required")
    elif data["operator"] and data["operator"] not in codes:
        errors.setdefault("operator", "err_choice")

    if data["video_url"] and not _web_url(data["video_url"]):
        errors.setdefault("video_url", "err_url")
    if category in NEEDS_VIDEO and not (has_video_upload or data["video_url"]):
        errors.setdefault("video", "err_video_required")

    if not data["contact_email"]:
        errors.setdefault("contact_email", "err_required")
    elif not EMAIL.match(data["contact_email"]):
        errors.setdefault("contact_email", "err_email")
    if data["contact_telegram"]:
        match = TELEGRAM.match(data["contact_telegram"])
        if match:
            data["contact_telegram"] = "@" + match.group(1)
        else:
            errors.setdefault("contact_telegram", "err_telegram")
    if data["contact_phone"] and not PHONE.match(data["contact_phone"]):
        errors.setdefault("contact_phone", "err_phone")
    return data, errors


def file_ticket(portal: Portal, context: dict[str, Any], fields: Mapping[str, Any], files: Uploads = ()) -> Ticket:
    """Validate, store the uploads, number and save the ticket and queue ``ticket_created``, in one commit.

    Raises FilingRejected with per-field message keys; then nothing is stored. Anything the caller
    added to the session before (a spent form token) is committed or rolled back with the ticket.
    """
    uploads = _present(files)
    allowed = eligibility(portal, _operator_choice(fields))
    data, errors = validate_request(fields, allowed, any(role == "video" for role, _ in uploads))
    if errors:
        db.session.rollback()
        raise FilingRejected(errors)
    stored = _store(uploads)
    try:
        ticket = Ticket(
            number=next_number(),
            portal_id=portal.id,
            status="new",
            category=data["category"],
            contract_number=data["contract_number"] or None,
            operator=(data["operator_other"] if data["operator"] == OTHER_OPERATOR else data["operator"]) or None,
            operator_connection=data["operator_connection"] or None,
            what_done=data["what_done"],
            what_expected=data["what_expected"],
            what_obtained=data["what_obtained"],
            video_url=data["video_url"] or None,
            contact_email=data["contact_email"],
            contact_telegram=data["contact_telegram"] or None,
            contact_phone=data["contact_phone"] or None,
            language=str(context.get("lang") or "en")[:8],
            b24_user_id=_int((context.get("user") or {}).get("id")),
            user_name=(str((context.get("user") or {}).get("name") or "")[:255] or None),
            context=redact_value(context),  # stored as it may be shown and sent: no token, no URL query
        )
        db.session.add(ticket)
        db.session.flush()
        _attach_all(ticket, stored)
        signals.announce(ticket, "ticket_created")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _discard_all(stored)
        raise
    return ticket


def add_followup(ticket: Ticket, body: str, files: Uploads = (), author: Author | None = None) -> Reply:
    """The user's message and/or attachments on their ticket, with ``user_followup`` queued in one commit."""
    text = clean_text(body)
    uploads = _present(files)
    if len(text) > MAX_LENGTH["body"]:
        raise FilingRejected({"body": "err_too_long"})
    if not text and not uploads:
        raise FilingRejected({"body": "err_required"})
    stored = _store(uploads, field_for={"video": "attachments", "file": "attachments"})
    try:
        author = author or Author(None)
        reply = Reply(
            ticket=ticket,
            author="user",
            kind="message",
            body=text,
            data={"b24_user_id": author.b24_user_id, "user_name": author.name},
            internal=False,
        )
        db.session.add(reply)
        db.session.flush()
        _attach_all(ticket, stored, reply)
        ticket.updated_at = utcnow()
        follow_the_work(ticket, AFTER_USER_FOLLOWUP)  # the user answered: the vendor's turn again
        signals.announce(ticket, "user_followup", reply)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _discard_all(stored)
        raise
    return reply


def _operator_choice(fields: Mapping[str, Any]) -> str | None:
    choice = clean_text(fields.get("operator"))
    return clean_text(fields.get("operator_other")) if choice == OTHER_OPERATOR else (choice or None)


def _web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value)


def _present(files: Uploads) -> list[tuple[str, Any]]:
    """Drop the empty file inputs a browser sends when nothing was chosen."""
    return [
        (role, upload) for role, upload in files
        if upload is not None and (getattr(upload, "filename", "") or getattr(upload, "storage_name", ""))
    ]


def _store(uploads: list[tuple[str, Any]], field_for: dict[str, str] | None = None) -> list[tuple[str, Any]]:
    """Check and keep every upload; the first one refused discards the others and names its field."""
    if not uploads:
        return []
    field_for = field_for or {"video": "video", "file": "attachments"}
    stored: list[tuple[str, Any]] = []
    for role, upload in uploads:
        try:
            if isinstance(upload, attachments.StoredFile):  # finished over tus: already kept, hashed and sniffed
                stored.append((role, attachments.check_stored(upload, role)))
                continue
            stored.append((role, attachments.store_upload(upload, role)))
        except attachments.AttachmentRejected as exc:
            _discard_all(stored)
            db.session.rollback()
            field = field_for.get(role, "attachments")
            raise FilingRejected({field: exc.message_key}, exc.status, {field: exc.params}) from exc
    return stored


def _attach_all(ticket: Ticket, stored: list[tuple[str, Any]], reply: Reply | None = None) -> None:
    if stored:
        for role, item in stored:
            attachments.attach(ticket, item, role, reply=reply)


def _discard_all(stored: list[tuple[str, Any]]) -> None:
    if stored:
        for _role, item in stored:
            attachments.discard(item)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
