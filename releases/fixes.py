"""Promised fixes: which release (or planned date) fixes a ticket, from a staff answer or a linked known issue."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from database import db
from releases.models import KnownIssue, Release, TicketFix
from tickets.models import Ticket


def fix_of(ticket: Ticket) -> TicketFix | None:
    return db.session.execute(select(TicketFix).where(TicketFix.ticket_id == ticket.id)).scalar_one_or_none()


def promise(ticket: Ticket, release: Release | None, planned_on: date | None, source: str = "answer",
            known_issue: KnownIssue | None = None) -> TicketFix:
    """Record (or replace) what fixes ``ticket``; a new promise starts over, so the follower acts on it again.

    A staff answer outranks a known issue: linking a ticket to an issue does not override what staff said.
    """
    fix = fix_of(ticket)
    if fix is not None and source == "known_issue" and fix.source == "answer" and fix.known_issue_id is None:
        return fix
    if fix is None:
        fix = TicketFix(ticket_id=ticket.id, portal_id=ticket.portal_id)
        db.session.add(fix)
    fix.release_id = release.id if release is not None else None
    fix.planned_on = planned_on
    fix.source = source
    fix.known_issue_id = known_issue.id if known_issue is not None else fix.known_issue_id
    fix.resolved_at = fix.confirmed_at = fix.reopened_at = fix.overdue_flagged_at = None
    db.session.flush()
    return fix


def follow_issue(issue: KnownIssue) -> None:
    """An issue's fix changed: every linked ticket whose promise came from the issue gets the new one."""
    for link in issue.links:
        fix = fix_of(link.ticket)
        if fix is not None and fix.source == "answer":
            continue
        if issue.fixed_in is None and issue.planned_on is None:
            if fix is not None:
                db.session.delete(fix)
            continue
        if fix is not None and fix.release_id == issue.fixed_in_id and fix.planned_on == issue.planned_on:
            continue
        promise(link.ticket, issue.fixed_in, issue.planned_on, "known_issue", issue)
    db.session.flush()
