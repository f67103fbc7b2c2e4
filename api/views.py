"""The JSON API under /api/v1/: thin handlers that parse input, call one domain function and serialize."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import defer

from api import params
from api import serializers as out
from api.auth import acting_staff, current_token, may_see_vulnerabilities, require_token
from api.errors import ApiError, NotFound
from api.openapi import document
from b24.models import Portal
from b24.registry import current_contracts, list_portals, open_ticket_counts
from contracts.models import Contract
from database import db
from paging import PageRequest
from tickets import answers
from tickets.inbox import TicketFilters, list_tickets, ticket_detail

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PORTAL_RECENT_TICKETS = 20


@bp.before_request
def _authenticate():
    if request.endpoint != "api.openapi":
        require_token()


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    return exc.response()


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/portals")
def portals():
    filters, page = params.portal_query(request)
    today = date.today()
    result = list_portals(filters, page, today)
    return jsonify(out.page(result, [out.portal_row(row, today) for row in result.items]))


@bp.get("/portals/<member_id>")
def portal(member_id: str):
    params.no_parameters(request)
    member_id = params.identifier(member_id)
    today = date.today()
    found = db.session.execute(
        select(Portal).where(Portal.member_id == member_id)
        .options(defer(Portal.access_token), defer(Portal.application_token))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No portal with member_id {member_id}.")
    contracts = db.session.execute(
        select(Contract).where(Contract.portal_id == found.id).order_by(Contract.valid_to.desc())
    ).scalars()
    recent = list_tickets(
        TicketFilters(portal=member_id, include_vulnerabilities=may_see_vulnerabilities(current_token())),
        PageRequest(limit=PORTAL_RECENT_TICKETS),
    )
    body = {
        **out.portal_summary(found, found.token_health),
        "protocol": found.protocol, "created_at": out.when(found.created_at),
        "updated_at": out.when(found.updated_at), "uninstalled_at": out.when(found.uninstalled_at),
        "open_tickets": open_ticket_counts([found.id]).get(found.id, 0),
        "contract": out.contract(current_contracts([found.id], today).get(found.id), today),
        "contracts": [out.contract(c, today) for c in contracts],
        "history": [out.portal_event(e) for e in found.history],
        "recent_tickets": [out.ticket_row(row) for row in recent.items],
    }
    body["contract_state"] = body["contract"]["state"] if body["contract"] else "none"
    return jsonify(body)


@bp.get("/tickets")
def tickets():
    filters, page = params.ticket_query(request, may_see_vulnerabilities(current_token()))
    result = list_tickets(filters, page)
    return jsonify(out.page(result, [out.ticket_row(row) for row in result.items]))


@bp.get("/tickets/<number>")
def ticket(number: str):
    params.no_parameters(request)
    detail = ticket_detail(params.identifier(number), may_see_vulnerabilities(current_token()))
    if detail is None:
        raise NotFound(f"No ticket {number}.")
    return jsonify(out.ticket_detail(detail, date.today()))


def _ticket_for_change(number: str):
    detail = ticket_detail(params.identifier(number), may_see_vulnerabilities(current_token()))
    if detail is None:
        raise NotFound(f"No ticket {number}.")
    return detail.ticket


@bp.post("/tickets/<number>/replies")
def create_reply(number: str):
    kind, body, data = params.reply_input(params.json_body(request))
    ticket = _ticket_for_change(number)
    reply = answers.answer(ticket, acting_staff(current_token()), kind, body, data)
    db.session.commit()
    return jsonify({"ticket": {"number": ticket.number, "status": ticket.status}, "reply": out.reply(reply)}), 201


@bp.post("/tickets/<number>/status")
def change_status(number: str):
    status = params.status_input(params.json_body(request))
    ticket = _ticket_for_change(number)
    changed = answers.change_status(ticket, acting_staff(current_token()), status)
    db.session.commit()
    return jsonify({"number": ticket.number, "status": ticket.status, "changed": bool(changed)})
