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

Constant words are translated once per language, when a template is compiled. ``TranslatedEnvironment`` keeps
one overlay of the app's Jinja environment per locale (its own template cache, everything else shared), picks
the overlay of the locale Flask-Babel speaks when a template is asked for, and rewrites, while the overlay parses,
``_("…")``, ``gettext("…")``, ``pgettext("…", "…")`` and ``label("code")`` of literal text into the words
themselves, which Jinja then folds into the page's static text: the Support form's seventy gettext calls cost
nothing at render time. Words with a ``%`` in them, calls with values, plural forms and anything not literal
stay calls. Includes and imports load through the overlay that compiled their parent, so a page and its parts
speak one language; ``force_locale`` picks its own overlay, so a mail still speaks its recipient's language.

Two filters serve a list's rows, which call them fifty times a page: a filter is called straight from the
compiled template, where a global goes through ``Context.call``. ``labelled`` is ``label`` of a prefix and a
value (``{{ p.status|labelled('c_pstatus_') }}``); ``numberformat`` replaces Flask-Babel's with the same words,
kept per locale for whole numbers.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from numbers import Number
from typing import Any

from babel import numbers
from flask import Flask
from flask.templating import Environment
from flask_babel import get_locale, get_translations
from jinja2 import nodes, pass_context, pass_eval_context
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from i18n import label_in
from i18n_labels import LABELS, PluralLabel


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


class _LiteralWords(NodeTransformer):
    """Calls of the gettext callables (and ``label``) on literal text, replaced by the words in one locale."""

    def __init__(self, locale: str, translations: Any):
        self.locale = locale
        self.translations = translations

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if not isinstance(node.node, nodes.Name) or node.kwargs or node.dyn_args or node.dyn_kwargs:
            return node
        args = [arg.value for arg in node.args if isinstance(arg, nodes.Const) and isinstance(arg.value, str)]
        if len(args) != len(node.args):
            return node
        name = node.node.name
        if name == "label" and len(args) == 1:
            text = LABELS.get(args[0])
            if text is None or isinstance(text, PluralLabel):
                return node
            return nodes.Const(label_in(self.locale, args[0]), lineno=node.lineno)  # escaped like any text
        if name in ("_", "gettext") and len(args) == 1:
            words = self.translations.ugettext(args[0])
        elif name == "pgettext" and len(args) == 2:
            words = self.translations.upgettext(args[0], args[1])
        else:
            return node
        if "%" in words:
            return node  # formatted at render time, as the newstyle contract says
        # What the bound gettext returns: the catalogue's own text, marked safe under autoescape.
        return nodes.MarkSafeIfAutoescape(nodes.Const(words), lineno=node.lineno)


class TranslatedEnvironment(Environment):
    """Flask's Jinja environment with one overlay per locale, whose templates have their literal words
    translated at compile time (see the module's docstring)."""

    locale: str | None = None  # set on an overlay: the one locale its templates are compiled for

    def __init__(self, app: Flask, **options: Any) -> None:
        super().__init__(app, **options)
        self._overlays: dict[str, TranslatedEnvironment] = {}
        self._overlays_lock = threading.Lock()

    def _speaking(self) -> TranslatedEnvironment:
        """The overlay of the locale Flask-Babel speaks now; this environment itself outside a request or app."""
        if self.locale is not None:
            return self
        locale = get_locale()
        if locale is None:
            return self
        name = str(locale)
        overlay = self._overlays.get(name)
        if overlay is None:
            with self._overlays_lock:
                overlay = self._overlays.get(name)
                if overlay is None:
                    # A cache of its own from empty: the app's environment may hold templates compiled untranslated.
                    size = 0 if self.cache is None else getattr(self.cache, "capacity", -1)
                    overlay = self.overlay(cache_size=size)
                    overlay.locale, overlay._translations = name, get_translations()
                    self._overlays[name] = overlay
        return overlay

    def get_template(self, name, parent=None, globals=None):
        speaking = self._speaking()
        if speaking is self:
            return super().get_template(name, parent, globals)
        return speaking.get_template(name, parent, globals)

    def select_template(self, names, parent=None, globals=None):
        speaking = self._speaking()
        if speaking is self:
            return super().select_template(names, parent, globals)
        return speaking.select_template(names, parent, globals)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        if self.locale is None:
            return tree  # from_string on the app's own environment, or no request: words found at render time
        return _LiteralWords(self.locale, self._translations).visit(tree)


def init_app(app: Flask) -> None:
    if app.jinja_env.bytecode_cache is not None:
        raise RuntimeError("a Jinja bytecode cache would share one language's compiled words with every other")
    app.context_processor(bound_gettext)
    app.jinja_env.filters.update(labelled=labelled, numberformat=numberformat)
