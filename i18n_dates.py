"""Dates and times as a person reads them: in the language Flask-Babel speaks now, the zone said.

The app stores naive UTC (``database.utcnow``) and shows UTC, saying so: "3 дек. 2026 г., 10:20 UTC",
"Dec 3, 2026, 10:20 AM UTC" (the locale's medium date and short time, joined as the locale joins them). A page
reads the request's language, a mail its recipient's (``delivery.render`` forces it). Pages wrap the words in
``<time datetime="ISO">``; what machines read (the API, CSV, ``<input type=date>``, stored facts) stays ISO.
The templates' filters: ``moment``, ``day``, ``clock`` (words) and ``time_element`` (the HTML element).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import lru_cache

from babel import Locale, dates
from babel.dates import DateTimePattern
from flask import Flask
from flask_babel import get_locale
from jinja2 import pass_context
from markupsafe import Markup, escape

ZONE = "UTC"


def _read(value: date | str) -> date | None:
    """A stored fact may be ISO text (a reply's date, a context's time; ``Z`` is UTC); None if it is not."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@lru_cache(maxsize=32)
def _formats(locale: Locale) -> tuple[str, DateTimePattern, DateTimePattern, DateTimePattern]:
    """The locale's way of joining a date and a time, and its medium date, short and medium time patterns,
    parsed once per process (babel.dates parses the locale's pattern on every call)."""
    join = dates.get_datetime_format("medium", locale=locale).replace("'", "")
    return (join, dates.parse_pattern(dates.get_date_format("medium", locale=locale).pattern),
            dates.parse_pattern(dates.get_time_format("short", locale=locale).pattern),
            dates.parse_pattern(dates.get_time_format("medium", locale=locale).pattern))


def moment(value: datetime | str | None, locale: Locale | None = None) -> str:
    """A date and time: the locale's medium date and short time, then the zone (``locale``: Flask-Babel's now)."""
    when = _read(value) if value else None
    if when is None:
        return str(value or "")
    when = _utc(when)
    locale = locale or get_locale()
    join = _formats(locale)[0]
    # Joined by the locale's own "{1}, {0}", quotes dropped, as babel.dates.format_datetime joins its parts.
    words = join.replace("{1}", _date_words(locale, when.date())).replace(
        "{0}", _short_time_words(locale, when.hour, when.minute))
    return f"{words} {ZONE}"


def day(value: date | str | None, locale: Locale | None = None) -> str:
    """A calendar date (a contract's end, a planned release): the locale's medium date, no zone."""
    when = _read(value) if value else None
    if when is None:
        return str(value or "")
    return _date_words(locale or get_locale(), when.date() if isinstance(when, datetime) else when)


def clock(value: datetime | str | None, locale: Locale | None = None) -> str:
    """A time of day to the second (the next retry, minutes away), then the zone."""
    when = _read(value) if value else None
    if when is None:
        return str(value or "")
    locale = locale or get_locale()
    return f"{_formats(locale)[3].apply(_utc(when), locale)} {ZONE}"


# A page of 50 rows formats a hundred moments, and babel applies a pattern field by field: the words of a day and
# of a minute are kept per locale (a few thousand days and 1,440 minutes at most).
@lru_cache(maxsize=4096)
def _date_words(locale: Locale, when: date) -> str:
    return _formats(locale)[1].apply(when, locale)


@lru_cache(maxsize=4096)
def _short_time_words(locale: Locale, hour: int, minute: int) -> str:
    return _formats(locale)[2].apply(time(hour, minute), locale)


def iso(value: date | str) -> str:
    """The machine's form of the same value, for ``<time datetime>``: a date, or a UTC instant with ``Z``."""
    when = _read(value)
    if isinstance(when, datetime):
        return _utc(when).isoformat(timespec="seconds") + "Z"
    return when.isoformat() if when is not None else ""


WORDS = {"moment": moment, "day": day, "clock": clock}


def time_element(value: date | str | None, kind: str = "moment", empty: str = "—",
                 locale: Locale | None = None) -> Markup:
    """``<time datetime="2026-12-03T10:20:00Z">3 дек. 2026 г., 10:20 UTC</time>``; ``empty`` when there is none.

    Text that is not ISO (nothing the app writes) is shown as it is, outside an element.
    """
    if not value:
        return Markup.escape(empty)
    return _element(value, kind, locale or get_locale())


# A list shows the same rows again at every reload: an element is kept per (value, kind, locale).
@lru_cache(maxsize=8192)
def _element(value: date | str, kind: str, locale: Locale) -> Markup:
    when = _read(value)
    if when is None:
        return Markup.escape(value)
    # Escaped and joined by hand: Markup.format runs string.Formatter, 5 % of a 50-row list's CPU.
    return Markup(f'<time datetime="{escape(iso(when))}">{escape(WORDS[kind](when, locale))}</time>')  # noqa: S704


# The templates' filters take the locale of the render from its context: found once per page, not per date.
RENDER_LOCALE = "_dates_locale"


def _render_locale() -> dict[str, Locale | None]:
    return {RENDER_LOCALE: get_locale()}


def _in_render_locale(words: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def template_filter(context, value, *args, **kwargs):
        return words(value, *args, locale=context.get(RENDER_LOCALE), **kwargs)

    return template_filter


def init_app(app: Flask) -> None:
    app.context_processor(_render_locale)
    app.jinja_env.filters.update(
        {name: _in_render_locale(words) for name, words in {**WORDS, "time_element": time_element}.items()})
