"""Reading the portal registry for the vendor: the list (search, filters, sort, pages), its CSV rows, one portal.

Each page is a constant number of SQL queries: open-ticket counts and each portal's current contract come
from GROUP BY / window subqueries joined to the page, never from a query per row. The JSON API reuses these.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select
from sqlalchemy.types import Date

from b24.models import PORTAL_STATUSES, Portal
from contracts.models import Contract
from database import db, utcnow
from paging import Page, paginate
from tickets.inbox import visible_tickets
from tickets.models import OPEN_STATUSES, Ticket

CONTRACT_STATES = ("active", "expired", "future", "none")
PORTAL_SORTS = {
    "domain": Portal.domain,
    "member_id": Portal.member_id,
    "status": Portal.status,
    "version": Portal.app_version,
    "installed": Portal.installed_at,
    "last_seen": Portal.last_seen_at,
}


@dataclass
class PortalFilters:
    """What the portal list is narrowed to; every field optional."""

    q: str | None = None
    status: str | None = None
    version: int | None = None
    contract: str | None = None  # one of CONTRACT_STATES
    sort: str = "domain"
    descending: bool = False
    include_vulnerabilities: bool = False  # whether vulnerability reports count as open tickets


@dataclass
class PortalRow:
    portal: Portal
    open_tickets: int
    contract: Contract | None
    contract_state: str


def _open_counts(include_vulnerabilities: bool):
    return (
        select(Ticket.portal_id, func.count().label("open_tickets"))
        .where(Ticket.status.in_(OPEN_STATUSES), visible_tickets(include_vulnerabilities))
        .group_by(Ticket.portal_id)
        .subquery("open_counts")
    )


def _current_contracts():
    """Each portal's current contract: the one that ends last (ties: the newest)."""
    ranked = select(
        Contract.id,
        Contract.portal_id,
        func.row_number().over(partition_by=Contract.portal_id,
                               order_by=(Contract.valid_to.desc(), Contract.id.desc())).label("rank"),
    ).where(Contract.portal_id.is_not(None)).subquery("ranked_contracts")
    return select(ranked.c.id, ranked.c.portal_id).where(ranked.c.rank == 1).subquery("current_contract")


def contract_state_column(today: date) -> ColumnElement[str]:
    """active / expired / future / none for the outer-joined ``Contract``."""
    day = literal(today, Date())
    return case(
        (Contract.id.is_(None), "none"),
        (Contract.valid_to < day, "expired"),
        (Contract.valid_from > day, "future"),
        else_="active",
    )


def portal_query(filters: PortalFilters, today: date | None = None) -> Select:
    """The portal list as one SELECT of (Portal, open tickets, Contract, contract state), filtered and ordered."""
    today = today or utcnow().date()
    counts = _open_counts(filters.include_vulnerabilities)
    current = _current_contracts()
    open_tickets = func.coalesce(counts.c.open_tickets, 0)
    state = contract_state_column(today)
    stmt = (
        select(Portal, open_tickets.label("open_tickets"), Contract, state.label("contract_state"))
        .outerjoin(counts, counts.c.portal_id == Portal.id)
        .outerjoin(current, current.c.portal_id == Portal.id)
        .outerjoin(Contract, Contract.id == current.c.id)
    )
    q = (filters.q or "").strip().lower()
    if q:
        stmt = stmt.where(or_(func.lower(Portal.domain).like(f"%{q}%"), func.lower(Portal.member_id) == q))
    if filters.status in PORTAL_STATUSES:
        stmt = stmt.where(Portal.status == filters.status)
    if filters.version is not None:
        stmt = stmt.where(Portal.app_version == filters.version)
    if filters.contract in CONTRACT_STATES:
        stmt = stmt.where(state == filters.contract)
    sorts = {**PORTAL_SORTS, "open_tickets": open_tickets, "contract_end": Contract.valid_to}
    column = sorts.get(filters.sort, Portal.domain)
    order = column.desc() if filters.descending else column.asc()
    return stmt.order_by(order, Portal.id.desc() if filters.descending else Portal.id.asc())


def _portal_row(row) -> PortalRow:
    portal, open_tickets, contract, state = row
    return PortalRow(portal=portal, open_tickets=int(open_tickets), contract=contract, contract_state=state)


def portal_page(
    filters: PortalFilters, page: int = 1, per_page: int = 50, today: date | None = None
) -> Page[PortalRow]:
    """One page of the portal list: two SQL queries (count and rows) whatever ``per_page`` is."""
    return paginate(portal_query(filters, today), page, per_page, _portal_row)


def portal_rows(filters: PortalFilters, today: date | None = None, batch: int = 1000) -> Iterator[PortalRow]:
    """Every portal matching ``filters``, streamed from the database in batches (for the CSV export)."""
    result = db.session.execute(portal_query(filters, today).execution_options(yield_per=batch))
    for row in result:
        yield _portal_row(row)


def known_versions() -> list[int]:
    """The app versions installed anywhere, for the version filter."""
    return list(db.session.execute(
        select(Portal.app_version).where(Portal.app_version.is_not(None)).distinct().order_by(Portal.app_version)
    ).scalars())


def portal_contracts(portal_id: int) -> list[Contract]:
    """Every contract of a portal, the latest ending first."""
    return list(db.session.execute(
        select(Contract).where(Contract.portal_id == portal_id).order_by(Contract.valid_to.desc(), Contract.id.desc())
    ).scalars())

