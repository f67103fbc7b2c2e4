"""The API's listings, built on the reads it shares with the console (readmodels/portals.py, tickets/inbox.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, not_, select

from api.pages import ApiPage, PageRequest, fetch
from b24.models import Portal
from contracts.models import Contract
from database import db, utcnow
from delivery.models import OutboxMessage
from readmodels.portals import (
    PortalFilters,
    PortalRow,
    contract_state,
    decorate,
    listed,
    portal_contracts,
    portal_query,
)
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
from tickets.models import OPEN_STATUSES, Reply, Ticket


@dataclass
class TicketRow(InboxRow):
    member_id: str = ""

    @property
    def portal_ref(self) -> dict[str, str]:
        return {"member_id": self.member_id, "domain": self.domain}

    @property
    def due_at(self) -> datetime:
        return self.ticket.created_at + timedelta(hours=self.promised_hours)


@dataclass
class TicketDetail(TicketRow):
    """A ticket row with all that the ticket page shows: its portal, contract, replies and deliveries."""

    portal: Portal | None = None
    contract: Contract | None = None
    replies: list[Reply] = field(default_factory=list)
    deliveries: list[OutboxMessage] = field(default_factory=list)


@dataclass
class PortalDetail:
    """One portal with its open tickets, contracts (current first) and most recent tickets."""

    portal: Portal
    open_tickets: int
    contract: Contract | None
    contract_state: str
    contracts: list[Contract]
    recent_tickets: list[TicketRow]


def portals(filters: PortalFilters, page: PageRequest, today: date | None = None) -> ApiPage[PortalRow]:
    """Portals by domain (then id), each with open tickets and current contract: three queries per page."""
    filters = PortalFilters(q=filters.q, status=filters.status, version=filters.version, contract=filters.contract,
                            sort="domain", include_vulnerabilities=filters.include_vulnerabilities)
    result = fetch(listed(portal_query(filters, today)), page, (Portal.domain, Portal.id), descending=False,
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


def ticket_detail(ticket: Ticket, now: datetime | None = None) -> TicketDetail:
    """One ticket with its portal, contract, replies (notes included) and deliveries: a fixed handful of queries."""
    contract = contract_of(ticket)
    promised = contract.reaction_hours if contract is not None else default_reaction_hours()
    portal = ticket.portal
    deliveries = list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id).order_by(OutboxMessage.id)
    ).scalars())
    return TicketDetail(ticket=ticket, domain=portal.domain, promised_hours=promised,
                        overdue=is_overdue(ticket, promised, now), reaction_hours=reaction_hours(ticket),
                        member_id=portal.member_id, portal=portal, contract=contract, replies=list(ticket.replies),
                        deliveries=deliveries)


def portal_detail(portal: Portal, include_vulnerabilities: bool, recent: int,
                  today: date | None = None) -> PortalDetail:
    """One portal with its contracts and its ``recent`` newest tickets: a fixed handful of queries."""
    today = today or utcnow().date()
    contracts = portal_contracts(portal.id)
    current = next((c for c in contracts if contract_state(c, today) == "active"), contracts[0] if contracts else None)
    latest = tickets(InboxFilters(include_vulnerabilities=include_vulnerabilities), PageRequest(limit=recent),
                     member_id=portal.member_id)
    return PortalDetail(portal=portal, open_tickets=open_tickets(portal.id, include_vulnerabilities),
                        contract=current, contract_state=contract_state(current, today), contracts=contracts,
                        recent_tickets=latest.items)

