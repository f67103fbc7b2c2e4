"""The portal registry pages: the list, its CSV export, one portal and the staff actions on it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, current_app, g, redirect, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue

from b24 import bindings, lifecycle
from b24.calls import recent_calls
from b24.errors import B24Error
from b24.models import Portal
from b24.registry import RegistryError, block_portal, unblock_portal
from b24.tokens import client_for
from console.blueprint import bp
from console.forms.portals import BlockForm
from console.views import notice, render
from database import db
from readmodels.portals import (
    CONTRACT_STATES,
    PortalFilters,
    known_versions,
    portal_contracts,
    portal_page,
    portal_rows,
)
from tickets.inbox import portal_requesters, portal_tickets


def _filters() -> PortalFilters:
    args = request.args
    try:
        version = int(args["version"]) if args.get("version") else None
    except ValueError:
        version = None
    return PortalFilters(
        q=args.get("q") or None,
        status=args.get("status") or None,
        version=version,
        contract=args.get("contract") or None,
        sort=args.get("sort") or "domain",
        descending=args.get("dir") == "desc",
        include_vulnerabilities=g.staff.can_see_vulnerabilities,
    )


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("console.portals"))


@bp.get("/portals")
def portals() -> ResponseReturnValue:
    filters = _filters()
    # page=None: Flask-SQLAlchemy's pagination reads ?page= itself (a bad one falls back to 1).
    per_page = request.args.get("per_page", current_app.config["CONSOLE_PAGE_SIZE"], type=int)
    result = portal_page(filters, None, per_page)
    return render("console/portals.html", result=result, filters=filters, versions=known_versions(),
                  contract_states=CONTRACT_STATES)


CSV_COLUMNS = ("domain", "member_id", "status", "app_version", "app_status", "license", "installed_at",
               "last_seen_at", "token_health", "contract", "contract_valid_to", "contract_state", "open_tickets")


def _csv_lines(filters: PortalFilters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for row in portal_rows(filters):
        p, c = row.portal, row.contract
        writer.writerow([
            p.domain, p.member_id, p.status, p.app_version or "", p.app_status_name, p.license or "",
            p.installed_at.isoformat(sep=" ", timespec="seconds") if p.installed_at else "",
            p.last_seen_at.isoformat(sep=" ", timespec="seconds") if p.last_seen_at else "",
            p.token_health, c.number if c else "", c.valid_to.isoformat() if c else "", row.contract_state,
            row.open_tickets,
        ])
        yield flush()


@bp.get("/portals.csv")
def portals_csv() -> ResponseReturnValue:
    filters = _filters()
    return Response(stream_with_context(_csv_lines(filters)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=portals.csv"})


def _portal_page(item: Portal, status: int = 200, block_form: BlockForm | None = None) -> ResponseReturnValue:
    see_vulnerabilities = g.staff.can_see_vulnerabilities
    return render("console/portal.html", status, portal=item, contracts=portal_contracts(item.id),
                  calls=recent_calls(item.id, 50), refusal_reason=bindings.refusal_reason,
                  tickets=portal_tickets(item.id, see_vulnerabilities),
                  requesters=portal_requesters(item.id, see_vulnerabilities),
                  block_form=block_form or BlockForm(formdata=None))


@bp.get("/portals/<int:portal_id>")
def portal(portal_id: int) -> ResponseReturnValue:
    return _portal_page(db.get_or_404(Portal, portal_id, description="No such portal."))


@bp.post("/portals/<int:portal_id>/check")
def portal_check(portal_id: int) -> ResponseReturnValue:
    item = db.get_or_404(Portal, portal_id, description="No such portal.")
    try:
        info = lifecycle.check_portal(item)
        notice("success", "portal_checked", version=info.get("VERSION") or "-")
    except B24Error as exc:
        db.session.commit()  # keeps what the token store recorded about the failure
        notice("error", "portal_action_failed", reason=exc.message)
    return redirect(url_for("console.portal", portal_id=portal_id))


@bp.post("/portals/<int:portal_id>/bind")
def portal_bind(portal_id: int) -> ResponseReturnValue:
    item = db.get_or_404(Portal, portal_id, description="No such portal.")
    try:
        outcome = bindings.rebind(item, client_for(item), by=g.staff.email)
        db.session.commit()
        if outcome.refused:
            notice("error", "portal_bound_partly", refused=", ".join(sorted(outcome.refused)))
        else:
            notice("success", "portal_bound")
    except B24Error as exc:
        db.session.commit()
        notice("error", "portal_action_failed", reason=exc.message)
    return redirect(url_for("console.portal", portal_id=portal_id))


@bp.post("/portals/<int:portal_id>/block")
def portal_block(portal_id: int) -> ResponseReturnValue:
    item = db.get_or_404(Portal, portal_id, description="No such portal.")
    form = BlockForm()
    if not form.validate():
        return _portal_page(item, 400, block_form=form)
    try:
        block_portal(item, g.staff.email, form.reason.data)
        db.session.commit()
        notice("success", "portal_blocked")
    except RegistryError:
        notice("error", "portal_already_blocked")
    return redirect(url_for("console.portal", portal_id=portal_id))


@bp.post("/portals/<int:portal_id>/unblock")
def portal_unblock(portal_id: int) -> ResponseReturnValue:
    item = db.get_or_404(Portal, portal_id, description="No such portal.")
    try:
        unblock_portal(item, g.staff.email)
        db.session.commit()
        notice("success", "portal_unblocked")
    except RegistryError:
        notice("error", "portal_not_blocked")
    return redirect(url_for("console.portal", portal_id=portal_id))
