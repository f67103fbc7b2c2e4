"""Reading tickets for the vendor: the inbox (filters, search, sort, pages), reaction times and overdue.

Every function here is a read; the console and the JSON API share them. Vulnerability reports are left
out unless the caller passes ``include_vulnerabilities=True`` (policy: private to the staff who may see them).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, func, literal, select, true
from sqlalchemy.types import DateTime

from b24.models import Portal
from contracts.models import Contract
from database import db, utcnow
from paging import COUNT_CAP, Page, paginate
from tickets import search
from tickets.models import CATEGORIES, OPEN_STATUSES, TICKET_STATUSES, Ticket
from tickets.sqltime import hours_between

VULNERABILITY = "vulnerability"
SEARCH_COUNT_CAP = 1_000
TICKET_NUMBER_RE = re.compile(r"^[A-Za-z]{1,16}-\d{4}-\d+$")
INBOX_SORTS = {
    "created": Ticket.created_at,
    "updated": Ticket.updated_at,
    "number": Ticket.number,
    "status": Ticket.status,
}


@dataclass
class InboxFilters:
    """What the inbox is narrowed to; every field optional. ``assignee`` is a staff id or "none"."""

    status: str | None = None
    portal_id: int | None = None
    category: str | None = None
    overdue: bool = False
    assignee: int | str | None = None
    q: str | None = None
    sort: str = "created"
    descending: bool = True
    include_vulnerabilities: bool = False


@dataclass
class InboxRow:
    ticket: Ticket
    domain: str
    promised_hours: int
    overdue: bool
    reaction_hours: float | None = None


@dataclass
class ReactionStats:
    """Reaction times (first staff answer minus arrival) of a contract's answered tickets, in hours."""

    answered: int = 0
    average_hours: float | None = None
    median_hours: float | None = None
    within_promise: int = 0
    hours: list[float] = field(default_factory=list, repr=False)


def default_reaction_hours() -> int:
    """Promised hours for a ticket that names no contract in the registry."""
    return int(current_app.config["CONSOLE_DEFAULT_REACTION_HOURS"])


def promised_hours_column() -> ColumnElement[int]:
    """The contract's promised reaction hours, or the default; needs ``Contract`` outer-joined by number."""
    return func.coalesce(Contract.reaction_hours, default_reaction_hours())


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Open, not answered yet, and older than the promised hours (needs ``Contract`` outer-joined by number)."""
    return and_(
        Ticket.status.in_(OPEN_STATUSES),
        Ticket.first_response_at.is_(None),
        hours_between(Ticket.created_at, literal(now, DateTime())) > promised_hours_column(),
    )


def visible_tickets(include_vulnerabilities: bool) -> ColumnElement[bool]:
    """The condition that hides vulnerability reports from staff who may not see them."""
    return true() if include_vulnerabilities else Ticket.category != VULNERABILITY


def inbox_conditions(filters: InboxFilters, now: datetime | None = None) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the inbox; the overdue one needs ``Contract`` outer-joined by number."""
    now = now or utcnow()
    conditions: list[ColumnElement[bool]] = [visible_tickets(filters.include_vulnerabilities)]
    if filters.status in TICKET_STATUSES:
        conditions.append(Ticket.status == filters.status)
    elif filters.status == "open":
        conditions.append(Ticket.status.in_(OPEN_STATUSES))
    if filters.portal_id:
        conditions.append(Ticket.portal_id == filters.portal_id)
    if filters.category in CATEGORIES:
        conditions.append(Ticket.category == filters.category)
    if filters.overdue:
        conditions.append(overdue_condition(now))
    if filters.assignee == "none":
        conditions.append(Ticket.assignee_id.is_(None))
    elif filters.assignee:
        conditions.append(Ticket.assignee_id == int(filters.assignee))
    q = (filters.q or "").strip()
    if TICKET_NUMBER_RE.match(q):
        conditions.append(Ticket.number == q.upper())  # a whole number: the unique index, no text scan
    elif q:
        conditions.append(search.matches(q))  # the full-text and trigram indexes (tickets/search.py)
    return conditions


def inbox_query(filters: InboxFilters, now: datetime | None = None) -> Select:
    """The inbox as one SELECT of (Ticket, domain, promised hours, overdue), filtered and ordered."""
    now = now or utcnow()
    stmt = (
        select(Ticket, Portal.domain, promised_hours_column().label("promised"),
               overdue_condition(now).label("overdue"))
        .join(Portal, Portal.id == Ticket.portal_id)
        .outerjoin(Contract, Contract.number == Ticket.contract_number)
        .where(*inbox_conditions(filters, now))
    )
    column = INBOX_SORTS.get(filters.sort, Ticket.created_at)
    order = column.desc() if filters.descending else column.asc()
    return stmt.order_by(order, Ticket.id.desc() if filters.descending else Ticket.id.asc())


