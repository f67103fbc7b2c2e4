"""The contract registry and the recommended payment operators: lists and their forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, redirect, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from console.blueprint import bp
from console.forms import ConsoleForm
from console.forms.contracts import ContractForm, OperatorForm
from console.views import notice, render, submit
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


@bp.get("/contracts/new")
def contract_new() -> ResponseReturnValue:
    return render("console/contract_form.html", contract=None, form=ContractForm.new(utcnow().date()))


def _save(form: ConsoleForm, change: Callable[[], object], template: str, back: str, saved: str,
          **page: Any) -> ResponseReturnValue:
    """Apply a registry change from the posted form; bad input shows the form again with every field and error."""
    if submit(form, change, operations.Invalid, saved):
        return redirect(url_for(back))
    return render(template, 400, form=form, **page)


@bp.post("/contracts/new")
def contract_create() -> ResponseReturnValue:
    form = ContractForm()
    return _save(form, lambda: operations.create_contract(form.data), "console/contract_form.html",
                 "console.contracts", "contract_saved", contract=None)


@bp.get("/contracts/<int:contract_id>")
def contract_edit(contract_id: int) -> ResponseReturnValue:
    contract = db.get_or_404(Contract, contract_id, description="No such contract.")
    return render("console/contract_form.html", contract=contract, form=ContractForm.of(contract))


@bp.post("/contracts/<int:contract_id>")
def contract_update(contract_id: int) -> ResponseReturnValue:
    contract = db.get_or_404(Contract, contract_id, description="No such contract.")
    form = ContractForm()
    return _save(form, lambda: operations.update_contract(contract, form.data), "console/contract_form.html",
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
    return render("console/operator_form.html", operator=None, form=OperatorForm.of(None))


@bp.post("/operators/new")
def operator_create() -> ResponseReturnValue:
    form = OperatorForm()
    return _save(form, lambda: operations.create_operator(form.data), "console/operator_form.html",
                 "console.operators", "operator_saved", operator=None)


@bp.get("/operators/<int:operator_id>")
def operator_edit(operator_id: int) -> ResponseReturnValue:
    operator = db.get_or_404(Operator, operator_id, description="No such operator.")
    return render("console/operator_form.html", operator=operator, form=OperatorForm.of(operator))


@bp.post("/operators/<int:operator_id>")
def operator_update(operator_id: int) -> ResponseReturnValue:
    operator = db.get_or_404(Operator, operator_id, description="No such operator.")
    form = OperatorForm()
    return _save(form, lambda: operations.update_operator(operator, form.data), "console/operator_form.html",
                 "console.operators", "operator_saved", operator=operator)


@bp.post("/operators/<int:operator_id>/delete")
def operator_delete(operator_id: int) -> ResponseReturnValue:
    operations.delete_operator(db.get_or_404(Operator, operator_id, description="No such operator."))
    db.session.commit()
    notice("success", "operator_deleted")
    return redirect(url_for("console.operators"))
