"""Releases of the app and the known problems they fix: the registry, known issues, promised fixes, deflections."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from database import db, utcnow
from tickets.models import Ticket

ISSUE_LANGUAGES = ("ru", "en")


class Release(db.Model):
    """One published version of the app: the platform's integer VERSION (app.info, ONAPPUPDATE) and its label."""

    __tablename__ = "release"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    label: Mapped[str] = mapped_column(String(32))  # what people call it, e.g. "2.5.0"
    released_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Release {self.version} {self.label}>"


class KnownIssue(db.Model):
    """A problem the vendor knows about, the versions it affects and what fixes it; public once published."""

    __tablename__ = "known_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    symptoms: Mapped[str] = mapped_column(Text, default="")
    workaround: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="ru")
    published: Mapped[bool] = mapped_column(default=False, index=True)
    # Affected versions as the platform's integers, inclusive; None on a side means "open-ended".
    affected_from: Mapped[int | None]
    affected_to: Mapped[int | None]
    fixed_in_id: Mapped[int | None] = mapped_column(ForeignKey("release.id", ondelete="SET NULL"), index=True)
    planned_on: Mapped[date | None]  # the promised date while no release fixes it yet
    views: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    fixed_in: Mapped[Release | None] = relationship()
    links: Mapped[list[KnownIssueTicket]] = relationship(
        back_populates="known_issue", cascade="all, delete-orphan", order_by="KnownIssueTicket.id"
    )

    def affects(self, version: int | None) -> bool:
        """Whether a portal on ``version`` has this problem (unknown versions are assumed affected)."""
        if version is None:
            return True
        if self.affected_from is not None and version < self.affected_from:
            return False
        if self.affected_to is not None and version > self.affected_to:
            return False
        return not (self.fixed_in is not None and version >= self.fixed_in.version)


class KnownIssueTicket(db.Model):
    """A ticket that is an occurrence of a known issue."""

    __tablename__ = "known_issue_ticket"
    __table_args__ = (UniqueConstraint("known_issue_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    known_issue_id: Mapped[int] = mapped_column(ForeignKey("known_issue.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    known_issue: Mapped[KnownIssue] = relationship(back_populates="links")
    ticket: Mapped[Ticket] = relationship()


class Deflection(db.Model):
    """A user who found their answer in a known issue and filed nothing; one per user and issue."""

    __tablename__ = "deflection"
    __table_args__ = (UniqueConstraint("known_issue_id", "portal_id", "b24_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    known_issue_id: Mapped[int] = mapped_column(ForeignKey("known_issue.id", ondelete="CASCADE"))
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"), index=True)
    b24_user_id: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketFix(db.Model):
    """What the vendor promised fixes a ticket: a release, or a planned date until the release exists.

    One row per ticket, from a staff answer or from the known issue the ticket is linked to. The version
    follower reads it when a portal updates; ``resolved_at`` and ``reopened_at`` keep it from acting twice.
    """

    __tablename__ = "ticket_fix"
    # The follower's question on every update: the portal's open promises up to its new version.
    __table_args__ = (Index("ix_ticket_fix_release_ticket", "release_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"), index=True)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("release.id", ondelete="SET NULL"))
    planned_on: Mapped[date | None] = mapped_column(index=True)
    known_issue_id: Mapped[int | None] = mapped_column(ForeignKey("known_issue.id", ondelete="SET NULL"),
                                                       index=True)
    source: Mapped[str] = mapped_column(String(12), default="answer")  # answer | known_issue
    resolved_at: Mapped[datetime | None]  # the update that resolved the ticket arrived
    confirmed_at: Mapped[datetime | None]  # the user confirmed the fix
    reopened_at: Mapped[datetime | None]  # the user said it did not fix it
    overdue_flagged_at: Mapped[datetime | None]  # staff were told the planned date passed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    release: Mapped[Release | None] = relationship()
    known_issue: Mapped[KnownIssue | None] = relationship()
