"""The releases and known-issues forms; releases.registry and releases.known_issues decide what they mean."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from console.forms import ConsoleForm, says, stripped
from releases.known_issues import MAX_TEXT, MAX_TITLE
from releases.models import ISSUE_LANGUAGES, KnownIssue, Release
from releases.registry import LABEL_RE, MAX_NOTES, MAX_VERSION


class ReleaseForm(ConsoleForm):
    error_prefix = ""  # releases' codes are LABELS keys as they are

    version = IntegerField(invalid_value_message=says("rel_err_version"), validators=[
        InputRequired(says("rel_err_version")), NumberRange(1, MAX_VERSION, says("rel_err_version"))])
    label = StringField(filters=[stripped], validators=[
        DataRequired(says("rel_err_label")), Regexp(LABEL_RE, message=says("rel_err_label"))])
    released_on = DateField(validators=[Optional()], invalid_value_message=says("rel_err_date"))
    notes = TextAreaField(filters=[stripped], validators=[Length(max=MAX_NOTES, message=says("rel_err_too_long"))])

    @classmethod
    def of(cls, release: Release | None) -> ReleaseForm:
        return cls(formdata=None, obj=release)


class PromiseForm(ConsoleForm):
    """The release that shipped an overdue promise, one of ``releases``."""

    release = SelectField(invalid_choice_message=lazy_gettext("Choose a release from the list."))

    def __init__(self, releases: Sequence[Release], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.releases = {str(r.id): r for r in releases}
        self.release.choices = list(self.releases)

    def chosen(self) -> Release:
        """The release picked (after a successful ``validate``)."""
        return self.releases[self.release.data]


def _version() -> IntegerField:
    return IntegerField(invalid_value_message=says("rel_err_version"), validators=[
        Optional(), NumberRange(1, MAX_VERSION, says("rel_err_version"))])


def _text(required: bool, limit: int) -> TextAreaField:
    given = [DataRequired(says("ki_err_required"))] if required else []
    return TextAreaField(filters=[stripped], validators=[*given, Length(max=limit, message=says("rel_err_too_long"))])


class KnownIssueForm(ConsoleForm):
    error_prefix = ""

    title = StringField(filters=[stripped], validators=[
        DataRequired(says("ki_err_required")), Length(max=MAX_TITLE, message=says("rel_err_too_long"))])
    symptoms = _text(True, MAX_TEXT)
    workaround = _text(False, MAX_TEXT)
    language = SelectField(choices=list(ISSUE_LANGUAGES), invalid_choice_message=says("ki_err_language"))
    published = BooleanField()
    affected_from = _version()
    affected_to = _version()
    fixed_in = IntegerField(validators=[Optional()], invalid_value_message=says("rel_err_release"))
    planned_on = DateField(validators=[Optional()], invalid_value_message=says("rel_err_date"))

    @classmethod
    def of(cls, issue: KnownIssue) -> KnownIssueForm:
        """A stored issue's form (its release by id, as the list sends it)."""
        return cls(formdata=None, data={
            "title": issue.title, "symptoms": issue.symptoms, "workaround": issue.workaround,
            "language": issue.language, "published": issue.published, "affected_from": issue.affected_from,
            "affected_to": issue.affected_to, "fixed_in": issue.fixed_in_id, "planned_on": issue.planned_on})

    @classmethod
    def new(cls, language: str) -> KnownIssueForm:
        return cls(formdata=None, data={"language": language})


class LinkTicketForm(ConsoleForm):
    error_prefix = ""

    ticket = StringField(filters=[stripped], validators=[
        DataRequired(says("ki_err_ticket")), Length(max=32, message=says("ki_err_ticket"))])
