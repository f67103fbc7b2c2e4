"""The portal registry as the vendor reads it: the list (search, filters, sort, pages), its CSV rows, one portal.

Each page is a constant number of SQL queries: open-ticket counts (maintained by triggers, tickets/counts.py)
and each portal's current contract come from one IN query for the whole page (or a join when the list is
filtered or sorted by them), never from a query per row. The console and the JSON API both read through these.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased, defer
from sqlalchemy.types import Date

from b24.models import PORTAL_STATUSES, Portal
from contracts.models import Contract
from database import db, utcnow
from paging import COUNT_CAP, Page, paginate
from process_cache import cached_per_process
from tickets.counts import PortalTicketCount

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


def _count_column(include_vulnerabilities: bool) -> ColumnElement[int]:
    if include_vulnerabilities:
        return PortalTicketCount.open_tickets + PortalTicketCount.open_vulnerabilities
    return PortalTicketCount.open_tickets


def _open_counts(include_vulnerabilities: bool, portal_ids: list[int]):
    """The page's portals' open-ticket counts, read from the maintained counts."""
    return select(PortalTicketCount.portal_id, _count_column(include_vulnerabilities)).where(
        PortalTicketCount.portal_id.in_(portal_ids))


def _current_contracts():
    """Each portal's current contract: the one that ends last (ties: the newest)."""
    ranked = select(
        Contract.id,
        Contract.portal_id,
        func.row_number().over(partition_by=Contract.portal_id,
                               order_by=(Contract.valid_to.desc(), Contract.id.desc())).label("rank"),
    ).where(Contract.portal_id.is_not(None)).subquery("ranked_contracts")
    return select(ranked.c.id, ranked.c.portal_id).where(ranked.c.rank == 1).subquery("current_contract")


def contract_state(contract: Contract | None, today: date) -> str:
    """active / expired / future / none, the same rule as ``contract_state_column``."""
    if contract is None:
        return "none"
    if contract.valid_to < today:
        return "expired"
    return "future" if contract.valid_from > today else "active"


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

    The same answer as ``contract_state_column(today) == state`` over the joined current contract.
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
    return select(mine.id).where(mine.portal_id == Portal.id, span, ~superseded).correlate(Portal).exists()


def portal_query(filters: PortalFilters, today: date | None = None) -> Select:
    """The portals matching ``filters`` as one ordered SELECT of ``Portal``.

    The current contract and the open-ticket counts are joined only when the filter or the sort needs
    them; otherwise ``decorate`` fetches them for just the portals on the page.
    """
    today = today or utcnow().date()
    stmt = select(Portal)
    sorts: dict[str, ColumnElement] = dict(PORTAL_SORTS)
    if filters.sort == "contract_end":
        current = _current_contracts()
        stmt = (stmt.outerjoin(current, current.c.portal_id == Portal.id)
                .outerjoin(Contract, Contract.id == current.c.id))
        sorts["contract_end"] = Contract.valid_to
    if filters.contract in CONTRACT_STATES:
        # EXISTS tests rather than the joined current contract: at 100,000 portals the join computes every
        # portal's current contract per page (seconds on PostgreSQL), the semi-joins only what they look at.
        stmt = stmt.where(contract_state_condition(filters.contract, today))
    tie = Portal.id
    if filters.sort == "open_tickets":
        # The counts the triggers maintain (tickets/counts.py; every portal has its row), walked in the order of
        # their index (open_tickets, portal_id): no aggregate over the tickets and no sort of every portal.
        stmt = stmt.join(PortalTicketCount, PortalTicketCount.portal_id == Portal.id)
        sorts["open_tickets"] = _count_column(filters.include_vulnerabilities)
        tie = PortalTicketCount.portal_id
    q = (filters.q or "").strip().lower()
    if q:
        stmt = stmt.where(or_(func.lower(Portal.domain).like(f"%{q}%"), func.lower(Portal.member_id) == q))
    if filters.status in PORTAL_STATUSES:
        stmt = stmt.where(Portal.status == filters.status)
    if filters.version is not None:
        stmt = stmt.where(Portal.app_version == filters.version)
    column = sorts.get(filters.sort, Portal.domain)
    order = column.desc() if filters.descending else column.asc()
    return stmt.order_by(order, tie.desc() if filters.descending else tie.asc())


def decorate(portals: list[Portal], include_vulnerabilities: bool = False,
             today: date | None = None) -> list[PortalRow]:
    """Portals with their open-ticket counts and current contracts: two queries, however many portals."""
    today = today or utcnow().date()
    ids = [p.id for p in portals]
    if not ids:
        return []
    counts = {pid: n for pid, n in db.session.execute(_open_counts(include_vulnerabilities, ids))}
    current: dict[int, Contract] = {}
    for contract in db.session.execute(
        select(Contract).where(Contract.portal_id.in_(ids))
        .order_by(Contract.portal_id, Contract.valid_to.desc(), Contract.id.desc())
    ).scalars():
        current.setdefault(contract.portal_id, contract)
    return [
        PortalRow(portal=p, open_tickets=int(counts.get(p.id, 0)), contract=current.get(p.id),
                  contract_state=contract_state(current.get(p.id), today))
        for p in portals
    ]


# What a list row (console page, CSV, the API's list) never shows: the JSON and sealed columns, not loaded for a
# page of rows. raiseload: a page that starts to show one fails its tests instead of costing a query per row.
_NOT_LISTED = tuple(defer(column, raiseload=True) for column in (
    Portal.client_endpoint, Portal.server_endpoint, Portal.scope, Portal.sealed_application_token,
    Portal.sealed_access_token, Portal.placements_bound, Portal.placements_refused, Portal.settings))


def listed(statement: Select) -> Select:
    """``statement`` (of ``Portal``) loading only what a list row shows."""
    return statement.options(*_NOT_LISTED)


def portal_page(filters: PortalFilters, page: int | None = 1, per_page: int | None = 50, today: date | None = None,
                cap: int | None = COUNT_CAP) -> Page:
    """One page of the portal list in four SQL queries (count, rows, open counts, contracts), whatever its size.

    The count stops at ``cap`` (``Page.total_capped``); pass ``cap=None`` for an exact total.
    """
    result = paginate(listed(portal_query(filters, today)), page, per_page, lambda row: row[0], cap=cap)
    result.items = decorate(result.items, filters.include_vulnerabilities, today)
    return result


def portal_rows(filters: PortalFilters, today: date | None = None, batch: int = 1000) -> Iterator[PortalRow]:
    """Every portal matching ``filters``, streamed from the database in batches (for the CSV export)."""
    result = db.session.execute(listed(portal_query(filters, today)).execution_options(yield_per=batch))
    for chunk in result.scalars().partitions():
        yield from decorate(list(chunk), filters.include_vulnerabilities, today)


@cached_per_process(10, forget_on_write=(Portal,))
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

