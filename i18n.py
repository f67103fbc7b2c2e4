"""Russian and English for every page and mail: each package registers its own catalogue of strings."""

from __future__ import annotations

from flask import Flask, g

LANGUAGES = ("ru", "en")
_CATALOGUE: dict[str, dict[str, str]] = {"ru": {}, "en": {}}


def register(strings: dict[str, tuple[str, str]]) -> None:
    """Add strings as ``{key: (russian, english)}``; a key registered twice must say the same thing."""
    for key, (ru, en) in strings.items():
        _CATALOGUE["ru"][key] = ru
        _CATALOGUE["en"][key] = en


def pick_language(value: str | None) -> str:
    value = (value or "").lower()[:2]
    return value if value in LANGUAGES else "en"


def translate(key: str, lang: str | None = None, **params: object) -> str:
    lang = pick_language(lang or g.get("lang"))
    text = _CATALOGUE[lang].get(key) or _CATALOGUE["en"].get(key) or key
    return text.format(**params) if params else text


def init_app(app: Flask) -> None:
    app.jinja_env.globals["t"] = translate
