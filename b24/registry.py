"""Listing the portal registry: filters, search and pages, with open-ticket counts and contracts per portal.

A page costs three queries whatever its size: the portals, their open-ticket counts (one GROUP BY over the
page's ids) and their contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import defer

from b24.models import Portal
from contracts.models import Contract
from database import db
from paging import Page, PageRequest, window
from tickets.models import OPEN_STATUSES, Ticket

CONTRACT_STATES = ("active", "expiring", "expired", "none")
# An active contract ending within this many days is shown (and filterable) as "expiring".
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class PortalFilters:
    status: str | None = None
    version: int | None = None
    contract: str | None = None  # one of CONTRACT_STATES; "active" includes "expiring"
    search: str | None = None  # part of the domain or the member_id


@dataclass
class PortalRow:
    portal: Portal
    token_health: str
    open_tickets: int
    contract: Contract | None
    contract_state: str


def _active_contract(today: date, until: date | None = None):
    """EXISTS a contract of the outer portal valid today (and, with ``until``, still valid after it)."""
    cond = and_(Contract.portal_id == Portal.id, Contract.valid_from <= today, Contract.valid_to >= today)
    if until is not None:
        cond = and_(cond, Contract.valid_to > until)
    return exists().where(cond)


def _contract_filter(state: str, today: date):
    soon = today + timedelta(days=EXPIRING_DAYS)
    any_contract = exists().where(Contract.portal_id == Portal.id)
    if state == "active":
        return _active_contract(today)
    if state == "expiring":
        return and_(_active_contract(today), not_(_active_contract(today, soon)))
    if state == "expired":
        return and_(any_contract, not_(_active_contract(today)))
    if state == "none":
        return not_(any_contract)
    raise ValueError(f"unknown contract state {state}")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def portals_query(filters: PortalFilters, today: date):
    """The filtered, ordered portal query without paging (the console's CSV export pages it itself)."""
    # Sealed token columns are decrypted on load; the list only needs to know whether a refresh token exists.
    has_refresh = Portal.__table__.c.refresh_token.isnot(None).label("has_refresh")
    query = select(Portal, has_refresh).options(
        defer(Portal.access_token), defer(Portal.refresh_token), defer(Portal.application_token),
        defer(Portal.settings), defer(Portal.scope),
    )
    if filters.status:
        query = query.where(Portal.status == filters.status)
    if filters.version is not None:
        query = query.where(Portal.app_version == filters.version)
    if filters.contract:
        query = query.where(_contract_filter(filters.contract, today))
    if filters.search:
        pattern = _like(filters.search.strip().lower())
        query = query.where(or_(func.lower(Portal.domain).like(pattern, escape="\\"),
                                func.lower(Portal.member_id).like(pattern, escape="\\")))
    return query.order_by(Portal.domain, Portal.id)


def list_portals(filters: PortalFilters, page: PageRequest, today: date | None = None) -> Page[PortalRow]:
    """One page of portals ordered by domain, each with its token health, open tickets and contract."""
    today = today or date.today()
    query = portals_query(filters, today)
    if page.after is not None:
        domain, last_id = page.after
        query = query.where(or_(Portal.domain > domain, and_(Portal.domain == domain, Portal.id > last_id)))
    else:
        query = query.offset(page.offset)
    rows = db.session.execute(query.limit(page.limit + 1)).all()
    portals = [(portal, _token_health(portal.needs_reauth, has_refresh)) for portal, has_refresh in rows]
    result = window(portals, page, key=lambda item: (item[0].domain, item[0].id))
    ids = [portal.id for portal, _ in result.items]
    counts = open_ticket_counts(ids)
    contracts = current_contracts(ids, today)
    result.items = [
        PortalRow(portal=portal, token_health=health, open_tickets=counts.get(portal.id, 0),
                  contract=contracts.get(portal.id), contract_state=contract_state(contracts.get(portal.id), today))
        for portal, health in result.items
    ]
    return result


def _token_health(needs_reauth: bool, has_refresh: bool) -> str:
    # Mirrors Portal.token_health without decrypting the token.
    if needs_reauth:
        return "needs_reauth"
    return "ok" if has_refresh else "none"


def open_ticket_counts(portal_ids: list[int]) -> dict[int, int]:
    """Open tickets per portal for the given portals, in one GROUP BY query."""
    if not portal_ids:
        return {}
    rows = db.session.execute(
        select(Ticket.portal_id, func.count())
        .where(Ticket.portal_id.in_(portal_ids), Ticket.status.in_(OPEN_STATUSES))
        .group_by(Ticket.portal_id)
    ).all()
    return dict(rows)


def current_contracts(portal_ids: list[int], today: date) -> dict[int, Contract]:
    """The contract to show per portal: the active one ending last, else the one that ended last."""
    if not portal_ids:
        return {}
    found: dict[int, Contract] = {}
    for contract in db.session.execute(select(Contract).where(Contract.portal_id.in_(portal_ids))).scalars():
        current = found.get(contract.portal_id)
        if current is None or _rank(contract, today) > _rank(current, today):
            found[contract.portal_id] = contract
    return found


def _rank(contract: Contract, today: date) -> tuple[bool, date]:
    return (contract.is_active(today), contract.valid_to)


def contract_state(contract: Contract | None, today: date) -> str:
    if contract is None:
        return "none"
    if not contract.is_active(today):
        return "expired"
    return "expiring" if contract.valid_to <= today + timedelta(days=EXPIRING_DAYS) else "active"

