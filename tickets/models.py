"""The incident store: tickets, the replies on them and their attachments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from b24.models import Portal
from database import db, utcnow
from sealed import SealedText

TICKET_STATUSES = ("new", "in_progress", "waiting_for_user", "resolved", "closed")
OPEN_STATUSES = ("new", "in_progress", "waiting_for_user")
CATEGORIES = ("error", "consultation", "vulnerability", "contract")
# The answers policy §3.2 promises, and the data each one carries.
ANSWER_KINDS = {
    "fixed_in_version": ("version",),
    "update_available": ("version", "link"),
    "planned_release": ("date",),
    "workaround": (),
    "solution": (),
    "recommendation": (),
    "consultation": (),
    "known_issues_link": ("link",),
}


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_portal_created", "portal_id", "created_at"),
        # The console's open-ticket counts per portal (GROUP BY portal_id over the open statuses).
        Index("ix_ticket_status_portal", "status", "portal_id"),
        # Unanswered tickets newest first: the overdue view walks this instead of every recent ticket.
        Index("ix_ticket_unanswered_created", "first_response_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    category: Mapped[str] = mapped_column(String(20), default="error", index=True)
    contract_number: Mapped[str | None] = mapped_column(String(64), index=True)  # joins the contract registry
    operator: Mapped[str | None] = mapped_column(String(64))
    # Payment-operator connection data is a secret: encrypted here, never sent to any channel or list.
    operator_connection: Mapped[str | None] = mapped_column(SealedText)
    what_done: Mapped[str] = mapped_column(Text, default="")
    what_expected: Mapped[str] = mapped_column(Text, default="")
    what_obtained: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str | None] = mapped_column(String(1024))
    contact_email: Mapped[str] = mapped_column(String(255))
    contact_telegram: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="en")
    b24_user_id: Mapped[int | None]
    user_name: Mapped[str | None] = mapped_column(String(255))
    # Everything the placement knew without the user typing it, as it was at filing time.
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    assignee_id: Mapped[int | None] = mapped_column(index=True)
    vendor_record_id: Mapped[str | None] = mapped_column(String(64))  # task/item id in the vendor's Bitrix24
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]

    portal: Mapped[Portal] = relationship()
    replies: Mapped[list[Reply]] = relationship(
        back_populates="ticket", order_by="Reply.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="ticket", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.status}>"


class Reply(db.Model):
    """A message on a ticket: the user's follow-up, a staff answer of one of the policy's kinds, or a note."""

    __tablename__ = "reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(8))  # user | staff | system
    staff_user_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(32), default="message")  # message | note | an ANSWER_KINDS key
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="replies")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="reply")


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("reply.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(8), default="file")  # video | file
    original_name: Mapped[str] = mapped_column(String(255))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    reply: Mapped[Reply | None] = relationship(back_populates="attachments")


class TicketSequence(db.Model):
    """The last number issued per prefix and year; rows are locked while a number is taken."""

    __tablename__ = "ticket_sequence"
    __table_args__ = (UniqueConstraint("prefix", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16))
    year: Mapped[int]
    last_value: Mapped[int] = mapped_column(default=0)


class ResumableUpload(db.Model):
    """A file arriving over tus (tickets.resumable) before a submission attaches it to a ticket.

    Bound to the portal and the user the form token named; ``form_nonce`` is the form that created it
    (files per form are counted by it). ``storage_name`` is chosen at creation and becomes the attachment's.
    """

    __tablename__ = "resumable_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the unguessable id in the upload URL
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"), index=True)
    b24_user_id: Mapped[int | None]
    form_nonce: Mapped[str] = mapped_column(String(48), index=True)
    role: Mapped[str] = mapped_column(String(8), default="file")  # video | file
    original_name: Mapped[str] = mapped_column(String(255))
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    # What the store needs to go on (an S3 multipart upload id and its parts); empty for the local folder.
    store_state: Mapped[dict] = mapped_column(JSON, default=dict)
    content_type: Mapped[str | None] = mapped_column(String(100))  # sniffed once the last byte is in
    sha256: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None]
    # A PATCH holds the upload until then, so two requests never write the same bytes at once.
    locked_until: Mapped[datetime | None]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