def inbox_count_query(filters: InboxFilters, now: datetime | None = None) -> Select:
    """The inbox's rows for counting, without the joins a count does not need (the contract only for overdue)."""
    stmt = select(Ticket.id)
    if filters.overdue:
        stmt = stmt.outerjoin(Contract, Contract.number == Ticket.contract_number)
    return stmt.where(*inbox_conditions(filters, now))


def _inbox_row(row) -> InboxRow:
    ticket, domain, promised, overdue = row
    return InboxRow(ticket=ticket, domain=domain, promised_hours=int(promised), overdue=bool(overdue),
                    reaction_hours=reaction_hours(ticket))


def inbox_page(filters: InboxFilters, page: int | None = 1, per_page: int | None = 50, now: datetime | None = None,
               cap: int | None = COUNT_CAP) -> Page:
    """One page of the inbox: two SQL queries (count and rows) whatever ``per_page`` is.

    The count stops at ``cap`` (``Page.total_capped``); pass ``cap=None`` for an exact total. A free-text search
    counts at most SEARCH_COUNT_CAP: each counted match is a row read from the table, and "1,000+" tells a person
    to narrow the search as well as any larger figure.
    """
    now = now or utcnow()
    if filters.q and cap is not None:
        cap = min(cap, SEARCH_COUNT_CAP)
    return paginate(inbox_query(filters, now), page, per_page, _inbox_row, count=inbox_count_query(filters, now),
                    cap=cap)


def numbered_ticket(number: str, include_vulnerabilities: bool = False) -> Select:
    """SELECT of the ticket with this number, if the caller may see it (for ``db.first_or_404``)."""
    return select(Ticket).where(Ticket.number == (number or "").strip().upper(),
                                visible_tickets(include_vulnerabilities))


def ticket_by_number(number: str, include_vulnerabilities: bool = False) -> Ticket | None:
    """The ticket with this number, or None (also when it is a vulnerability report the caller may not see)."""
    return db.session.execute(numbered_ticket(number, include_vulnerabilities)).scalar_one_or_none()


def contract_of(ticket: Ticket) -> Contract | None:
    """The registry contract the ticket names, if any."""
    if not ticket.contract_number:
        return None
    return db.session.execute(select(Contract).where(Contract.number == ticket.contract_number)).scalar_one_or_none()


def reaction_hours(ticket: Ticket) -> float | None:
    """First staff answer minus arrival, in hours; None while unanswered."""
    if ticket.first_response_at is None:
        return None
    return (ticket.first_response_at - ticket.created_at).total_seconds() / 3600


def is_overdue(ticket: Ticket, promised_hours: int, now: datetime | None = None) -> bool:
    """The same rule as ``overdue_condition``, for one ticket already loaded."""
    now = now or utcnow()
    return (ticket.is_open and ticket.first_response_at is None
            and (now - ticket.created_at).total_seconds() / 3600 > promised_hours)


def reaction_stats(contract_numbers: list[str], include_vulnerabilities: bool = False) -> dict[str, ReactionStats]:
    """Average and median reaction per contract number, in one query over the answered tickets."""
    stats = {number: ReactionStats() for number in contract_numbers}
    if not contract_numbers:
        return stats
    rows = db.session.execute(
        select(Ticket.contract_number, hours_between(Ticket.created_at, Ticket.first_response_at),
               func.coalesce(Contract.reaction_hours, default_reaction_hours()))
        .outerjoin(Contract, Contract.number == Ticket.contract_number)
        .where(Ticket.contract_number.in_(contract_numbers), Ticket.first_response_at.is_not(None),
               visible_tickets(include_vulnerabilities))
    ).all()
    for number, hours, promised in rows:
        entry = stats[number]
        entry.hours.append(float(hours))
        entry.within_promise += float(hours) <= promised
    for entry in stats.values():
        if entry.hours:
            entry.answered = len(entry.hours)
            entry.average_hours = sum(entry.hours) / len(entry.hours)
            entry.median_hours = statistics.median(entry.hours)
    return stats


def portal_tickets(portal_id: int, include_vulnerabilities: bool = False, limit: int = 100) -> list[Ticket]:
    """The portal's latest tickets, newest first."""
    return list(db.session.execute(
        select(Ticket).where(Ticket.portal_id == portal_id, visible_tickets(include_vulnerabilities))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    ).scalars())


@dataclass
class Requester:
    """Someone who filed tickets from a portal, as the tickets name them."""

    user_name: str | None
    contact_email: str
    b24_user_id: int | None
    tickets: int
    last_at: datetime


def portal_requesters(portal_id: int, include_vulnerabilities: bool = False) -> list[Requester]:
    """The distinct people (name, email, Bitrix24 user id) who filed the portal's tickets, busiest first."""
    rows = db.session.execute(
        select(Ticket.user_name, Ticket.contact_email, Ticket.b24_user_id, func.count(), func.max(Ticket.created_at))
        .where(Ticket.portal_id == portal_id, visible_tickets(include_vulnerabilities))
        .group_by(Ticket.user_name, Ticket.contact_email, Ticket.b24_user_id)
        .order_by(func.count().desc(), func.max(Ticket.created_at).desc())
    ).all()
    return [Requester(*row) for row in rows]
