"""Changes to the contract registry and the recommended operators, each checked field by field first.

Bad input raises ``Invalid`` with a message key per field and stores nothing. Nothing here commits:
the caller does, once.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select

from b24.models import Portal
from b24.registry import find_portal
from contracts.models import Contract, Operator
from database import db

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TELEGRAM_RE = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{4,31}$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
MAX_REACTION_HOURS = 24 * 30


class Invalid(ValueError):
    """The form cannot be stored; ``errors`` maps each field to a message key (contracts messages)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _text(form: dict[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def _flag(value: Any) -> bool:
    """A checkbox: ticked as the browser's "1"/"on" or as a form's True."""
    return str(value or "").lower() in ("1", "on", "true", "y")


def _date(form: dict[str, Any], name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(_text(form, name))
    except ValueError:
        errors[name] = "contract_date_invalid"
        return None


def _portal(text: str, errors: dict[str, str]) -> Portal | None:
    if not text:
        return None
    portal = find_portal(text)
    if portal is None:
        errors["portal"] = "contract_portal_unknown"
    return portal


def _clean_contract(form: dict[str, Any], current: Contract | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    number = _text(form, "number")
    if not number or len(number) > 64:
        errors["number"] = "contract_number_required"
    else:
        taken = db.session.execute(select(Contract.id).where(Contract.number == number)).scalar_one_or_none()
        if taken is not None and (current is None or taken != current.id):
            errors["number"] = "contract_number_taken"
    customer = _text(form, "customer")
    if not customer or len(customer) > 255:
        errors["customer"] = "contract_customer_required"
    valid_from = _date(form, "valid_from", errors)
    valid_to = _date(form, "valid_to", errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = "contract_dates_reversed"
    try:
        hours = int(_text(form, "reaction_hours"))
        if not 1 <= hours <= MAX_REACTION_HOURS:
            raise ValueError
    except ValueError:
        errors["reaction_hours"] = "contract_hours_invalid"
        hours = 0
    email = _text(form, "responsible_email").lower()
    if email and (not EMAIL_RE.match(email) or len(email) > 255):
        errors["responsible_email"] = "contract_email_invalid"
    telegram = _text(form, "responsible_telegram")
    if telegram and not TELEGRAM_RE.match(telegram):
        errors["responsible_telegram"] = "contract_telegram_invalid"
    portal = _portal(_text(form, "portal"), errors)
    if errors:
        raise Invalid(errors)
    return {
        "number": number, "customer": customer, "valid_from": valid_from, "valid_to": valid_to,
        "reaction_hours": hours, "responsible_email": email or None,
        "responsible_telegram": ("@" + telegram.lstrip("@")) if telegram else None,
        "portal_id": portal.id if portal else None,
    }


def create_contract(form: dict[str, Any]) -> Contract:
    """A new registry contract from form fields (number, portal, customer, valid_from/to, reaction_hours, ...)."""
    contract = Contract(**_clean_contract(form, None))
    db.session.add(contract)
    db.session.flush()
    return contract


def update_contract(contract: Contract, form: dict[str, Any]) -> Contract:
    """Replace the contract's fields with the form's, all checked before any is changed."""
    for name, value in _clean_contract(form, contract).items():
        setattr(contract, name, value)
    db.session.flush()
    return contract


def delete_contract(contract: Contract) -> None:
    db.session.delete(contract)
    db.session.flush()


def _clean_operator(form: dict[str, Any], current: Operator | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    code = _text(form, "code")
    if not CODE_RE.match(code):
        errors["code"] = "operator_code_invalid"
    else:
        taken = db.session.execute(
            select(Operator.id).where(func.lower(Operator.code) == code.lower())
        ).scalar_one_or_none()
        if taken is not None and (current is None or taken != current.id):
            errors["code"] = "operator_code_taken"
    name = _text(form, "name")
    if not name or len(name) > 128:
        errors["name"] = "operator_name_required"
    if errors:
        raise Invalid(errors)
    return {"code": code, "name": name, "recommended": _flag(form.get("recommended"))}


def create_operator(form: dict[str, Any]) -> Operator:
    """A payment operator (code, name, recommended)."""
    operator = Operator(**_clean_operator(form, None))
    db.session.add(operator)
    db.session.flush()
    return operator


def update_operator(operator: Operator, form: dict[str, Any]) -> Operator:
    for name, value in _clean_operator(form, operator).items():
        setattr(operator, name, value)
    db.session.flush()
    return operator


def delete_operator(operator: Operator) -> None:
    db.session.delete(operator)
    db.session.flush()


def recommended_operators() -> list[Operator]:
    """The operators the vendor recommends (policy §2), by name."""
    return list(db.session.execute(
        select(Operator).where(Operator.recommended.is_(True)).order_by(Operator.name)
    ).scalars())
