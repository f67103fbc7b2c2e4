"""Dates as a person reads them (i18n_dates): the locale's words, the zone said, ISO left for machines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from babel import dates
from flask import g, render_template_string
from flask_babel import force_locale

from i18n_dates import clock, day, iso, moment, time_element

WHEN = datetime(2026, 12, 3, 10, 20, 45)  # stored naive, in UTC
NNBSP = "\u202f"  # CLDR puts a narrow no-break space before "г." and "AM"
SAID = {"ru": f"3 дек. 2026{NNBSP}г., 10:20 UTC", "en": f"Dec 3, 2026, 10:20{NNBSP}AM UTC"}
DAY = {"ru": f"15 янв. 2027{NNBSP}г.", "en": "Jan 15, 2027"}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_moment_is_the_locales_medium_date_and_short_time_in_utc(app, lang):
    with app.test_request_context(), force_locale(lang):
        assert moment(WHEN) == SAID[lang]
        # The same words Babel gives for the locale's date and time, joined by the locale's own pattern.
        joined = dates.get_datetime_format("medium", locale=lang).format(
            dates.format_time(WHEN, "short", locale=lang), dates.format_date(WHEN, "medium", locale=lang))
        assert moment(WHEN) == f"{joined} UTC"
        assert day(date(2027, 1, 15)) == day("2027-01-15") == DAY[lang]
        assert clock(WHEN) == f"{dates.format_time(WHEN, 'medium', locale=lang)} UTC"


def test_an_aware_or_iso_value_is_shown_in_utc(app):
    tashkent = timezone(timedelta(hours=5))
    with app.test_request_context(), force_locale("en"):
        assert moment(WHEN.replace(tzinfo=UTC).astimezone(tashkent)) == SAID["en"]
        assert moment("2026-12-03T10:20:45Z") == SAID["en"]
        assert iso(WHEN.replace(tzinfo=UTC).astimezone(tashkent)) == "2026-12-03T10:20:45Z"


def test_the_element_carries_iso_for_machines_and_words_for_people(app):
    with app.test_request_context(), force_locale("ru"):
        assert time_element(WHEN) == f'<time datetime="2026-12-03T10:20:45Z">{SAID["ru"]}</time>'
        assert time_element(date(2027, 1, 15), "day") == f'<time datetime="2027-01-15">{DAY["ru"]}</time>'
        assert time_element(None) == "—" and time_element("", "day", empty="") == ""
        # Text that is not a date is shown as it is (escaped), never a 500.
        assert time_element("<soon>", "day") == "&lt;soon&gt;"
        assert moment(None) == day(None) == clock(None) == ""


def test_the_page_language_chooses_the_words(app):
    page = "{{ when|moment }} · {{ on|day }} · {{ when|time_element('clock') }}"
    for lang in ("ru", "en"):
        with app.test_request_context():
            g.lang = lang
            shown = render_template_string(page, when=WHEN, on=date(2027, 1, 15))
        with app.test_request_context(), force_locale(lang):
            assert shown == f'{SAID[lang]} · {DAY[lang]} · <time datetime="2026-12-03T10:20:45Z">{clock(WHEN)}</time>'


def test_an_element_kept_for_a_list_still_speaks_each_pages_language(app):
    source = "{{ when|time_element }} {{ when|time_element('day') }}"
    for lang in ("ru", "en", "ru", "en"):
        with app.test_request_context():
            g.lang = lang
            page = render_template_string(source, when=WHEN)
        assert f">{SAID[lang]}</time>" in page
        assert ("3 дек. 2026" if lang == "ru" else "Dec 3, 2026") in page.rsplit("<time", 1)[1]
