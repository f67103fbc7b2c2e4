"""Known issues: create, edit, publish, link tickets, count views and deflections. Nothing here commits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from database import db
from releases import fixes, registry
from releases.models import ISSUE_LANGUAGES, Deflection, KnownIssue, KnownIssueTicket
from releases.registry import Invalid
from tickets.inbox import ticket_by_number
from tickets.models import Ticket

MAX_TITLE = 200
MAX_TEXT = 20_000


def issue_by_id(issue_id: Any, published_only: bool = False) -> KnownIssue | None:
    try:
        issue = db.session.get(KnownIssue, int(issue_id))
    except (TypeError, ValueError):
        return None
    if issue is None or (published_only and not issue.published):
        return None
    return issue


def slug(issue: KnownIssue) -> str:
    """A readable tail for the public address; the id alone finds the page."""
    words = re.findall(r"\w+", issue.title.lower())
    return "-".join(words)[:60].strip("-") or "issue"


def save_issue(issue: KnownIssue | None, fields: Mapping[str, Any]) -> KnownIssue:
    """Create (``issue`` None) or change a known issue from form fields; Invalid names every bad field."""
    errors: dict[str, str] = {}
    text = {name: str(fields.get(name) or "").replace("\x00", "").replace("\r\n", "\n").strip()
            for name in ("title", "symptoms", "workaround")}
    if not text["title"]:
        errors["title"] = "ki_err_required"
    elif len(text["title"]) > MAX_TITLE:
        errors["title"] = "rel_err_too_long"
    if not text["symptoms"]:
        errors["symptoms"] = "ki_err_required"
    for name in ("symptoms", "workaround"):
        if len(text[name]) > MAX_TEXT:
            errors[name] = "rel_err_too_long"
    language = str(fields.get("language") or "")
    if language not in ISSUE_LANGUAGES:
        errors["language"] = "ki_err_language"
    bounds: dict[str, int | None] = {}
    for name in ("affected_from", "affected_to"):
        try:
            bounds[name] = registry.parse_int(fields.get(name))
        except ValueError:
            bounds[name], errors[name] = None, "rel_err_version"
    if (bounds["affected_from"] and bounds["affected_to"]
            and bounds["affected_from"] > bounds["affected_to"]):
        errors["affected_to"] = "ki_err_range"
    fixed_in = None
    if str(fields.get("fixed_in") or "").strip():
        fixed_in = registry.release_by_id(fields.get("fixed_in"))
        if fixed_in is None:
            errors["fixed_in"] = "rel_err_release"
    try:
        planned_on = registry.parse_date(fields.get("planned_on"))
    except ValueError:
        planned_on, errors["planned_on"] = None, "rel_err_date"
    if errors:
        raise Invalid(errors)
    if issue is None:
        issue = KnownIssue(views=0)
        db.session.add(issue)
    issue.title, issue.symptoms, issue.workaround = text["title"], text["symptoms"], text["workaround"]
    issue.language = language
    issue.published = str(fields.get("published") or "").lower() in ("1", "on", "true", "y")  # "1" or True
    issue.affected_from, issue.affected_to = bounds["affected_from"], bounds["affected_to"]
    issue.fixed_in = fixed_in
    issue.planned_on = None if fixed_in is not None else planned_on
    db.session.flush()
    fixes.follow_issue(issue)
    return issue


def link_ticket(issue: KnownIssue, number: str, include_vulnerabilities: bool = False) -> KnownIssueTicket:
    """Mark a ticket as an occurrence of ``issue``; it then follows the issue's fix. Invalid for an unknown one."""
    ticket = ticket_by_number(number, include_vulnerabilities)
    if ticket is None:
        raise Invalid({"ticket": "ki_err_ticket"})
    existing = next((link for link in issue.links if link.ticket_id == ticket.id), None)
    if existing is not None:
        return existing
    link = KnownIssueTicket(ticket=ticket)
    issue.links.append(link)
    db.session.flush()
    if issue.fixed_in is not None or issue.planned_on is not None:
        fixes.promise(ticket, issue.fixed_in, issue.planned_on, "known_issue", issue)
    return link


def unlink_ticket(issue: KnownIssue, ticket_id: int) -> None:
    for link in list(issue.links):
        if link.ticket_id == ticket_id:
            fix = fixes.fix_of(link.ticket)
            if fix is not None and fix.known_issue_id == issue.id and fix.source == "known_issue":
                db.session.delete(fix)
            issue.links.remove(link)
    db.session.flush()


def count_view(issue: KnownIssue) -> None:
    """One more reading of the issue (the public page); an UPDATE in SQL so parallel readers all count."""
    db.session.execute(update(KnownIssue).where(KnownIssue.id == issue.id)
                       .values(views=KnownIssue.views + 1).execution_options(synchronize_session=False))


def deflect(issue: KnownIssue, portal_id: int, b24_user_id: int | None) -> bool:
    """The user says this issue answers them: recorded once per user. Returns whether it was new."""
    exists = db.session.execute(select(Deflection.id).where(
        Deflection.known_issue_id == issue.id, Deflection.portal_id == portal_id,
        Deflection.b24_user_id.is_(None) if b24_user_id is None else Deflection.b24_user_id == b24_user_id,
    )).first()
    if exists:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Deflection(known_issue_id=issue.id, portal_id=portal_id, b24_user_id=b24_user_id))
    except IntegrityError:
        return False  # a parallel click recorded it first
    return True


@dataclass
class IssueRow:
    issue: KnownIssue
    deflections: int
    linked_tickets: int


def issue_rows() -> list[IssueRow]:
    """Every known issue with its deflections and linked tickets, newest first, in three queries."""
    issues = list(db.session.execute(select(KnownIssue).order_by(KnownIssue.id.desc())).scalars())
    ids = [i.id for i in issues]
    deflections = dict(db.session.execute(
        select(Deflection.known_issue_id, func.count()).where(Deflection.known_issue_id.in_(ids))
        .group_by(Deflection.known_issue_id)).all()) if ids else {}
    linked = dict(db.session.execute(
        select(KnownIssueTicket.known_issue_id, func.count()).where(KnownIssueTicket.known_issue_id.in_(ids))
        .group_by(KnownIssueTicket.known_issue_id)).all()) if ids else {}
    return [IssueRow(i, int(deflections.get(i.id, 0)), int(linked.get(i.id, 0))) for i in issues]


def deflection_count(issue: KnownIssue) -> int:
    return int(db.session.execute(
        select(func.count()).select_from(Deflection).where(Deflection.known_issue_id == issue.id)).scalar_one())


def linked_tickets(issue: KnownIssue) -> list[Ticket]:
    return [link.ticket for link in issue.links]
