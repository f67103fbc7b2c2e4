"""Templates' gettext bound to each render's catalogue (i18n_render) keeps Jinja's newstyle gettext contract."""

from __future__ import annotations

import pytest
from flask import g, render_template_string
from flask_babel import force_locale


def render(app, source: str, lang: str = "en", **context) -> str:
    with app.test_request_context():
        g.lang = lang
        return render_template_string(source, **context)


def test_the_request_language_speaks_and_another_can_be_forced(app):
    source = '{{ _("Support request") }} / {{ pgettext("button", "Record the error") }}'
    assert render(app, source, "ru") == "Заявка в техподдержку / Записать ошибку"
    assert render(app, source, "en") == "Support request / Record the error"
    with app.test_request_context():
        g.lang = "en"
        with force_locale("ru"):  # a mail, rendered in its recipient's language inside an English request
            assert render_template_string(source) == "Заявка в техподдержку / Записать ошибку"
        assert render_template_string(source) == "Support request / Record the error"


def test_values_filled_in_are_escaped_and_a_double_percent_is_a_percent(app):
    page = render(app, '{{ _("No staff account %(email)s.", email="<b>x</b>") }} {{ _("100%% sure") }}', "ru")
    assert page == "Нет учётной записи сотрудника &lt;b&gt;x&lt;/b&gt;. 100% sure"


@pytest.mark.parametrize(("num", "words"), [(1, "1 токен обновлён"), (3, "3 токена обновлены"),
                                             (5, "5 токенов обновлено")])
def test_plurals_take_num_by_default(app, num, words):
    assert render(app, '{{ ngettext("%(num)s renewed", "%(num)s renewed", n) }}', "ru", n=num) == words


def test_a_block_that_sets_a_variable_still_translates(app):
    # Inside a block with its own variables Jinja copies the context for callables that ask for it; ours don't.
    source = ('{% extends "base.html" %}{% block content %}{% set n = 2 %}'
              '<p id="t">{{ _("Support request") }} {{ n }}</p>{% endblock %}')
    assert '<p id="t">Заявка в техподдержку 2</p>' in render(app, source, "ru")


def test_label_speaks_the_render_language(app):
    assert render(app, "{{ label('c_pstatus_active') }}", "en") == "active"
    assert render(app, "{{ label('c_pstatus_active') }}", "ru") != "active"
    assert render(app, "{{ label('c_pstatus_active', 'en') }}", "ru") == "active"
    assert render(app, "{{ label('no_such_code') }}", "ru") == "no_such_code"


def test_a_label_asked_in_another_language_first_is_kept_in_that_language(app, monkeypatch):
    import i18n

    monkeypatch.setattr(i18n, "_label_words", {})  # nothing remembered yet: the first words are read now
    assert render(app, "{{ label('c_pstatus_active', 'en') }}", "ru") == "active"
    assert render(app, "{{ label('c_pstatus_active') }}", "en") == "active"


def test_labelled_is_label_of_the_prefix_and_the_value_in_the_render_language(app):
    for lang in ("en", "ru"):
        assert render(app, "{{ s|labelled('c_pstatus_') }}", lang, s="active") == \
            render(app, "{{ label('c_pstatus_active') }}", lang)
    assert render(app, "{{ s|labelled('c_pstatus_') }}", "ru", s="<x>") == "c_pstatus_&lt;x&gt;"  # no words: the code


@pytest.mark.parametrize(("lang", "words"), [("en", "1,234,567 / 2.5"), ("ru", "1\xa0234\xa0567 / 2,5")])
def test_numberformat_speaks_the_render_language(app, lang, words):
    source = "{{ n|numberformat }} / {{ x|numberformat }}"
    assert render(app, source, lang, n=1234567, x=2.5) == words
    with app.test_request_context():
        g.lang = "en"
        with force_locale("ru"):  # a mail in its recipient's language
            assert render_template_string("{{ 1234|numberformat }}") == "1\xa0234"


def test_plurals_kept_for_a_list_still_follow_each_number(app):
    source = '{% for n in (1, 3, 1, 5) %}{{ ngettext("%(num)s renewed", "%(num)s renewed", n) }};{% endfor %}'
    assert render(app, source, "ru") == "1 токен обновлён;3 токена обновлены;1 токен обновлён;5 токенов обновлено;"
    assert render(app, source, "en") == "1 renewed;3 renewed;1 renewed;5 renewed;"


def test_a_template_is_compiled_once_per_language_with_its_literal_words_in_it(app):
    name = "placements/support_expired.html"
    source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
    compiled = {}
    for lang in ("ru", "en", "ru"):
        with app.test_request_context():
            g.lang = lang
            template = app.jinja_env.get_template(name)
            assert template.environment.locale == lang
            compiled.setdefault(lang, template)
            assert template is compiled[lang]  # kept per language, not compiled again
            code = template.environment.compile(source, name, raw=True)
    assert compiled["ru"] is not compiled["en"]
    # The words are the page's static text: no gettext call is left for them.
    assert "context.call((undefined(name='_')" not in code and "'_'" not in code


def test_pages_speak_their_language_whichever_was_compiled_first(app):
    from flask import render_template

    from i18n import gettext_in

    pages = []
    for lang in ("en", "ru", "en", "ru"):
        with app.test_request_context():
            g.lang = lang
            pages.append((lang, render_template("placements/support_expired.html", lang=lang, message="m")))
        with app.test_request_context():
            g.lang = "en"
            with force_locale(lang):  # a mail in its recipient's language, inside another request
                pages.append((lang, render_template("placements/support_expired.html", lang=lang, message="m")))
    with app.test_request_context():
        words = {lang: gettext_in(lang, "That did not work") for lang in ("en", "ru")}
    assert words["ru"] == "Не получилось"
    for lang, page in pages:
        assert f'<h1 class="card__title">{words[lang]}</h1>' in page


def test_words_that_need_values_or_a_percent_are_still_formatted_at_render_time(app):
    with app.test_request_context():
        g.lang = "ru"
        template = app.jinja_env.get_template("placements/support_form.html")
    source = app.jinja_env.loader.get_source(app.jinja_env, "placements/support_form.html")[0]
    code = template.environment.compile(source, "placements/support_form.html", raw=True)
    assert "'A file up to %(limit)s MB, or a link below.'" in code  # a call with a value stays a call
