"""Jinja's gettext bound to one render's catalogue: the same words as Flask-Babel's, found once per page.

Flask-Babel installs Jinja's gettext callables as ``lambda s: get_translations().ugettext(s)``: every string of a
page looks up the request's babel state, its locale and the catalogue again (three context look-ups, the
locale's name built anew), a tenth of a Support open's CPU and more of a console list's. Here a context
processor finds the catalogue once per ``render_template`` — inside ``force_locale`` too, so a mail still
speaks its recipient's language — and gives that render callables bound to it, under the names Jinja's i18n
extension resolves (``gettext``, ``ngettext``, ``pgettext``, ``npgettext`` and ``_``; ``{% trans %}`` finds them
through the render's context, which comes before the environment's globals). ``label`` is bound the same way.
Templates rendered without ``render_template``, and macros imported without context, keep Flask-Babel's own.

The callables keep Jinja's "newstyle" contract (jinja2.ext ``_make_new_gettext`` and its siblings, which are
private, hence written out here): the result is always a format string (``%%`` is a percent sign),
``%(name)s`` is filled from the call's keywords, ``num`` and ``context`` are filled by default, and under
autoescape the text is Markup, so the values filled in are escaped.

Two filters serve a list's rows, which call them fifty times a page: a filter is called straight from the
compiled template, where a global goes through ``Context.call``. ``labelled`` is ``label`` of a prefix and a
value (``{{ p.status|labelled('c_pstatus_') }}``); ``numberformat`` replaces Flask-Babel's with the same words,
kept per locale for whole numbers.
"""

from __future__ import annotations

from functools import lru_cache
from numbers import Number
from typing import Any

from babel import numbers
from flask import Flask
from flask_babel import get_locale, get_translations
from jinja2 import pass_context, pass_eval_context
from markupsafe import Markup

from i18n import label_in


def _finish(eval_ctx, text: str, variables: dict[str, Any]) -> str:
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 -- the catalogue's own text, as Jinja's gettext marks it
    if not variables and "%" not in text:
        return text  # what ``text % {}`` would give, without formatting it
    return text % variables


# Where the filters find the render's locale (the context processor puts it there once per render).
RENDER_LOCALE = "_label_locale"


def bound_gettext() -> dict[str, Any]:
    """The context processor: this render's gettext callables and ``label``, bound to its catalogue."""
    translations = get_translations()
    locale = str(get_locale())
    plurals: dict[tuple[str, str, int, bool], str] = {}

    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables: Any) -> str:
        return _finish(eval_ctx, translations.ugettext(string), variables)

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables: Any) -> str:
        if variables:
            variables.setdefault("num", num)
            return _finish(eval_ctx, translations.ungettext(singular, plural, num), variables)
        key = (singular, plural, num, eval_ctx.autoescape)  # a list's "%(num)s d" fifty times: formatted once
        words = plurals.get(key)
        if words is None:
            words = plurals[key] = _finish(eval_ctx, translations.ungettext(singular, plural, num), {"num": num})
        return words

    @pass_eval_context
    def pgettext(eval_ctx, context: str, string: str, **variables: Any) -> str:
        variables.setdefault("context", context)
        return _finish(eval_ctx, translations.upgettext(context, string), variables)

    @pass_eval_context
    def npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("context", context)
        variables.setdefault("num", num)
        return _finish(eval_ctx, translations.unpgettext(context, singular, plural, num), variables)

    def label(code: str, lang: str | None = None, **variables: Any) -> str:
        return label_in(locale, code, lang, **variables)

    # ``_`` too: Jinja's own ``_`` passes the context, and a call that does, inside a block that set a variable,
    # copies the whole context first (jinja2.runtime.Context.call); this one needs only the autoescape flag.
    return {"gettext": gettext, "_": gettext, "ngettext": ngettext, "pgettext": pgettext, "npgettext": npgettext,
            "label": label, RENDER_LOCALE: locale}


def _render_locale(context) -> str:
    return context.get(RENDER_LOCALE) or str(get_locale())


@pass_context
def labelled(context, value: Any, prefix: str = "") -> str:
    """``label(prefix ~ value)`` in the render's language."""
    return label_in(_render_locale(context), f"{prefix}{value}")


@lru_cache(maxsize=4096)
def _number_words(locale: str, number: int) -> str:
    return numbers.format_decimal(number, locale=locale)


@pass_context
def numberformat(context, number: Number) -> str:
    """Flask-Babel's ``numberformat`` (babel's decimal format in the render's locale), kept for whole numbers."""
    if isinstance(number, int) and not isinstance(number, bool):
        return _number_words(_render_locale(context), number)
    return numbers.format_decimal(number, locale=_render_locale(context))


def init_app(app: Flask) -> None:
    app.context_processor(bound_gettext)
    app.jinja_env.filters.update(labelled=labelled, numberformat=numberformat)
