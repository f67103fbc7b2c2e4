"""The console's forms (Flask-WTF), one module per area: the input's shape here, the business rules in the domain.

A form checks what a field looks like (given, how long, a date, a whole number, one of a list); the domain
operation the view then calls checks what the input means (a taken number, dates the wrong way round) and its
refusal (``exc.errors``: field -> message code of i18n_labels.LABELS) is shown at the same fields by
``add_domain_errors``. Every message is a lazy gettext string, shown in the staff member's language; WTForms' own
default messages are translated too (Flask-WTF's WTF_I18N_ENABLED, on by default, reads Flask-Babel's locale).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_wtf import FlaskForm

from i18n import label
from i18n_labels import LABELS


class ConsoleForm(FlaskForm):
    """A console form: no CSRF field of its own, since console.guard checks csrf_token for every console POST."""

    class Meta:
        csrf = False

    # The domain's error codes are keys of i18n_labels.LABELS with this prefix ("c_" for the console's).
    error_prefix: ClassVar[str] = "c_"
    # A domain field that this form calls otherwise (the note's text is the domain's "body").
    renamed: ClassVar[Mapping[str, str]] = {}

    def add_domain_errors(self, errors: Mapping[str, str]) -> None:
        """Show a domain operation's refusal at the fields it names, after any error the field has already."""
        for name, code in errors.items():
            field = self[self.renamed.get(name, name)]
            field.errors = [*field.errors, label(self.error_prefix + code)]


def says(code: str) -> Any:
    """The lazy words of a label code (i18n_labels.LABELS) as a validator's message: one text for form and domain."""
    return LABELS[code]


def stripped(value: Any) -> Any:
    """A filter: typed text without the spaces around it (absent stays None)."""
    return value.strip() if isinstance(value, str) else value
