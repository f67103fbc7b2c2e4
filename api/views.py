"""The JSON API under /api/v1/: thin handlers that parse input, call one domain function and serialize."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from api import listing, params
from api import serializers as out
from api.auth import acting_staff, may_see_vulnerabilities, require_token
from api.errors import ApiError, InvalidBody, NotFound
from api.openapi import document
from api.pages import PageRequest
from b24.models import Portal
from console.queries import contract_state, portal_contracts
from database import db, utcnow
from i18n import label
from tickets import answers
from tickets.inbox import InboxFilters

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
    filters, page = params.portal_query(request, may_see_vulnerabilities())
    today = utcnow().date()
    result = listing.portals(filters, page, today)
    return jsonify(out.page(result, [out.portal_row(row, today) for row in result.items]))


@bp.get("/portals/<member_id>")
def portal(member_id: str):
    params.no_parameters(request)
    found = db.session.execute(
        select(Portal).where(Portal.member_id == params.identifier(member_id))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No portal with member_id {member_id}.")
    today = utcnow().date()
    visible = may_see_vulnerabilities()
    contracts = portal_contracts(found.id)
    current = next((c for c in contracts if contract_state(c, today) == "active"),
                   contracts[0] if contracts else None)
    recent = listing.tickets(InboxFilters(include_vulnerabilities=visible), PageRequest(limit=PORTAL_RECENT_TICKETS),
                             member_id=found.member_id)
    return jsonify({
        **out.portal_summary(found),
        "protocol": found.protocol, "created_at": out.when(found.created_at),
        "updated_at": out.when(found.updated_at), "uninstalled_at": out.when(found.uninstalled_at),
        "open_tickets": listing.open_tickets(found.id, visible),
        "contract": out.contract(current, today),
        "contract_state": contract_state(current, today),
        "contracts": [out.contract(c, today) for c in contracts],
        "history": [out.portal_event(e) for e in found.history],
        "recent_tickets": [out.ticket_row(row) for row in recent.items],
    })


@bp.get("/tickets")
def tickets():
    query = params.ticket_query(request, may_see_vulnerabilities())
    result = listing.tickets(query.filters, query.page, member_id=query.member_id, overdue=query.overdue)
    return jsonify(out.page(result, [out.ticket_row(row) for row in result.items]))


@bp.get("/tickets/<number>")
def ticket(number: str):
    params.no_parameters(request)
    detail = listing.ticket_detail(params.identifier(number), may_see_vulnerabilities())
    if detail is None:
        raise NotFound(f"No ticket {number}.")
    return jsonify(out.ticket_detail(detail, date.today()))


def _ticket_for_change(number: str):
    detail = listing.ticket_detail(params.identifier(number), may_see_vulnerabilities())
    if detail is None:
        raise NotFound(f"No ticket {number}.")
    return detail.row.ticket


def _domain_refusal(exc: answers.AnswerInvalid) -> InvalidBody:
    # The domain names fields as its form does and gives message keys; the API speaks in its own field paths.
    paths = {"version": "data.version", "date": "data.date", "link": "data.link"}
    return InvalidBody({paths.get(field, field): label(key, "en") for field, key in exc.errors.items()})


@bp.post("/tickets/<number>/replies")
def create_reply(number: str):
    kind, body, data = params.reply_input(params.json_body(request))
    staff = acting_staff()
    ticket = _ticket_for_change(number)
    try:
        if kind == "note":
            reply = answers.add_note(ticket, staff, body)
        else:
            reply = answers.answer(ticket, staff, kind, body, data)
    except answers.AnswerInvalid as exc:
        raise _domain_refusal(exc) from None
    db.session.commit()
    return jsonify({"ticket": {"number": ticket.number, "status": ticket.status}, "reply": out.reply(reply)}), 201


@bp.post("/tickets/<number>/status")
def change_status(number: str):
    status = params.status_input(params.json_body(request))
    staff = acting_staff()
    ticket = _ticket_for_change(number)
    try:
        line = answers.change_status(ticket, staff, status)
    except answers.AnswerInvalid as exc:
        raise _domain_refusal(exc) from None
    db.session.commit()
    return jsonify({"number": ticket.number, "status": ticket.status, "changed": line is not None})
