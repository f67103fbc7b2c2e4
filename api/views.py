"""The JSON API under /api/v1/: thin handlers; the marshmallow schemas parse (query_params, bodies) and serialize."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from api import bodies, listing, query_params, schemas
from api.auth import acting_staff, may_see_vulnerabilities, require_token
from api.errors import ApiError, InvalidBody
from api.parser import parser
from api.query_params import PortalListing, TicketListing
from b24.models import Portal
from database import db, utcnow
from i18n import label
from tickets import answers
from tickets.inbox import numbered_ticket
from tickets.models import Ticket

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Portals, tickets, answers and status changes.")
bp.ARGUMENTS_PARSER = parser
PORTAL_RECENT_TICKETS = 20
EXAMPLE_MEMBER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
EXAMPLE_NUMBER = "TU-2026-000001"
_NUMBER = [{"in": "path", "name": "number", "example": EXAMPLE_NUMBER}]

UNAUTHORIZED = "No token, not a bearer token, or an unknown or revoked token."
BAD_QUERY = "A query parameter is unknown or not valid; details names each one."
NOT_FOUND = "Nothing with that identifier (or not visible to this token)."


def _refusals(*pairs: tuple[int, str]):
    """Document the error answers of an operation, each in the one Error shape."""
    def decorate(view):
        for status, description in reversed(pairs):
            view = bp.alt_response(status, schema=schemas.Error, description=description)(view)
        return view
    return decorate


def _writes(view):
    return _refusals(
        (400, "The body is not JSON."), (401, UNAUTHORIZED),
        (403, "The token acts for no staff member, so it may only read."), (404, NOT_FOUND),
        (415, "The body is not application/json."), (422, "The body is JSON but not valid; details names each field."),
    )(view)


@bp.before_request
def _authenticate():
    require_token()


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    return exc.response()


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """An abort inside the API (``db.first_or_404``, ...) answers in the API's error shape, whatever Accept says."""
    db.session.rollback()
    code = (exc.name or "error").lower().replace(" ", "_")
    response = ApiError(exc.code or 500, code, exc.description or "").response()
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@bp.get("/portals")
@bp.arguments(query_params.PortalQuery, location="query", error_status_code=400)
@bp.response(200, schemas.PortalPage, description="A page of portals.")
@_refusals((400, BAD_QUERY), (401, UNAUTHORIZED))
def portals(query: PortalListing):
    """Installed portals, ordered by domain"""
    today = utcnow().date()
    filters = replace(query.filters, include_vulnerabilities=may_see_vulnerabilities())
    return listing.portals(filters, query.page, today)


@bp.route("/portals/<member_id>", methods=["GET"],
          parameters=[{"in": "path", "name": "member_id", "example": EXAMPLE_MEMBER_ID}])
@bp.arguments(query_params.NoQuery, location="query", error_status_code=400)
@bp.response(200, schemas.Portal, description="The portal.")
@_refusals((400, BAD_QUERY), (401, UNAUTHORIZED), (404, NOT_FOUND))
def portal(_query: dict[str, Any], member_id: str):
    """One portal with its history, contracts and recent tickets"""
    found = db.first_or_404(select(Portal).where(Portal.member_id == identifier(member_id)),
                            description=f"No portal with member_id {member_id}.")
    return listing.portal_detail(found, may_see_vulnerabilities(), PORTAL_RECENT_TICKETS)


@bp.get("/tickets")
@bp.arguments(query_params.TicketQuery, location="query", error_status_code=400)
@bp.response(200, schemas.TicketPage, description="A page of tickets.")
@_refusals((400, BAD_QUERY), (401, UNAUTHORIZED))
def tickets(query: TicketListing):
    """Tickets, newest first"""
    filters = replace(query.filters, include_vulnerabilities=may_see_vulnerabilities())
    return listing.tickets(filters, query.page, member_id=query.member_id, overdue=query.overdue)


@bp.route("/tickets/<number>", methods=["GET"], parameters=_NUMBER)
@bp.arguments(query_params.NoQuery, location="query", error_status_code=400)
@bp.response(200, schemas.Ticket, description="The ticket.")
@_refusals((400, BAD_QUERY), (401, UNAUTHORIZED), (404, NOT_FOUND))
def ticket(_query: dict[str, Any], number: str):
    """One ticket with its full context, replies (internal notes flagged), attachments, deliveries

    Never includes the payment-operator connection data.
    """
    return listing.ticket_detail(_ticket(number))


def identifier(value: str) -> str:
    """A path identifier that can be looked up; anything that could not exist is simply not found."""
    if "\x00" in value or len(value) > 255:
        raise ApiError(404, "not_found", "Nothing with that identifier.")
    return value


def _ticket(number: str) -> Ticket:
    """The ticket, if this token may see it; a vulnerability report it may not is simply not found."""
    return db.first_or_404(numbered_ticket(identifier(number), may_see_vulnerabilities()),
                           description=f"No ticket {number}.")


def _domain_refusal(exc: answers.AnswerInvalid) -> InvalidBody:
    # The domain names fields as its form does and gives message keys; the API speaks in its own field paths.
    paths = {"version": "data.version", "date": "data.date", "link": "data.link"}
    return InvalidBody({paths.get(field, field): label(key, "en") for field, key in exc.errors.items()})


@bp.route("/tickets/<number>/replies", methods=["POST"], parameters=_NUMBER)
@bp.arguments(bodies.ReplyBody)
# The document shows each kind with the data it carries (components ReplyInput, Reply_<kind>).
@bp.doc(requestBody={"required": True,
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReplyInput"}}}})
@bp.response(201, schemas.ReplyCreated, description="The reply was added.")
@_writes
def create_reply(reply_input: tuple[str, str, dict[str, str]], number: str):
    """Answer the ticket (a policy answer kind) or add an internal note"""
    kind, body, data = reply_input
    staff = acting_staff()
    ticket = _ticket(number)
    try:
        if kind == "note":
            reply = answers.add_note(ticket, staff, body)
        else:
            reply = answers.answer(ticket, staff, kind, body, data)
    except answers.AnswerInvalid as exc:
        raise _domain_refusal(exc) from None
    db.session.commit()
    return {"ticket": ticket, "reply": reply}


@bp.route("/tickets/<number>/status", methods=["POST"], parameters=_NUMBER)
@bp.arguments(bodies.StatusInput)
@bp.response(200, schemas.StatusChanged, description="The status now.")
@_writes
def change_status(status_input: dict[str, str], number: str):
    """Change the ticket's status"""
    staff = acting_staff()
    ticket = _ticket(number)
    try:
        line = answers.change_status(ticket, staff, status_input["status"])
    except answers.AnswerInvalid as exc:
        raise _domain_refusal(exc) from None
    db.session.commit()
    return {"number": ticket.number, "status": ticket.status, "changed": line is not None}
