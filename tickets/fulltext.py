"""Full-text search in the database's own index: PostgreSQL tsvector + GIN (russian and english), SQLite FTS5.

PostgreSQL keeps a stored generated ``search_vector`` column (tsvector of both configurations, so every word is
found by its Russian and its English stem) under a GIN index; a trigram index (pg_trgm) finds substrings of
numbers and emails. A stored vector, not an expression index, because checking a row must not re-parse its text:
a common word matches much of the table. SQLite keeps
FTS5 tables in step with triggers: a unicode61 table for words and a trigram table for substrings; it has no
Russian stemmer, so the query side stems each word with Snowball (the algorithm PostgreSQL uses) and asks for
the stem as a prefix. The DDL is attached to the tables here (``db.create_all``) and repeated in the migration.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from sqlalchemy import DDL, ColumnElement, Table, column, event, false, func, literal_column, or_, select, table

from database import db

CONFIGS = ("russian", "english")
MAX_WORDS = 8
WORD = re.compile(r"\w+", re.UNICODE)
LONG_NUMBER = re.compile(r"[\d\-]{5,}")  # a ticket number or a part of one
SUBSTRING_HINT = re.compile(r"[@\d.\-]")  # an email or a number: look for it inside the text too
MIN_SUBSTRING = 3  # trigrams need three characters
COMMON_MATCHES = 5_000  # SQLite: from this many matches on, walk the inbox's order instead of fetching by id


@dataclass(frozen=True)
class Query:
    """What the user typed, as words (or one phrase) plus the raw text for substring matches."""

    words: tuple[str, ...]
    phrase: bool
    raw: str

    @classmethod
    def parse(cls, q: str) -> Query:
        raw = (q or "").strip()[:200]
        phrase = len(raw) > 1 and raw.startswith('"') and raw.endswith('"')
        words = tuple(w.lower() for w in WORD.findall(raw))[:MAX_WORDS]
        return cls(words=words, phrase=phrase and len(words) > 1, raw=raw.strip('"').strip())

    @property
    def substring_only(self) -> bool:
        """One token that is an email, a domain or a long number: only its substring is meant.

        Its words would be guesses (PostgreSQL indexes an email as one token), and the planner, unable to weigh
        an unknown lexeme, walks the whole inbox in date order looking for it.
        """
        token = self.raw
        return (self.wants_substring and not any(c.isspace() for c in token)
                and ("@" in token or "." in token or bool(LONG_NUMBER.fullmatch(token))))

    @property
    def wants_substring(self) -> bool:
        return len(self.raw) >= MIN_SUBSTRING and bool(SUBSTRING_HINT.search(self.raw)) and not self.phrase


@lru_cache(maxsize=2)
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


def stems(word: str) -> set[str]:
    """The word and its Russian and English stems (each stemmer leaves the other alphabet alone)."""
    found = {word}
    for language in CONFIGS:
        stem = _stemmer(language).stemWord(word)
        if len(stem) >= 2:
            found.add(stem)
    # People type е for ё ("счет" for "счёт") and FTS5 folds neither into the other; a stem with one е is also
    # asked with ё (PostgreSQL's Snowball dictionary has the same blind spot, so this is SQLite's catch-up).
    for form in list(found):
        if form.count("е") == 1:
            found.add(form.replace("е", "ё"))
    return found


def dialect() -> str:
    return db.session.get_bind().dialect.name


# --- PostgreSQL ------------------------------------------------------------------------------------------------


SEARCH_COLUMN = "search_vector"


def pg_document_sql(columns: Sequence[str]) -> str:
    """The tsvector of ``columns`` in both configurations (immutable, so it can be a generated column)."""
    joined = " || ' ' || ".join(f"coalesce({name}, '')" for name in columns)
    return " || ".join(f"to_tsvector('{config}'::regconfig, {joined})" for config in CONFIGS)


def pg_search_ddl(source: str, columns: Sequence[str]) -> list[str]:
    """The stored search column of ``source`` and its GIN index."""
    return [
        f"ALTER TABLE {source} ADD COLUMN IF NOT EXISTS {SEARCH_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({pg_document_sql(columns)}) STORED",
        f"CREATE INDEX IF NOT EXISTS ix_{source}_fts ON {source} USING gin ({SEARCH_COLUMN})",
    ]


def pg_tsquery(query: Query, any_word: bool) -> ColumnElement:
    """Both configurations' queries OR-ed: all words (or any, for suggestions), or the phrase in order."""
    if query.phrase:
        parts = [func.phraseto_tsquery(literal_column(f"'{c}'::regconfig"), " ".join(query.words)) for c in CONFIGS]
    else:
        # Words are \w+ only, so the operators below are the only tsquery syntax in the string.
        expression = (" | " if any_word else " & ").join(query.words)
        parts = [func.to_tsquery(literal_column(f"'{c}'::regconfig"), expression) for c in CONFIGS]
    return parts[0].op("||")(parts[1])


