"""The contract registry and the recommended payment operators: lists and their forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from console.blueprint import bp
from console.views import notice, render
from contracts import operations
from contracts.models import Contract, Operator
from database import db, utcnow
from tickets.inbox import reaction_stats


@bp.get("/contracts")
def contracts() -> ResponseReturnValue:
    items = list(db.session.execute(
        select(Contract).order_by(Contract.valid_to.desc(), Contract.number)
    ).scalars())
    stats = reaction_stats([c.number for c in items], g.staff.can_see_vulnerabilities)
    return render("console/contracts.html", contracts=items, stats=stats, today=utcnow().date())


def _contract_form(contract: Contract) -> dict[str, str]:
    return {
        "number": contract.number, "customer": contract.customer,
        "portal": contract.portal.domain if contract.portal else "",
        "valid_from": contract.valid_from.isoformat(), "valid_to": contract.valid_to.isoformat(),
        "reaction_hours": str(contract.reaction_hours), "responsible_email": contract.responsible_email or "",
        "responsible_telegram": contract.responsible_telegram or "",
    }


@bp.get("/contracts/new")
def contract_new() -> ResponseReturnValue:
    today = utcnow().date()
    # A contract usually runs a year from today; the dates are filled in so only what differs is typed.
    form = {"reaction_hours": "24", "valid_from": today.isoformat(), "valid_to": _a_year_after(today).isoformat()}
    return render("console/contract_form.html", contract=None, form=form, errors={})


def _a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _save(change: Callable[[Any], object], template: str, back: str, saved: str, **page: Any) -> ResponseReturnValue:
    """Apply a registry change from the posted form; bad input shows the form again with every field and error."""
    try:
        change(request.form)
    except operations.Invalid as exc:
        db.session.rollback()
        return render(template, 400, form=request.form, errors=exc.errors, **page)
    db.session.commit()
    notice("success", saved)
    return redirect(url_for(back))


@bp.post("/contracts/new")
def contract_create() -> ResponseReturnValue:
    return _save(operations.create_contract, "console/contract_form.html", "console.contracts", "contract_saved",
                 contract=None)


@bp.get("/contracts/<int:contract_id>")
def contract_edit(contract_id: int) -> ResponseReturnValue:
    contract = db.get_or_404(Contract, contract_id, description="No such contract.")
    return render("console/contract_form.html", contract=contract, form=_contract_form(contract), errors={})


@bp.post("/contracts/<int:contract_id>")
def contract_update(contract_id: int) -> ResponseReturnValue:
    contract = db.get_or_404(Contract, contract_id, description="No such contract.")
    return _save(lambda form: operations.update_contract(contract, form), "console/contract_form.html",
                 "console.contracts", "contract_saved", contract=contract)


@bp.post("/contracts/<int:contract_id>/delete")
def contract_delete(contract_id: int) -> ResponseReturnValue:
    operations.delete_contract(db.get_or_404(Contract, contract_id, description="No such contract."))
    db.session.commit()
    notice("success", "contract_deleted")
    return redirect(url_for("console.contracts"))


@bp.get("/operators")
def operators() -> ResponseReturnValue:
    items = list(db.session.execute(select(Operator).order_by(Operator.name)).scalars())
    return render("console/operators.html", operators=items)


@bp.get("/operators/new")
def operator_new() -> ResponseReturnValue:
    return render("console/operator_form.html", operator=None, form={"recommended": "1"}, errors={})


@bp.post("/operators/new")
def operator_create() -> ResponseReturnValue:
    return _save(operations.create_operator, "console/operator_form.html", "console.operators", "operator_saved",
                 operator=None)


@bp.get("/operators/<int:operator_id>")
def operator_edit(operator_id: int) -> ResponseReturnValue:
    operator = db.get_or_404(Operator, operator_id, description="No such operator.")
    form = {"code": operator.code, "name": operator.name, "recommended": "1" if operator.recommended else ""}
    return render("console/operator_form.html", operator=operator, form=form, errors={})


@bp.post("/operators/<int:operator_id>")
def operator_update(operator_id: int) -> ResponseReturnValue:
    operator = db.get_or_404(Operator, operator_id, description="No such operator.")
    return _save(lambda form: operations.update_operator(operator, form), "console/operator_form.html",
                 "console.operators", "operator_saved", operator=operator)


@bp.post("/operators/<int:operator_id>/delete")
def operator_delete(operator_id: int) -> ResponseReturnValue:
    operations.delete_operator(db.get_or_404(Operator, operator_id, description="No such operator."))
    db.session.commit()
    notice("success", "operator_deleted")
    return redirect(url_for("console.operators"))
