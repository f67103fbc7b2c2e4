"""The ticket page's forms: an answer of the policy's kinds, an internal note, the status, the assignee.

tickets.answers (through releases.answers) decides what an answer must carry: which kind needs a version, a
date or a link, a body where the kind carries nothing else, a release or a known issue that exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, StopValidation

from console.forms import ConsoleForm, says, stripped
from staff.models import StaffUser
from tickets.answers import MAX_BODY, VERSION_RE
from tickets.models import ANSWER_KINDS, TICKET_STATUSES, Ticket


class CarriedByKind:
    """The field counts only when the chosen kind of answer carries it: the page hides the others, yet the browser
    still sends what was typed in them, and a stale date under a workaround is no error."""

    def __call__(self, form: AnswerForm, field: Any) -> None:
        if field.name not in ANSWER_KINDS.get(form.kind.data or "", ()):
            field.errors[:] = []
            field.data = None
            raise StopValidation()


class AnswerForm(ConsoleForm):
    kind = SelectField(choices=list(ANSWER_KINDS), invalid_choice_message=says("c_answer_kind_unknown"))
    body = TextAreaField(filters=[stripped], validators=[
        Length(max=MAX_BODY, message=says("c_answer_body_too_long"))])
    # A release from the registry names the version; a published known issue gives the link.
    release = IntegerField(validators=[Optional()], invalid_value_message=says("c_answer_release_unknown"))
    known_issue = IntegerField(validators=[Optional()], invalid_value_message=says("c_answer_known_issue_unknown"))
    version = StringField(filters=[stripped], validators=[
        CarriedByKind(), Optional(), Regexp(VERSION_RE, message=says("c_answer_version_invalid"))])
    date = DateField(validators=[CarriedByKind()], invalid_value_message=says("c_answer_date_invalid"))
    link = StringField(filters=[stripped], validators=[
        CarriedByKind(), Length(max=1024, message=says("c_answer_link_invalid"))])


class NoteForm(ConsoleForm):
    renamed = {"body": "note"}

    note = TextAreaField(filters=[stripped], validators=[
        DataRequired(says("c_answer_body_required")), Length(max=MAX_BODY, message=says("c_answer_body_too_long"))])


class StatusForm(ConsoleForm):
    status = SelectField(choices=list(TICKET_STATUSES), invalid_choice_message=says("c_status_unknown"))

    @classmethod
    def of(cls, ticket: Ticket) -> StatusForm:
        return cls(formdata=None, status=ticket.status)


class AssignForm(ConsoleForm):
    """The assignee among the active staff accounts (``staff``: every account by id), or nobody."""

    assignee = SelectField(invalid_choice_message=says("c_assignee_unknown"))

    def __init__(self, staff: Mapping[int, StaffUser], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.staff = {str(i): s for i, s in staff.items() if s.active}
        self.assignee.choices = [("", "")] + [(key, s.name) for key, s in self.staff.items()]

    @classmethod
    def of(cls, ticket: Ticket, staff: Mapping[int, StaffUser]) -> AssignForm:
        return cls(staff, formdata=None, assignee=str(ticket.assignee_id or ""))

    def chosen(self) -> StaffUser | None:
        """The staff member picked (after ``validate``), or None for nobody."""
        return self.staff.get(self.assignee.data or "")
