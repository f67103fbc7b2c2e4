"""The ticket inbox, one ticket with its context, attachments and delivery log, and the staff actions on it."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from b24.registry import find_portal
from console.blueprint import bp
from console.forms import ConsoleForm
from console.forms.tickets import AnswerForm, AssignForm, NoteForm, StatusForm
from console.views import notice, render, submit
from database import db
from delivery.log import delivery_log
from delivery.operations import retry_dead
from redactor import redact_value
from releases import answers as release_answers
from staff.models import StaffUser
from tickets import answers
from tickets.attachments import send_attachment
from tickets.inbox import (
    InboxFilters,
    contract_of,
    default_reaction_hours,
    inbox_page,
    is_overdue,
    numbered_ticket,
    reaction_hours,
)
from tickets.media import poster
from tickets.models import ANSWER_KINDS, CATEGORIES, TICKET_STATUSES, Attachment, Ticket


def staff_directory() -> dict[int, StaffUser]:
    """Every staff account by id, for assignee names and the assignee filter (one query)."""
    return {u.id: u for u in db.session.execute(select(StaffUser).order_by(StaffUser.name)).scalars()}


def _filters() -> InboxFilters:
    args = request.args
    portal_id = None
    if args.get("portal"):
        text = args["portal"].strip()
        found = find_portal(text)
        portal_id = found.id if found else (int(text) if text.isdigit() else -1)
    assignee: int | str | None = args.get("assignee") or None
    if assignee and assignee != "none":
        assignee = int(assignee) if assignee.isdigit() else None
    return InboxFilters(
        status=args.get("status") or None,
        portal_id=portal_id,
        category=args.get("category") or None,
        overdue=args.get("overdue") == "1",
        assignee=assignee,
        q=args.get("q") or None,
        sort=args.get("sort") or "created",
        descending=args.get("dir") != "asc",
        include_vulnerabilities=g.staff.can_see_vulnerabilities,
    )


def _categories() -> list[str]:
    return [c for c in CATEGORIES if c != "vulnerability" or g.staff.can_see_vulnerabilities]


@bp.get("/tickets")
def tickets() -> ResponseReturnValue:
    filters = _filters()
    # page=None: Flask-SQLAlchemy's pagination reads ?page= itself (a bad one falls back to 1).
    per_page = request.args.get("per_page", current_app.config["CONSOLE_PAGE_SIZE"], type=int)
    return render("console/tickets.html", result=inbox_page(filters, None, per_page), filters=filters,
                  staff_by_id=staff_directory(), statuses=TICKET_STATUSES, categories=_categories())


def _ticket_or_404(number: str) -> Ticket:
    """The ticket, if this staff member may see it; a vulnerability report they may not is simply not found."""
    return db.first_or_404(numbered_ticket(number, g.staff.can_see_vulnerabilities), description="No such ticket.")


def context_rows(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """The ticket's auto-attached context flattened to (dotted key, text) rows for a readable table."""
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key in value:
            rows += context_rows(value[key], f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [(prefix, ", ".join(str(v) for v in value))]
        rows = []
        for index, item in enumerate(value):
            rows += context_rows(item, f"{prefix}[{index}]")
        return rows
    return [(prefix or "-", "" if value is None else str(value))]


def _ticket_page(ticket: Ticket, status: int = 200, **forms: ConsoleForm) -> ResponseReturnValue:
    """The ticket with its four forms: blank (or as the ticket stands), but for the one just posted (``forms``)."""
    contract = contract_of(ticket)
    promised = contract.reaction_hours if contract else default_reaction_hours()
    directory = staff_directory()
    forms = {"answer_form": AnswerForm(formdata=None), "note_form": NoteForm(formdata=None),
             "status_form": StatusForm.of(ticket), "assign_form": AssignForm.of(ticket, directory), **forms}
    return render(
        "console/ticket.html", status, ticket=ticket, contract=contract, promised_hours=promised,
        reaction=reaction_hours(ticket), overdue=is_overdue(ticket, promised),
        context=context_rows(redact_value(ticket.context or {})), staff_by_id=directory,
        answer_kinds=ANSWER_KINDS, statuses=TICKET_STATUSES, delivery_entries=delivery_log(ticket), **forms,
    )


@bp.get("/tickets/<number>")
def ticket(number: str) -> ResponseReturnValue:
    return _ticket_page(_ticket_or_404(number))


@bp.post("/tickets/<number>/answer")
def ticket_answer(number: str) -> ResponseReturnValue:
    item = _ticket_or_404(number)
    form = AnswerForm()
    # The release-aware answer: a chosen release makes the ticket follow the portal's updates.
    if submit(form, lambda: release_answers.answer(item, g.staff, form.kind.data, form.body.data, form.data),
              answers.AnswerInvalid, "answer_sent"):
        return redirect(url_for("console.ticket", number=item.number))
    return _ticket_page(item, 400, answer_form=form)


@bp.post("/tickets/<number>/note")
def ticket_note(number: str) -> ResponseReturnValue:
    item = _ticket_or_404(number)
    form = NoteForm()
    if submit(form, lambda: answers.add_note(item, g.staff, form.note.data), answers.AnswerInvalid, "note_added"):
        return redirect(url_for("console.ticket", number=item.number))
    return _ticket_page(item, 400, note_form=form)


@bp.post("/tickets/<number>/status")
def ticket_status(number: str) -> ResponseReturnValue:
    item = _ticket_or_404(number)
    form = StatusForm()
    if submit(form, lambda: answers.change_status(item, g.staff, form.status.data), answers.AnswerInvalid,
              "status_changed"):
        return redirect(url_for("console.ticket", number=item.number))
    return _ticket_page(item, 400, status_form=form)


@bp.post("/tickets/<number>/assign")
def ticket_assign(number: str) -> ResponseReturnValue:
    item = _ticket_or_404(number)
    form = AssignForm(staff_directory())
    if submit(form, lambda: answers.assign(item, g.staff, form.chosen()), answers.AnswerInvalid, "assigned"):
        return redirect(url_for("console.ticket", number=item.number))
    return _ticket_page(item, 400, assign_form=form)


@bp.get("/tickets/<number>/attachments/<int:attachment_id>")
def ticket_attachment(number: str, attachment_id: int) -> ResponseReturnValue:
    item = _ticket_or_404(number)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.ticket_id != item.id:
        abort(404, description="No such attachment.")
    return send_attachment(attachment)


@bp.get("/tickets/<number>/attachments/<int:attachment_id>/poster")
def ticket_attachment_poster(number: str, attachment_id: int) -> ResponseReturnValue:
    """The video's first frame as a JPEG (tickets.media); 404 where ffmpeg is missing or cannot read it."""
    item = _ticket_or_404(number)
    attachment = db.session.get(Attachment, attachment_id)
    image = poster(attachment) if attachment is not None and attachment.ticket_id == item.id else None
    if image is None:
        abort(404, description="No poster for this attachment.")
    return Response(image, mimetype="image/jpeg", headers={
        "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


@bp.post("/tickets/<number>/deliveries/retry")
def ticket_deliveries_retry(number: str) -> ResponseReturnValue:
    """Put the ticket's dead messages back in line (the channel is fixed now, or was down for long)."""
    item = _ticket_or_404(number)
    revived = retry_dead(item.id)
    notice("success" if revived else "info", "deliveries_retried" if revived else "deliveries_none_dead")
    return redirect(url_for("console.ticket", number=item.number))
