"""The API's listings, built on the reads it shares with the console (readmodels/portals.py, tickets/inbox.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, not_, select

from api.pages import ApiPage, PageRequest, fetch
from b24.models import Portal
from contracts.models import Contract
from database import db, utcnow
from delivery.models import OutboxMessage
from readmodels.portals import PortalFilters, PortalRow, decorate, portal_query
from tickets.inbox import (
    InboxFilters,
    InboxRow,
    contract_of,
    default_reaction_hours,
    inbox_query,
    is_overdue,
    overdue_condition,
    reaction_hours,
    visible_tickets,
)
from tickets.inbox import ticket_by_number as find_ticket
from tickets.models import OPEN_STATUSES, Reply, Ticket


@dataclass
class TicketRow(InboxRow):
    member_id: str = ""


@dataclass
class TicketDetail:
    row: TicketRow
    portal: Portal
    contract: Contract | None
    replies: list[Reply]
    deliveries: list[OutboxMessage]


def portals(filters: PortalFilters, page: PageRequest, today: date | None = None) -> ApiPage[PortalRow]:
    """Portals by domain (then id), each with open tickets and current contract: three queries per page."""
    filters = PortalFilters(q=filters.q, status=filters.status, version=filters.version, contract=filters.contract,
                            sort="domain", include_vulnerabilities=filters.include_vulnerabilities)
    result = fetch(portal_query(filters, today), page, (Portal.domain, Portal.id), descending=False,
                   row=lambda r: r[0], key=lambda portal: (portal.domain, portal.id))
    return ApiPage(items=decorate(result.items, filters.include_vulnerabilities, today), limit=result.limit,
                   offset=result.offset, next_cursor=result.next_cursor, next_offset=result.next_offset)


def tickets(filters: InboxFilters, page: PageRequest, member_id: str | None = None, overdue: bool | None = None,
            now: datetime | None = None) -> ApiPage[TicketRow]:
    """Tickets newest first with portal, promised hours and overdue mark: one query per page."""
    now = now or utcnow()
    stmt = inbox_query(InboxFilters(**{**filters.__dict__, "sort": "created", "descending": True,
                                       "overdue": overdue is True}), now).add_columns(Portal.member_id)
    if member_id is not None:
        # As a portal id, so the (portal_id, created_at) index serves the page directly.
        stmt = stmt.where(Ticket.portal_id == select(Portal.id).where(Portal.member_id == member_id).scalar_subquery())
    if overdue is False:
        stmt = stmt.where(not_(overdue_condition(now)))
    return fetch(stmt, page, (Ticket.created_at, Ticket.id), descending=True, row=_ticket_row,
                 key=lambda item: (item.ticket.created_at, item.ticket.id))


def open_tickets(portal_id: int, include_vulnerabilities: bool) -> int:
    """Open tickets of one portal, counted the way the portal list counts them."""
    return db.session.execute(
        select(func.count()).select_from(Ticket)
        .where(Ticket.portal_id == portal_id, Ticket.status.in_(OPEN_STATUSES),
               visible_tickets(include_vulnerabilities))
    ).scalar_one()


def _ticket_row(r) -> TicketRow:
    ticket, domain, promised, overdue, member_id = r
    return TicketRow(ticket=ticket, domain=domain, promised_hours=int(promised), overdue=bool(overdue),
                     reaction_hours=reaction_hours(ticket), member_id=member_id)


def ticket_detail(number: str, include_vulnerabilities: bool, now: datetime | None = None) -> TicketDetail | None:
    """One ticket with its portal, contract, replies (notes included) and deliveries: a fixed handful of queries."""
    ticket = find_ticket(number, include_vulnerabilities)
    if ticket is None:
        return None
    contract = contract_of(ticket)
    promised = contract.reaction_hours if contract is not None else default_reaction_hours()
    portal = ticket.portal
    row = TicketRow(ticket=ticket, domain=portal.domain, promised_hours=promised,
                    overdue=is_overdue(ticket, promised, now), reaction_hours=reaction_hours(ticket),
                    member_id=portal.member_id)
    deliveries = list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id).order_by(OutboxMessage.id)
    ).scalars())
    return TicketDetail(row=row, portal=portal, contract=contract, replies=list(ticket.replies),
                        deliveries=deliveries)

