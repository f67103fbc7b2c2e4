"""Reading the portal registry for the vendor: the list (search, filters, sort, pages), its CSV rows, one portal.

Each page is a constant number of SQL queries: open-ticket counts and each portal's current contract are
correlated subqueries inside the page's one SELECT, never a query per row. The JSON API reuses these.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.types import Date

from b24.models import PORTAL_STATUSES, Portal
from contracts.models import Contract
from database import db, utcnow
from paging import Page, paginate_keys
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


def _open_count(include_vulnerabilities: bool) -> ColumnElement[int]:
    """Open tickets of the outer row's portal, as a correlated subquery (an index lookup per shown row)."""
    return (
        select(func.count())
        .where(Ticket.portal_id == Portal.id, Ticket.status.in_(OPEN_STATUSES),
               visible_tickets(include_vulnerabilities))
        .correlate(Portal)
        .scalar_subquery()
    )


def _current_contract_id() -> ColumnElement[int]:
    """The outer row's current contract: the one that ends last (ties: the newest)."""
    other = aliased(Contract)
    return (
        select(other.id)
        .where(other.portal_id == Portal.id)
        .order_by(other.valid_to.desc(), other.id.desc())
        .limit(1)
        .correlate(Portal)
        .scalar_subquery()
    )


def contract_state_column(today: date) -> ColumnElement[str]:
    """active / expired / future / none for the outer-joined ``Contract``."""
    day = literal(today, Date())
    return case(
        (Contract.id.is_(None), "none"),
        (Contract.valid_to < day, "expired"),
        (Contract.valid_from > day, "future"),
        else_="active",
    )


def contract_state_condition(state: str, today: date) -> ColumnElement[bool]:
    """The portal's current contract (the one ending last, ties: newest) is in ``state``, as EXISTS tests.

    The same answer as filtering on ``contract_state_column``, but the databases plan EXISTS as semi-joins
    instead of computing every portal's current contract first.
    """
    day = literal(today, Date())
    mine = aliased(Contract)
    later = aliased(Contract)
    any_contract = select(mine.id).where(mine.portal_id == Portal.id).correlate(Portal).exists()
    if state == "none":
        return ~any_contract
    if state == "expired":
        running = select(mine.id).where(mine.portal_id == Portal.id, mine.valid_to >= day).correlate(Portal).exists()
        return and_(any_contract, ~running)
    superseded = (
        select(later.id)
        .where(later.portal_id == mine.portal_id,
               or_(later.valid_to > mine.valid_to, and_(later.valid_to == mine.valid_to, later.id > mine.id)))
        .correlate(mine)
        .exists()
    )
    span = and_(mine.valid_from <= day if state == "active" else mine.valid_from > day, mine.valid_to >= day)
    return (
        select(mine.id).where(mine.portal_id == Portal.id, span, ~superseded).correlate(Portal).exists()
    )


def _filtered(stmt: Select, filters: PortalFilters, today: date) -> Select:
    q = (filters.q or "").strip().lower()
    if q:
        stmt = stmt.where(or_(func.lower(Portal.domain).like(f"%{q}%"), func.lower(Portal.member_id) == q))
    if filters.status in PORTAL_STATUSES:
        stmt = stmt.where(Portal.status == filters.status)
    if filters.version is not None:
        stmt = stmt.where(Portal.app_version == filters.version)
    if filters.contract in CONTRACT_STATES:
        stmt = stmt.where(contract_state_condition(filters.contract, today))
    return stmt


def _with_columns(stmt: Select, filters: PortalFilters, today: date) -> Select:
    """(Portal, open tickets, current Contract, its state) for the portals ``stmt`` selects."""
    return (
        stmt.add_columns(_open_count(filters.include_vulnerabilities).label("open_tickets"), Contract,
                         contract_state_column(today).label("contract_state"))
        .outerjoin(Contract, Contract.id == _current_contract_id())
    )


def _order(filters: PortalFilters) -> list[ColumnElement]:
    sorts = {**PORTAL_SORTS, "open_tickets": _open_count(filters.include_vulnerabilities),
             "contract_end": select(func.max(Contract.valid_to)).where(Contract.portal_id == Portal.id)
             .correlate(Portal).scalar_subquery()}
    column = sorts.get(filters.sort, Portal.domain)
    order = column.desc() if filters.descending else column.asc()
    return [order, Portal.id.desc() if filters.descending else Portal.id.asc()]


def portal_ids_query(filters: PortalFilters, today: date | None = None) -> Select:
    """The ids of the portals ``filters`` selects, in list order: what a page cuts and a total counts."""
    today = today or utcnow().date()
    return _filtered(select(Portal.id), filters, today).order_by(*_order(filters))


def portal_query(filters: PortalFilters, today: date | None = None, ids: Select | None = None) -> Select:
    """The portal list as one SELECT of (Portal, open tickets, Contract, contract state), filtered and ordered.

    With ``ids`` (a cut of ``portal_ids_query``) only those portals are read: the page is chosen on the
    narrow id query first, then open tickets and the current contract are computed for its rows alone.
    """
    today = today or utcnow().date()
    stmt = select(Portal)
    stmt = _filtered(stmt, filters, today) if ids is None else stmt.where(Portal.id.in_(ids))
    return _with_columns(stmt, filters, today).order_by(*_order(filters))


def _portal_row(row) -> PortalRow:
    portal, open_tickets, contract, state = row
    return PortalRow(portal=portal, open_tickets=int(open_tickets), contract=contract, contract_state=state)


def portal_page(
    filters: PortalFilters, page: int = 1, per_page: int = 50, today: date | None = None
) -> Page[PortalRow]:
    """One page of the portal list: two SQL queries (count and rows) whatever ``per_page`` is."""
    ids = portal_ids_query(filters, today)
    return paginate_keys(ids, page, per_page, lambda window: portal_query(filters, today, window), _portal_row)


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

