"""Rows the support tests start from: portals and contracts, written straight to the test database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from b24.models import Portal
from contracts.models import Contract
from database import db, utcnow


def make_portal(domain: str | None = None, **values) -> Portal:
    suffix = uuid.uuid4().hex[:8]
    portal = Portal(
        member_id=values.pop("member_id", f"member-{suffix}"),
        domain=domain or f"shop-{suffix}.bitrix24.ru",
        status="active",
        settings={},
        last_seen_at=values.pop("last_seen_at", utcnow()),
        **values,
    )
    db.session.add(portal)
    db.session.commit()
    return portal


def make_contract(portal: Portal | None, number: str | None = None, *, active: bool = True, **values) -> Contract:
    today = date.today()
    span = (today - timedelta(days=30), today + timedelta(days=335)) if active else (
        today - timedelta(days=400), today - timedelta(days=35))
    contract = Contract(
        number=number or f"SUP-{uuid.uuid4().hex[:6].upper()}",
        portal_id=portal.id if portal else None,
        customer=values.pop("customer", "OOO Test"),
        valid_from=values.pop("valid_from", span[0]),
        valid_to=values.pop("valid_to", span[1]),
        **values,
    )
    db.session.add(contract)
    db.session.commit()
    return contract
