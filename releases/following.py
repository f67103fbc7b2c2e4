"""Answers that follow the portal's version: an update that reaches a promised release resolves the ticket.

``on_version_changed`` is connected to ``b24.signals.portal_version_changed`` and runs inside the
transaction that records the new version, so the status, the history line and the mail land together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select

from b24.models import Portal
from database import db, utcnow
from i18n import gettext_in
from process_cache import cached_per_process
from releases.models import Release, TicketFix
from request_memo import read_ahead, taken_or_read
from tickets import signals
from tickets.models import OPEN_STATUSES, Reply, Ticket


def on_version_changed(portal: Portal, old: int | None = None, new: int | None = None) -> None:
    """Signal receiver: only an update forward (not the first version, not a downgrade) resolves anything."""
    if portal.id is None or old is None or new is None or new <= old:
        return
    resolve_fixed(portal, new)


def resolve_fixed(portal: Portal, version: int) -> list[Ticket]:
    """Resolve the portal's open tickets promised to a release at or below ``version``; the user hears once."""
    rows = db.session.execute(
        select(TicketFix, Ticket, Release)
        .join(Ticket, Ticket.id == TicketFix.ticket_id)
        .join(Release, Release.id == TicketFix.release_id)
        .where(TicketFix.portal_id == portal.id, Release.version <= version, Ticket.status.in_(OPEN_STATUSES),
               TicketFix.resolved_at.is_(None), TicketFix.reopened_at.is_(None))
        .order_by(Ticket.id)
    ).all()
    now = utcnow()
    resolved = []
    for fix, ticket, release in rows:
        ticket.status = "resolved"
        ticket.resolved_at = now
        ticket.updated_at = now
        reply = Reply(author="system", kind="fixed_by_update", internal=False,
                      body=gettext_in(ticket.language,
                          "The update you installed (%(label)s) fixes %(number)s. Confirm it, or "
                          "reopen it, in Support.", number=ticket.number, label=release.label),
                      data={"version": release.label, "release_version": release.version})
        ticket.replies.append(reply)
        fix.resolved_at = now
        db.session.flush()
        signals.announce(ticket, "fixed_by_update", reply)
        resolved.append(ticket)
    return resolved


@dataclass
class PendingFix:
    """A promise as the portal's user sees it."""

    number: str
    label: str
    version: int


def _newer(installed: int):
    return and_(Release.version > installed, Ticket.status.in_(OPEN_STATUSES))


_AWAITING = and_(TicketFix.resolved_at.is_not(None), TicketFix.confirmed_at.is_(None),
                 TicketFix.reopened_at.is_(None), Ticket.status == "resolved")


def read_pending_fixes_ahead(portal: Portal) -> None:
    """The portal's pending fixes read now, for this request's Support form (request_memo)."""
    installed = portal.app_version or 0
    read_ahead(("pending_fixes", portal.id, installed), lambda: _read_pending_fixes(portal.id, installed))


def pending_fixes(portal: Portal) -> tuple[list[PendingFix], list[PendingFix]]:
    """(newer_fixes, awaiting_confirmation) of the portal in one query: the Support form shows both."""
    installed = portal.app_version or 0
    return taken_or_read(("pending_fixes", portal.id, installed), lambda: _read_pending_fixes(portal.id, installed))


@cached_per_process(10, forget_on_write=(TicketFix, Ticket))
def _portals_with_fixes() -> frozenset[int]:
    """The portals with a fix still to show: an open ticket a release fixes, or one an update resolved that awaits
    its user. Most portals have none, and their Support form then asks nothing more (other workers see a new
    fix within the 10 seconds; the writer at once)."""
    return frozenset(db.session.execute(
        select(TicketFix.portal_id).join(Ticket, Ticket.id == TicketFix.ticket_id)
        .where(or_(Ticket.status.in_(OPEN_STATUSES), _AWAITING)).distinct()
    ).scalars())


def _read_pending_fixes(portal_id: int, installed: int) -> tuple[list[PendingFix], list[PendingFix]]:
    if portal_id not in _portals_with_fixes():
        return [], []
    rows = db.session.execute(
        select(Ticket.number, Release.label, Release.version, _newer(installed).label("newer"),
               _AWAITING.label("awaiting"))
        .join(TicketFix, TicketFix.ticket_id == Ticket.id)
        .join(Release, Release.id == TicketFix.release_id)
        .where(TicketFix.portal_id == portal_id, or_(_newer(installed), _AWAITING))
    ).all()
    newer = sorted((PendingFix(n, label, v) for n, label, v, is_newer, _ in rows if is_newer),
                   key=lambda fix: (fix.version, fix.number))
    awaiting = sorted((PendingFix(n, label, v) for n, label, v, _, is_awaiting in rows if is_awaiting),
                      key=lambda fix: fix.number)
    return newer, awaiting


