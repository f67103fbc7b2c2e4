"""A ``flask`` command speaks the language of the shell it runs in: LC_ALL, then LC_MESSAGES, then LANG (i18n.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from flask import g
from flask_babel import gettext

from b24.calls import RestCall
from database import db, utcnow
from i18n import cli_language
from tests.b24.test_lifecycle import ROOT, _env

UNSET = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


def _old_rest_calls(app, count: int) -> None:
    with app.app_context():
        db.session.add_all(RestCall(method="app.info", duration_ms=5, at=utcnow() - timedelta(days=30))
                           for _ in range(count))
        db.session.commit()


def _renew(runner, **locale: str | None) -> str:
    result = runner.invoke(args=["portals", "renew"], env={**UNSET, **locale})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("count", "pruned"), [
    (1, "удалена 1 старая строка журнала REST"),
    (2, "удалены 2 старые строки журнала REST"),
    (5, "удалено 5 старых строк журнала REST"),
])
def test_a_command_run_in_a_russian_locale_answers_in_russian_plurals(app, runner, count, pruned):
    _old_rest_calls(app, count)
    output = _renew(runner, LANG="ru_RU.UTF-8")
    assert output == f"0 токенов обновлено, 0 ещё свежих, 0 не обновлено; {pruned}.\n"


def test_without_a_locale_a_command_answers_in_english(app, runner):
    _old_rest_calls(app, 2)
    assert _renew(runner) == "0 renewed, 0 already fresh, 0 failed; 2 old REST log rows pruned.\n"


def test_lc_all_overrides_lc_messages_and_lang(app, runner):
    assert "renewed" in _renew(runner, LC_ALL="en_US.UTF-8", LANG="ru_RU.UTF-8")
    assert "обновлено" in _renew(runner, LC_ALL="ru_RU.UTF-8", LANG="en_US.UTF-8")
    assert "обновлено" in _renew(runner, LC_MESSAGES="ru_RU.UTF-8", LANG="en_US.UTF-8")
    assert "renewed" in _renew(runner, LANG="de_DE.UTF-8")  # a language the app does not speak: English


def test_a_refusal_is_in_the_locale_s_language_too(runner):
    refused = runner.invoke(args=["portals", "show", "nope"], env={**UNSET, "LANG": "ru_RU.UTF-8"})
    assert refused.exit_code == 1 and "Нет портала с member_id nope." in refused.output
    refused = runner.invoke(args=["portals", "show", "nope"], env={**UNSET, "LANG": "C.UTF-8"})
    assert refused.exit_code == 1 and "No portal with member_id nope." in refused.output


def test_the_flask_command_speaks_the_shell_s_language(app):
    """``flask`` finds the command through FlaskGroup, not the test runner's app.cli: the same language."""
    def flask(**locale: str) -> subprocess.CompletedProcess:
        env = {name: value for name, value in _env(app).items() if name not in UNSET} | locale
        return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "portals", "list"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    assert flask(LANG="ru_RU.UTF-8").stdout == "Порталов пока нет.\n"
    assert flask().stdout == "No portals yet.\n"
    assert flask(LC_ALL="C.UTF-8", LANG="ru_RU.UTF-8").stdout == "No portals yet.\n"


def test_the_command_s_language_ends_with_the_command(app, runner):
    with app.app_context():
        g.lang = "en"
        assert "обновлено" in _renew(runner, LANG="ru_RU.UTF-8")
        assert g.lang == "en" and gettext("No portals yet.") == "No portals yet."


@pytest.mark.parametrize(("environ", "lang"), [
    ({}, "en"),
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LC_ALL": "", "LANG": "ru_RU.UTF-8"}, "ru"),  # set but empty counts as unset, as for gettext
    ({"LC_ALL": "ru_RU.UTF-8", "LC_MESSAGES": "en_GB.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
])
def test_cli_language_reads_the_environment_as_gettext_does(monkeypatch, environ, lang):
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert cli_language() == lang
