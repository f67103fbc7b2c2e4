"""Thin request handlers of the console: parse, call one domain function, render."""

from __future__ import annotations

from flask import g, render_template

from console.guard import PREFIX


def render(template: str, status: int = 200, **context) -> tuple[str, int]:
    """Render a console page in the staff member's language."""
    return render_template(template, lang=g.lang, staff=g.staff, **context), status


def safe_next(target: str | None) -> str | None:
    """Only a console path may follow sign-in or a language switch (no open redirect)."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return None


def notice(kind: str, key: str, **params) -> None:
    """A one-time message for the next page: ``kind`` success/error, ``key`` a console string."""
    from flask import flash

    flash({"key": key, "params": params}, kind)
