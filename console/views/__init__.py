"""Thin request handlers of the console: parse, call one domain function, render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import g, render_template
from werkzeug.exceptions import BadRequest

from console.forms import ConsoleForm
from console.guard import PREFIX
from database import db

MAX_NEXT_LENGTH = 2048


def render(template: str, status: int = 200, **context) -> tuple[str, int]:
    """Render a console page in the staff member's language."""
    return render_template(template, lang=g.lang, staff=g.staff, **context), status


def safe_next(target: str | None) -> str | None:
    """Only a console path may follow sign-in or a language switch (no open redirect).

    Another site's address is ignored (None); a target with control characters, which could split the
    ``Location`` header, or too long to be one of our pages, is a 400 with a clear message.
    """
    if not target:
        return None
    if len(target) > MAX_NEXT_LENGTH or any(ord(char) < 32 or ord(char) == 127 for char in target):
        raise BadRequest("The next= address is not a console page.")
    try:
        parts = urlsplit(target)
    except ValueError:
        raise BadRequest("The next= address is not a console page.") from None
    if parts.scheme or parts.netloc or "\\" in target or target.startswith("//"):
        return None
    if parts.path != PREFIX and not parts.path.startswith(PREFIX + "/"):
        return None
    return target


def notice(kind: str, key: str, **params) -> None:
    """A one-time message for the next page: ``kind`` success/error, ``key`` a console string."""
    from flask import flash

    flash({"key": key, "params": params}, kind)


@dataclass(frozen=True)
class Done:
    """A committed change: ``result`` is what the domain operation returned (the saved release, ...)."""

    result: Any


def submit(form: ConsoleForm, change: Callable[[], object], refused: type[ValueError], done: str) -> Done | None:
    """Validate ``form`` and make the domain ``change``; ``Done`` when it is committed (and ``done`` is flashed).

    ``refused`` is what the domain raises for bad input (contracts.operations.Invalid, tickets.answers.AnswerInvalid,
    releases.registry.Invalid), its ``errors`` a message code per field. None leaves the form's errors and the
    domain's on the form's fields, and nothing of the change in the database, for the view to show the page again.
    """
    if not form.validate():
        return None
    try:
        result = change()
    except refused as exc:
        db.session.rollback()
        form.add_domain_errors(exc.errors)
        return None
    db.session.commit()
    notice("success", done)
    return Done(result)
