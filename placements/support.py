"""The Support placement: the request form in the portal iframe, My requests, one request and its follow-ups.

Only the first request is a Bitrix24 frame POST; every later one carries a signed token (see
placements.frame_tokens) because the iframe cannot count on cookies (protocol §4).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import NotFound

from b24.models import Portal
from contracts.eligibility import eligibility, recommended_operators
from database import db, keeping_loaded
from delivery.log import delivery_log
from ops.ratelimit import limit_submission
from placements import frame_tokens
from placements.frame_tokens import FORM, RECORDER, VIEW, FrameTokenRefused, Visitor
from placements.recorder import recorder_url
from placements.uploads import AFTER_VIDEO, UPLOAD_FIELD, attached_uploads, claimed_uploads, read_submission
from placements.visit import open_visit, verify_opening
from redactor import redact_url
from tickets import queries
from tickets.attachments import accept_attribute, send_attachment
from tickets.filing import (
    TEXT_FIELDS,
    Author,
    FilingRejected,
    add_followup,
    clean_text,
    file_ticket,
    required_by_category,
)
from tickets.models import ANSWER_KINDS, CATEGORIES
from tickets.uploads import accepts_uploads

bp = Blueprint("support", __name__, url_prefix="/placements/support")


@bp.after_request
def _private(response):
    # Pages carry the user's own typed data and short-lived tokens: never cache or pass them on.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.post("")
def open_placement():
    """The placement handler bound at install: verify the frame, learn who is asking, show the form."""
    frame, opening = verify_opening(request)  # the OAuth server and, meanwhile, the portal (b24.ahead)
    g.lang = frame.ui_lang
    visit = open_visit(frame, opening)
    return render_form(visit.visitor, visit.portal, reached=visit.reached)


@bp.get("/new")
def new_request():
    visitor = frame_tokens.read(request.args.get("t"), VIEW)
    return render_form(visitor, _portal(visitor))


@bp.post("/submit")
@accepts_uploads
def submit():
    try:
        visitor = frame_tokens.read(request.args.get("f"), FORM)
    except FrameTokenRefused as refused:
        if refused.message_key != "err_token_expired":
            raise
        return render_expired(refused)
    # Refuse a replay before reading a possibly huge body; spend() below is the race-proof check.
    if frame_tokens.already_spent(visitor):
        raise FrameTokenRefused("err_token_used", visitor.lang)
    limit_submission(visitor.member_id, visitor.user_id)
    portal = _portal(visitor)
    fields: Any = {}
    try:
        fields, uploads = read_submission(request)
        frame_tokens.spend(visitor)
        uploads += claimed_uploads(visitor, fields)
        with keeping_loaded():  # the redirect needs only the new ticket's number: no reload after the commit
            ticket = file_ticket(portal, _snapshot(visitor, fields), fields, uploads)
    except FilingRejected as rejected:
        typed = fields or rejected.fields
        return render_form(visitor, portal, values=typed, rejected=rejected, token=request.args["f"])
    return redirect(url_for(".filed", number=ticket.number, t=frame_tokens.issue(visitor, VIEW)), 303)


@bp.get("/requests")
def my_requests():
    visitor = frame_tokens.read(request.args.get("t"), VIEW)
    tickets = queries.tickets_of_portal(visitor.portal_id)
    return render_template(
        "placements/support_requests.html", visitor=visitor, tickets=tickets, latest_answer=queries.latest_answer,
        view_token=request.args["t"], lang=g.lang,
    )


@bp.get("/requests/<number>/filed")
def filed(number: str):
    visitor = frame_tokens.read(request.args.get("t"), VIEW)
    ticket = _ticket(visitor, number)
    return render_template(
        "placements/support_filed.html", visitor=visitor, ticket=ticket, view_token=request.args["t"], lang=g.lang
    )


@bp.get("/requests/<number>")
def show_request(number: str):
    visitor = frame_tokens.read(request.args.get("t"), VIEW)
    return render_ticket(visitor, _ticket(visitor, number))


@bp.post("/requests/<number>/followup")
@accepts_uploads
def followup(number: str):
    visitor = frame_tokens.read(request.args.get("f"), FORM)
    if frame_tokens.already_spent(visitor):
        raise FrameTokenRefused("err_token_used", visitor.lang)
    limit_submission(visitor.member_id, visitor.user_id)
    ticket = _ticket(visitor, number)
    fields: Any = {}
    try:
        fields, uploads = read_submission(request, file_field="files")
        frame_tokens.spend(visitor)
        uploads += claimed_uploads(visitor, fields)
        add_followup(ticket, fields.get("body", ""), uploads,
                     Author(visitor.user_id, visitor.user_name, visitor.user_email))
    except FilingRejected as rejected:
        db.session.rollback()
        typed = fields or rejected.fields
        return render_ticket(visitor, ticket, body=typed.get("body", ""), rejected=rejected,
                             token=request.args["f"])
    return redirect(url_for(".show_request", number=number, t=frame_tokens.issue(visitor, VIEW), sent=1), 303)


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    visitor = frame_tokens.read(request.args.get("t"), VIEW)
    found = queries.attachment_of_portal(visitor.portal_id, attachment_id)
    if found is None:
        raise NotFound()
    return send_attachment(found, download=request.args.get("download") == "1")


# --- rendering ------------------------------------------------------------------------------------------


def render_form(
    visitor: Visitor,
    portal: Portal,
    *,
    values: Any = None,
    rejected: FilingRejected | None = None,
    token: str | None = None,
    reached: bool | None = None,
):
    """The request form: eligibility first, the auto-attached facts, then the fields, refilled after an error."""
    attached = attached_uploads(visitor, values) if values else []
    typed = {key: values.get(key, "") for key in values} if values else {}
    operator = typed.get("operator_other") if typed.get("operator") == "other" else typed.get("operator")
    if reached is None:
        reached = visitor.context.get("portal_reached")
    allowed = eligibility(portal, operator, reached_now=reached)
    # The form's token and its recorder window's: the same nonce, so what the window uploads counts for this form.
    form_token, recorder_token = (token, frame_tokens.issue(visitor, RECORDER)) if token \
        else frame_tokens.issue_form(visitor)
    if not typed:
        typed = {
            "contract_number": allowed.contract_number or "",
            "contact_email": visitor.user_email,
            "category": "error" if allowed.contract_active else "contract",
        }
    return render_template(
        "placements/support_form.html",
        visitor=visitor,
        ctx=visitor.context,
        allowed=allowed,
        categories=CATEGORIES,
        required_in=required_by_category(),
        values=typed,
        errors=rejected.errors if rejected else {},
        error_params=rejected.params if rejected else {},
        form_token=form_token,
        recorder_url=recorder_url(recorder_token),
        view_token=frame_tokens.issue(visitor, VIEW),
        accept_video=accept_attribute("video"),
        accept_file=accept_attribute("file"),
        max_mb=current_app.config["ATTACHMENT_MAX_MB"],
        after_video=AFTER_VIDEO,
        attached_uploads=attached,
        upload_field=UPLOAD_FIELD,
        reached=reached,
        lang=g.lang,
    ), (rejected.status if rejected else 200)


def render_ticket(visitor: Visitor, ticket, *, body: str = "", rejected: FilingRejected | None = None,
                  token: str | None = None):
    return render_template(
        "placements/support_ticket.html",
        visitor=visitor,
        ticket=ticket,
        replies=queries.public_replies(ticket),
        deliveries=delivery_log(ticket, audience="user"),
        answer_kinds=ANSWER_KINDS,
        operator_names={op.code: op.name for op in recommended_operators()},
        body=body,
        errors=rejected.errors if rejected else {},
        error_params=rejected.params if rejected else {},
        form_token=token or frame_tokens.issue(visitor, FORM),
        view_token=request.args.get("t") or frame_tokens.issue(visitor, VIEW),
        accept_file=accept_attribute("file"),
        max_mb=current_app.config["ATTACHMENT_MAX_MB"],
        sent=request.args.get("sent") == "1",
        lang=g.lang,
    ), (rejected.status if rejected else 200)


def render_expired(refused: FrameTokenRefused):
    """A form sent too late files nothing, but hands back what was typed so it can be pasted into a new one."""
    try:
        fields, _uploads = read_submission(request)  # uploads are dropped when the request ends
    except FilingRejected as rejected:
        fields = rejected.fields
    typed = [(name, clean_text(fields.get(name))) for name in TEXT_FIELDS if clean_text(fields.get(name))]
    return render_template(
        "placements/support_expired.html", message=refused.description, typed=typed, lang=g.get("lang", "en")
    ), refused.code


def _portal(visitor: Visitor) -> Portal:
    portal = db.session.get(Portal, visitor.portal_id)
    if portal is None or portal.member_id != visitor.member_id:
        raise FrameTokenRefused("err_token_invalid", visitor.lang)
    return portal


def _ticket(visitor: Visitor, number: str):
    ticket = queries.ticket_of_portal(visitor.portal_id, number)
    if ticket is None:
        abort(404, description=gettext("This portal has no such request."))
    return ticket


def _snapshot(visitor: Visitor, fields: Any) -> dict[str, Any]:
    """The context as the placement saw it, plus the page the form's script reported."""
    context = dict(visitor.context)
    reported = redact_url(str(fields.get("page") or "")[:1024])
    if reported and reported != context.get("page"):
        context["page_reported"] = reported
    return context
