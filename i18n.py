"""Russian and English through Flask-Babel: which language a request speaks, and text in another language.

The language is chosen where it is known and put in ``g.lang``: the placement from the portal's LANG in the frame
(or the frame token), the console from the staff member's choice, the public page from ``?lang`` or the browser,
mail from the recipient's language (``force_locale``), a ``flask`` command from the environment's locale
(``cli_language``, set by ``CommandLine``). The locale selector only reads it. Strings are gettext
calls whose msgid is the English text (translations/ru/LC_MESSAGES/messages.po; English needs no catalogue);
README "Translations" says how to add one.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g
from flask.cli import AppGroup, ScriptInfo
from flask.ctx import _AppCtxGlobals
from flask_babel import Babel, force_locale, get_locale, gettext, ngettext, pgettext, refresh

from i18n_labels import LABELS, PluralLabel

LANGUAGES = ("ru", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
log = logging.getLogger(__name__)


def pick_language(value: str | None) -> str:
    value = (value or "").lower()[:2]
    return value if value in LANGUAGES else "en"


def current_language() -> str:
    """The locale selector: the language the request chose (``g.lang``), English when it chose none."""
    return pick_language(g.get("lang"))


def cli_language() -> str:
    """The language of a command line, as gettext reads the environment: the first of ``LC_ALL``, ``LC_MESSAGES``
    and ``LANG`` that is set (``ru_RU.UTF-8`` -> ru); English when none is or it names another language (C, de_DE)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return pick_language(os.environ[name])
    return "en"


class CommandLine(AppGroup):
    """``app.cli``: every ``flask`` command of the app runs with ``g.lang`` = ``cli_language()``.

    Each command is looked up here before it runs: ``flask`` pushes the app context and asks ``app.cli`` for it
    (``FlaskGroup.get_command``), the test runner invokes ``app.cli`` itself. So this one place covers the
    blueprints' groups, ``app.cli.add_command`` and any command added later, without a module opting in. The app's
    context is pushed here when it is not yet (the test runner), as ``flask`` does; the language is put back when
    the command ends. Help texts stay English: click reads them at import, before any language is known.
    """

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            app = ctx.ensure_object(ScriptInfo).load_app()
            if not current_app or current_app._get_current_object() is not app:
                ctx.with_resource(app.app_context())
            ctx.with_resource(_speaking(cli_language()))
        return command


@contextmanager
def _speaking(lang: str) -> Iterator[None]:
    before = g.get("lang")
    g.lang = lang
    try:
        yield
    finally:
        g.lang = before


class LanguageAwareGlobals(_AppCtxGlobals):
    """``g`` that forgets Flask-Babel's cached locale when ``g.lang`` changes (a frame token can name another)."""

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if name == "lang":
            refresh()


def gettext_in(lang: str | None, string: str, **variables: object) -> str:
    """``gettext`` in ``lang`` rather than the request's language (a mail, a reply stored in the ticket's)."""
    with force_locale(pick_language(lang)):
        return gettext(string, **variables)


def pgettext_in(lang: str | None, context: str, string: str, **variables: object) -> str:
    with force_locale(pick_language(lang)):
        return pgettext(context, string, **variables)


def ngettext_in(lang: str | None, singular: str, plural: str, num: int, **variables: object) -> str:
    with force_locale(pick_language(lang)):
        return ngettext(singular, plural, num, **variables)


def label(code: str, lang: str | None = None, **variables: object) -> str:
    """The words for a code chosen at run time (a status, an error code), from ``i18n_labels.LABELS``.

    An unknown code is shown as itself, so the page checks of tests/i18n_check.py find it.
    """
    return label_in(str(get_locale()), code, lang, **variables)


def label_in(locale: str, code: str, lang: str | None = None, **variables: object) -> str:
    """``label`` for a caller that knows the locale Flask-Babel speaks now (i18n_render binds it per page)."""
    text = LABELS.get(code)
    if text is None:
        return code
    if lang or isinstance(text, PluralLabel):
        with force_locale(pick_language(lang)) if lang else nullcontext():
            if isinstance(text, PluralLabel):
                return ngettext(text.singular, text.plural, int(variables[text.count]), **variables)
            words = _words(str(get_locale()), code, text)
    else:
        words = _words(locale, code, text)
    return words % variables if variables else words


def _words(locale: str, code: str, text: object) -> str:
    """A code's words in ``locale``, which must be the locale Flask-Babel speaks now (``str(text)`` reads it)."""
    key = (locale, code)
    words = _label_words.get(key)
    if words is None:  # the catalogues are read once per process, so a code's words in a language are too
        words = _label_words[key] = str(text)
    return words


_label_words: dict[tuple[str, str], str] = {}


def compile_stale_catalogues(directory: Path = TRANSLATIONS) -> None:
    """Compile a ``messages.po`` newer than its ``.mo`` (or without one), as ``scripts/i18n compile`` would.

    scripts/dev, scripts/test and a deploy compile at setup; this covers a checkout run without them (a merge
    that brought a new .po, ``pytest`` run directly, a Procfile platform). The .mo is replaced atomically, so
    workers starting together never read half a file; a read-only tree keeps what it has, with a warning.
    """
    for po in directory.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            with tempfile.NamedTemporaryFile("wb", dir=po.parent, suffix=".mo.tmp", delete=False) as out:
                write_mo(out, catalog)
            os.chmod(out.name, 0o644)
            os.replace(out.name, mo)
        except OSError as exc:
            log.warning("could not compile %s (%s): run scripts/i18n compile", po, exc)


def init_app(app: Flask) -> None:
    compile_stale_catalogues()
    app.app_ctx_globals_class = LanguageAwareGlobals
    app.cli = CommandLine(app.cli.name, commands=app.cli.commands)  # keeps what came before (flask db)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=current_language)
    app.jinja_env.globals["label"] = label