def pg_matches(source: str, query: Query, any_word: bool = False) -> ColumnElement[bool]:
    return literal_column(f"{source}.{SEARCH_COLUMN}").op("@@")(pg_tsquery(query, any_word))


# --- SQLite FTS5 ---------------------------------------------------------------------------------------------


def fts5_match(query: Query, any_word: bool = False) -> str:
    """An FTS5 MATCH string: each word as any of its stems (prefix), all of them or any; or the exact phrase."""
    if query.phrase:
        return '"' + " ".join(query.words) + '"'
    terms = ["(" + " OR ".join(f'"{stem}"*' for stem in sorted(stems(word))) + ")" for word in query.words]
    return (" OR " if any_word else " AND ").join(terms)


def fts5_rowids(fts_table: str, match: str):
    """SELECT rowid FROM <fts_table> WHERE <fts_table> MATCH :match."""
    fts = table(fts_table, column("rowid"))
    return select(fts.c.rowid).where(literal_column(fts_table).op("MATCH")(match))


def fts5_condition(fts_table: str, match: str, id_column) -> ColumnElement[bool]:
    """Rows whose id is among the FTS5 matches, with the plan chosen by how many there are.

    ``id IN (matches)`` makes SQLite fetch every match by id and sort them: right for a selective match, seconds
    for a word in most of a million tickets. ``id + 0 IN (matches)`` hides the id from the planner, so it walks
    the inbox's own order and stops after one page (the match set is built once, which FTS5 does in
    milliseconds). One bounded count of the matches chooses, so the statements per page stay fixed.
    """
    matches = fts5_rowids(fts_table, match)
    common = db.session.execute(
        select(func.count()).select_from(matches.limit(COMMON_MATCHES).subquery())).scalar_one()
    return (id_column + 0 if common >= COMMON_MATCHES else id_column).in_(matches)


def fts5_trigram(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


# --- DDL ---------------------------------------------------------------------------------------------------


def fts5_ddl(source: str, fts_table: str, columns: Sequence[str], tokenize: str) -> list[str]:
    """An external-content FTS5 table over ``source`` and the triggers that keep it in step."""
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts_table} USING fts5({cols}, content='{source}', content_rowid='id', "
        f"tokenize='{tokenize}')",
        f"CREATE TRIGGER {fts_table}_ai AFTER INSERT ON {source} BEGIN "  # noqa: S608
        f"INSERT INTO {fts_table}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts_table}_ad AFTER DELETE ON {source} BEGIN "  # noqa: S608
        f"INSERT INTO {fts_table}({fts_table}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts_table}_au AFTER UPDATE OF {cols} ON {source} BEGIN "  # noqa: S608
        f"INSERT INTO {fts_table}({fts_table}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts_table}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


def fts5_drop(fts_table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {fts_table}_{s}" for s in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {fts_table}"]


def attach(target: Table, sqlite: list[str], postgresql: list[str], sqlite_drop: list[str]) -> None:
    """Run the dialect's statements after ``create_all`` makes ``target`` (and the drops before drop_all)."""
    for statement in sqlite:
        event.listen(target, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in postgresql:
        event.listen(target, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in sqlite_drop:
        event.listen(target, "before_drop", DDL(statement).execute_if(dialect="sqlite"))


def is_search_object(name: str | None) -> bool:
    """Schema objects this module owns outside the models (FTS5 tables and shadows, search columns, GIN indexes)."""
    return bool(name) and ("_fts" in name or name.endswith("_trgm") or "_trgm_" in name or name == SEARCH_COLUMN)


def search_condition(query: Query, source: str, columns: Sequence[str], substring_sql: str | None,
                     any_word: bool = False, id_column=None) -> ColumnElement[bool]:
    """Rows of ``source`` matching ``query``: words in the full-text index, or (an email, a number) a substring.

    ``substring_sql`` is the trigram-indexed expression with ``{t}`` where the table name goes.
    """
    conditions: list[ColumnElement[bool]] = []
    fts_table = f"{source}_fts"
    if substring_sql and query.substring_only:
        query = Query(words=(), phrase=False, raw=query.raw)
    if dialect() == "postgresql":
        if query.words:
            conditions.append(pg_matches(source, query, any_word))
        if substring_sql and query.wants_substring:
            like = "%" + query.raw.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(literal_column(f"({substring_sql.format(t=source + '.')})").like(like, escape="\\"))
    else:
        if query.words:
            conditions.append(fts5_condition(fts_table, fts5_match(query, any_word), id_column))
        if substring_sql and query.wants_substring:
            conditions.append(id_column.in_(fts5_rowids(f"{source}_trgm", fts5_trigram(query.raw))))
    return or_(*conditions) if conditions else false()

