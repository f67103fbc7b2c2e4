"""Reading a rendered page (or mail) as a person would and naming what is not in their language.

Two faults: a raw key on the page (``i18n.translate`` falls back to the key itself when a string is missing,
so a missing string shows up as ``err_x`` / ``c_x``), and a mixed-language page (English words of the catalogue
on a Russian page, Cyrillic on an English one). Data is not words of the catalogue: ``<code>``, ``.mono`` cells
and form values are left out, and the few data words the test's own fixtures put on a page are named below.
"""

from __future__ import annotations

import html
import re

import i18n

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


def _words(values: list[str]) -> set[str]:
    return {w.lower() for value in values for w in re.findall(r"[A-Za-z]+", re.sub(r"\{[^}]*\}", " ", value))}


def english_only_words() -> set[str]:
    """Words of the English catalogue that no Russian string uses: on a Russian page they are untranslated text."""
    english = _words(list(i18n._CATALOGUE["en"].values()))
    russian = _words(list(i18n._CATALOGUE["ru"].values()))
    return {w for w in english - russian if len(w) >= 4} - LATIN_ALLOWED


def shared_cyrillic_words() -> set[str]:
    """Cyrillic words the English catalogue itself uses (the language switch says «Русский» in both)."""
    return {w for value in i18n._CATALOGUE["en"].values() for w in CYRILLIC_WORD.findall(value)}


def problems(page: str, lang: str, known_keys: set[str] | None = None, *, english: set[str] | None = None,
             is_text: bool = False) -> list[str]:
    """Everything on the page a reader of ``lang`` would notice: raw keys and words of the other language.

    ``known_keys`` and ``english`` default to the catalogue as it is now; pass snapshots to check against it
    as it was (the test that removes a key).
    """
    text = page if is_text else visible_text(page)
    keys = known_keys if known_keys is not None else set(i18n._CATALOGUE["en"])
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
