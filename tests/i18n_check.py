"""Reading a rendered page (or mail) as a person would and naming what is not in their language.

Two faults: a raw code on the page (``i18n.label`` shows a code it has no words for as itself, e.g. ``err_x`` /
``c_x``), and a mixed-language page (English words of the msgids on a Russian page, which is what a msgid with no
Russian translation looks like, or Cyrillic on an English one). Data is not words of the catalogue:
``<code>``, ``.mono`` cells and form values are left out, and the few data words the test's own fixtures put on
a page are named below.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from i18n_labels import LABELS

RUSSIAN_PO = Path(__file__).resolve().parent.parent / "translations/ru/LC_MESSAGES/messages.po"

# Namespaces that only ever hold catalogue keys: a token like these on a page is a key that was not translated.
KEY_SHAPED = re.compile(r"\b(?:c|err|f|ctx|elig|cat|kind|answer|mail|alert|delivery|sb|status|nav|col|author)"
                        r"_[a-z0-9]+(?:_[a-z0-9]+)*\b")
CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё][А-Яа-яЁё\-]*")
LATIN_WORD = re.compile(r"^[A-Za-z][a-z]{3,}$")
# Latin words a Russian page rightly shows: brand and product names, protocol words, the test fixtures' data.
LATIN_ALLOWED = {
    "bitrix", "telegram", "html", "email", "https", "http", "member", "payme", "click", "uzum", "paynet",
    "anna", "petrova", "ivan", "sidorov", "demo", "didox", "technounit", "group", "mozilla", "linux", "chrome",
    "safari", "headless", "gecko", "like", "applewebkit", "khtml", "kassa", "integration", "orient", "trade",
    "market", "local", "project", "support", "acme",
}


def visible_text(page: str) -> str:
    """The words a reader sees: no scripts, styles, code or data cells; placeholders and labels kept."""
    page = re.sub(r"(?is)<(script|style|code|textarea)\b.*?</\1>", " ", page)
    page = re.sub(r'(?is)<td class="mono">.*?</td>', " ", page)
    attributes = re.findall(r'\b(?:placeholder|aria-label|title)="([^"]*)"', page)
    text = re.sub(r"(?s)<[^>]+>", " ", page)
    return " ".join(html.unescape(" ".join([text, *attributes])).split())


@cache
def russian_catalogue() -> Catalog:
    with RUSSIAN_PO.open("rb") as f:
        return read_po(f, locale="ru")


def _texts(part: str) -> list[str]:
    """Every msgid (English) or msgstr (Russian) of the catalogue, plural forms included."""
    texts: list[str] = []
    for message in russian_catalogue():
        if message.id:
            value = message.id if part == "id" else message.string
            texts += list(value) if isinstance(value, tuple | list) else [value]
    return texts


def _words(values: list[str]) -> set[str]:
    return {w.lower() for value in values
            for w in re.findall(r"[A-Za-z]+", re.sub(r"%\(\w+\)s|\{[^}]*\}", " ", value))}


def english_only_words() -> set[str]:
    """Words of the msgids that no Russian text uses: on a Russian page they are untranslated text."""
    return {w for w in _words(_texts("id")) - _words(_texts("string")) if len(w) >= 4} - LATIN_ALLOWED


def shared_cyrillic_words() -> set[str]:
    """Cyrillic words the English msgids themselves use (the language switch says «Русский» in both)."""
    return {w for value in _texts("id") for w in CYRILLIC_WORD.findall(value)}


def problems(page: str, lang: str, known_keys: set[str] | None = None, *, english: set[str] | None = None,
             is_text: bool = False) -> list[str]:
    """Everything on the page a reader of ``lang`` would notice: raw keys and words of the other language.

    ``known_keys`` (the codes of ``i18n_labels.LABELS``) and ``english`` default to what the app has now; pass
    snapshots to check against it as it was (the test that removes a label).
    """
    text = page if is_text else visible_text(page)
    keys = known_keys if known_keys is not None else set(LABELS)
    found: list[str] = []
    for token in sorted(set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", text))):
        if token in keys or KEY_SHAPED.fullmatch(token):
            found.append(f"raw key {token!r}")
    if lang == "en":
        allowed = shared_cyrillic_words()
        for word in sorted(set(CYRILLIC_WORD.findall(text)) - allowed):
            found.append(f"Russian word {word!r} on an English page")
    else:
        english = english if english is not None else english_only_words()
        for token in sorted(set(text.split())):
            word = token.strip(".,:;!?()[]«»\"'—–-…/#")
            if LATIN_WORD.match(word) and word.lower() in english:
                found.append(f"English word {word!r} on a Russian page")
    return found
