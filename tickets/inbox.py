"""The staff inbox: listing tickets with filters, search and pages, and one ticket with its whole context.

A page costs one query whatever its size (tickets joined with their portal and contract); a ticket page a
fixed handful (the ticket, its replies, attachments and deliveries). Reaction deadlines come from the
ticket's contract (promised hours), else the SUPPORT_REACTION_HOURS setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, Float, and_, cast, func, literal, or_, select
from sqlalchemy.orm import defer, selectinload

from b24.models import Portal
from contracts.models import Contract
from database import db, utcnow
from delivery.models import OutboxMessage
from paging import Page, PageRequest, window
from tickets.models import OPEN_STATUSES, Reply, Ticket

VULNERABILITY = "vulnerability"
# Long free-text and secret columns a list never shows; the secret one is never loaded at all.
_LIST_DEFERRED = ("operator_connection", "context", "what_done", "what_expected", "what_obtained")


@dataclass(frozen=True)
class TicketFilters:
    status: str | None = None
    portal: str | None = None  # member_id
    category: str | None = None
    overdue: bool | None = None
    assignee_id: int | None = None
    search: str | None = None  # part of the number, contact email, user name or portal domain
    include_vulnerabilities: bool = False


@dataclass
class TicketRow:
    ticket: Ticket
    member_id: str
    domain: str
    reaction_hours: int
    due_at: datetime
    overdue: bool

    @property
    def reaction_minutes(self) -> int | None:
        first = self.ticket.first_response_at
        return None if first is None else int((first - self.ticket.created_at).total_seconds() // 60)


@dataclass
class TicketDetail(TicketRow):
    portal: Portal | None = None
    contract: Contract | None = None
    replies: list[Reply] = field(default_factory=list)
    deliveries: list[OutboxMessage] = field(default_factory=list)


def default_reaction_hours() -> int:
    return int(current_app.config.get("SUPPORT_REACTION_HOURS", 24))


def _deadline_passed(hours, now: datetime):
    """SQL: created_at + hours is before now, in the dialect's own date arithmetic."""
    now_param = literal(now, DateTime())
    if db.session.get_bind().dialect.name == "postgresql":
        return Ticket.created_at + func.make_interval(0, 0, 0, 0, hours) < now_param
    return func.julianday(Ticket.created_at) + cast(hours, Float) / 24.0 < func.julianday(now_param)


def overdue_condition(hours, now: datetime):
    return and_(Ticket.status.in_(OPEN_STATUSES), Ticket.first_response_at.is_(None), _deadline_passed(hours, now))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def tickets_query(filters: TicketFilters, now: datetime):
    """Tickets with their portal and promised reaction hours, filtered and newest first, not paged."""
    hours = func.coalesce(Contract.reaction_hours, default_reaction_hours())
    query = (
        select(Ticket, Portal.member_id, Portal.domain, hours.label("reaction_hours"))
        .join(Portal, Portal.id == Ticket.portal_id)
        .outerjoin(Contract, Contract.number == Ticket.contract_number)
        .options(*(defer(getattr(Ticket, name)) for name in _LIST_DEFERRED))
    )
    if not filters.include_vulnerabilities:
        query = query.where(Ticket.category != VULNERABILITY)
    if filters.status:
        query = query.where(Ticket.status == filters.status)
    if filters.category:
        query = query.where(Ticket.category == filters.category)
    if filters.portal:
        query = query.where(Portal.member_id == filters.portal)
    if filters.assignee_id is not None:
        query = query.where(Ticket.assignee_id == filters.assignee_id)
    if filters.overdue is True:
        query = query.where(overdue_condition(hours, now))
    elif filters.overdue is False:
        query = query.where(~overdue_condition(hours, now))
    if filters.search:
        pattern = _like(filters.search.strip().lower())
        query = query.where(or_(
            func.lower(Ticket.number).like(pattern, escape="\\"),
            func.lower(Ticket.contact_email).like(pattern, escape="\\"),
            func.lower(Ticket.user_name).like(pattern, escape="\\"),
            func.lower(Portal.domain).like(pattern, escape="\\"),
        ))
    return query.order_by(Ticket.created_at.desc(), Ticket.id.desc())


def _row(ticket: Ticket, member_id: str, domain: str, hours: int, now: datetime) -> TicketRow:
    due_at = ticket.created_at + timedelta(hours=hours)
    overdue = ticket.status in OPEN_STATUSES and ticket.first_response_at is None and due_at < now
    return TicketRow(ticket, member_id, domain, hours, due_at, overdue)


def list_tickets(filters: TicketFilters, page: PageRequest, now: datetime | None = None) -> Page[TicketRow]:
    """One page of tickets, newest first, each with its portal, deadline and overdue mark."""
    now = now or utcnow()
    query = tickets_query(filters, now)
    if page.after is not None:
        created_at, last_id = page.after
        # Written as a range on created_at first so the (…, created_at) indexes can seek to the position.
        query = query.where(Ticket.created_at <= created_at,
                            or_(Ticket.created_at < created_at, Ticket.id < last_id))
    else:
        query = query.offset(page.offset)
    rows = [_row(*row, now) for row in db.session.execute(query.limit(page.limit + 1)).all()]
    return window(rows, page, key=lambda row: (row.ticket.created_at, row.ticket.id))


def ticket_detail(
    number: str, include_vulnerabilities: bool = False, now: datetime | None = None
) -> TicketDetail | None:
    """One ticket with its portal, contract, replies (internal notes included), attachments and deliveries."""
    now = now or utcnow()
    found = db.session.execute(
        select(Ticket, Portal, Contract)
        .join(Portal, Portal.id == Ticket.portal_id)
        .outerjoin(Contract, Contract.number == Ticket.contract_number)
        .where(Ticket.number == number)
        .options(defer(Ticket.operator_connection), selectinload(Ticket.replies), selectinload(Ticket.attachments),
                 defer(Portal.access_token), defer(Portal.application_token))
    ).first()
    if found is None:
        return None
    ticket, portal, contract = found
    if ticket.category == VULNERABILITY and not include_vulnerabilities:
        return None
    hours = contract.reaction_hours if contract is not None else default_reaction_hours()
    row = _row(ticket, portal.member_id, portal.domain, hours, now)
    deliveries = list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id).order_by(OutboxMessage.id)
    ).scalars())
    return TicketDetail(**row.__dict__, portal=portal, contract=contract, replies=list(ticket.replies),
                        deliveries=deliveries)
