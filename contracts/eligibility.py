"""Whether a portal may get support under policy §2: contract, recommended operator, reachable box, licence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from b24.models import Portal
from contracts.models import Contract, Operator
from database import db, utcnow
from process_cache import cached_per_process
from request_memo import read_ahead, taken_or_read
from settings import csv


@dataclass(frozen=True)
class RecommendedOperator:
    code: str
    name: str


@dataclass
class Eligibility:
    """Each condition of policy §2; ``None`` means not known yet (no operator chosen, no licence info)."""

    contract: Contract | None
    contract_active: bool
    operator_code: str | None
    operator_recommended: bool | None
    recommended_operators: list[RecommendedOperator] = field(default_factory=list)
    box: bool = False
    reachable: bool | None = True
    licensed: bool | None = None

    @property
    def contract_number(self) -> str | None:
        return self.contract.number if self.contract else None

    @property
    def contract_expired_on(self) -> date | None:
        """The end date of the latest contract when none is active."""
        return None if self.contract_active or not self.contract else self.contract.valid_to

    @property
    def eligible(self) -> bool:
        return (
            self.contract_active
            and self.operator_recommended is not False
            and self.reachable is not False
            and self.licensed is not False
        )


def eligibility(portal: Portal, operator_code: str | None = None, reached_now: bool | None = None) -> Eligibility:
    """Policy §2 for ``portal``; ``reached_now`` is the result of a REST call the caller has just made."""
    today = utcnow().date()
    contract, active = _contract(portal, today)
    recommended = recommended_operators()
    box = is_box_domain(portal.domain)
    return Eligibility(
        contract=contract,
        contract_active=active,
        operator_code=operator_code or None,
        operator_recommended=_recommended(operator_code, recommended),
        recommended_operators=recommended,
        box=box,
        reachable=_reachable(portal, reached_now) if box else True,
        licensed=True if (portal.license or portal.license_family) else None,
    )


@cached_per_process(10, forget_on_write=(Operator,))
def recommended_operators() -> list[RecommendedOperator]:
    """The vendor's recommended operators from the Operator table, else from setting RECOMMENDED_OPERATORS."""
    rows = db.session.execute(select(Operator).order_by(Operator.name)).scalars().all()
    if rows:
        return [RecommendedOperator(row.code, row.name) for row in rows if row.recommended]
    return [RecommendedOperator(name.lower(), name) for name in csv(current_app.config["RECOMMENDED_OPERATORS"])]


def is_box_domain(domain: str) -> bool:
    """A box (on-premise) portal is any domain outside Bitrix24's cloud zones (setting B24_CLOUD_DOMAINS)."""
    host = domain.lower().split(":", 1)[0].rstrip(".")
    return not any(host == zone or host.endswith("." + zone) for zone in csv(current_app.config["B24_CLOUD_DOMAINS"]))


def read_contract_ahead(portal: Portal) -> None:
    """The portal's contracts read now, for this request's eligibility (request_memo)."""
    today = utcnow().date()
    read_ahead(("contract", portal.id, today), lambda: _read_contract(portal, today))


def _contract(portal: Portal, today: date) -> tuple[Contract | None, bool]:
    return taken_or_read(("contract", portal.id, today), lambda: _read_contract(portal, today))


def _read_contract(portal: Portal, today: date) -> tuple[Contract | None, bool]:
    contracts = db.session.execute(
        select(Contract).where(Contract.portal_id == portal.id).order_by(Contract.valid_to.desc())
    ).scalars().all()
    for contract in contracts:
        if contract.is_active(today):
            return contract, True
    return (contracts[0] if contracts else None), False


def _recommended(operator_code: str | None, recommended: list[RecommendedOperator]) -> bool | None:
    if not operator_code:
        return None
    wanted = operator_code.strip().lower()
    return any(wanted in (op.code.lower(), op.name.lower()) for op in recommended)


def _reachable(portal: Portal, reached_now: bool | None) -> bool:
    """The app's own last REST call to the box portal, not a new probe: the page must open fast."""
    if reached_now is not None:
        return reached_now
    seen = portal.last_seen_at
    if seen is None:
        return False
    if portal.token_failed_at and portal.token_failed_at > seen:
        return False
    return seen >= utcnow() - timedelta(days=current_app.config["BOX_REACHABLE_DAYS"])