def newer_fixes(portal: Portal) -> list[PendingFix]:
    """Open tickets of the portal that a release newer than the installed one already fixes (the banner)."""
    return pending_fixes(portal)[0]


def awaiting_confirmation(portal: Portal) -> list[PendingFix]:
    """Tickets an update resolved that the user has neither confirmed nor reopened."""
    return pending_fixes(portal)[1]


class NotAwaiting(LookupError):
    """The ticket is not one an update resolved and the user still has to answer."""


def _awaiting_fix(ticket: Ticket) -> TicketFix:
    fix = db.session.execute(select(TicketFix).where(TicketFix.ticket_id == ticket.id)).scalar_one_or_none()
    if (fix is None or fix.resolved_at is None or fix.confirmed_at is not None or fix.reopened_at is not None
            or ticket.status != "resolved"):
        raise NotAwaiting(ticket.number)
    return fix


def confirm(ticket: Ticket) -> None:
    """The user says the update fixed it: the ticket is closed."""
    fix = _awaiting_fix(ticket)
    now = utcnow()
    fix.confirmed_at = now
    ticket.status = "closed"
    ticket.updated_at = now
    ticket.replies.append(Reply(author="system", kind="status_changed", body="", internal=True,
                                data={"from": "resolved", "to": "closed", "by": "user_confirmed_fix"}))
    db.session.flush()


def reopen(ticket: Ticket, b24_user_id: int | None, user_name: str | None) -> Reply:
    """The user says the update did not fix it: the ticket is open again and the vendor hears about it."""
    fix = _awaiting_fix(ticket)
    now = utcnow()
    fix.reopened_at = now
    ticket.status = "in_progress"
    ticket.resolved_at = None
    ticket.updated_at = now
    label = fix.release.label if fix.release is not None else ""
    reply = Reply(author="user", kind="message", internal=False,
                  body=gettext_in(ticket.language,
                      "The update %(label)s did not fix the problem: the request is open "
                      "again.", label=label),
                  data={"b24_user_id": b24_user_id, "user_name": user_name, "reopened": True})
    ticket.replies.append(reply)
    db.session.flush()
    signals.announce(ticket, "user_followup", reply)
    return reply


@dataclass
class PortalBelow:
    portal_id: int
    domain: str
    app_version: int | None
    tickets: int


def portals_below(release: Release) -> list[PortalBelow]:
    """Portals still on an older version with open tickets this release fixes (who should update)."""
    rows = db.session.execute(
        select(Portal.id, Portal.domain, Portal.app_version, func.count(Ticket.id))
        .join(TicketFix, TicketFix.portal_id == Portal.id)
        .join(Ticket, Ticket.id == TicketFix.ticket_id)
        .where(TicketFix.release_id == release.id, Ticket.status.in_(OPEN_STATUSES),
               (Portal.app_version < release.version) | Portal.app_version.is_(None))
        .group_by(Portal.id, Portal.domain, Portal.app_version)
        .order_by(func.count(Ticket.id).desc(), Portal.domain)
    ).all()
    return [PortalBelow(*row) for row in rows]


def overdue_promises(today: date | None = None) -> list[TicketFix]:
    """Planned releases whose date passed with no release named, on tickets still open."""
    today = today or utcnow().date()
    return list(db.session.execute(
        select(TicketFix).join(Ticket, Ticket.id == TicketFix.ticket_id)
        .where(TicketFix.release_id.is_(None), TicketFix.planned_on < today, Ticket.status.in_(OPEN_STATUSES))
        .order_by(TicketFix.planned_on, TicketFix.id)
    ).scalars())


def flag_overdue(today: date | None = None) -> list[TicketFix]:
    """Tell staff (mail) about each overdue promise once; returns the ones flagged now."""
    flagged = []
    for fix in overdue_promises(today):
        if fix.overdue_flagged_at is None:
            fix.overdue_flagged_at = utcnow()
            signals.announce(fix.ticket, "planned_overdue")
            flagged.append(fix)
    db.session.flush()
    return flagged


def name_release(fix: TicketFix, release: Release) -> None:
    """A planned promise now has its release: the ticket follows it from here."""
    fix.release_id = release.id
    fix.resolved_at = fix.reopened_at = None
    db.session.flush()
