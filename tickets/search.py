"""The inbox's free-text search: which ticket columns are indexed, the index DDL, and the WHERE condition."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from tickets import fulltext
from tickets.models import Ticket

TEXT_COLUMNS = ("number", "what_done", "what_expected", "what_obtained", "user_name", "contact_email")
# Substrings of a ticket number or an email ("user12@", "000123") come from the trigram index.
SUBSTRING_SQL = "lower({t}number || ' ' || {t}contact_email)"

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *fulltext.pg_search_ddl("ticket", TEXT_COLUMNS),
    f"CREATE INDEX IF NOT EXISTS ix_ticket_trgm ON ticket USING gin (({SUBSTRING_SQL.format(t='')}) gin_trgm_ops)",
]
SQLITE = (fulltext.fts5_ddl("ticket", "ticket_fts", TEXT_COLUMNS, "unicode61 remove_diacritics 2")
          + fulltext.fts5_ddl("ticket", "ticket_trgm", ("number", "contact_email"), "trigram"))
SQLITE_DROP = fulltext.fts5_drop("ticket_fts") + fulltext.fts5_drop("ticket_trgm")
SQLITE_REBUILD = ["INSERT INTO ticket_fts(ticket_fts) VALUES ('rebuild')",
                  "INSERT INTO ticket_trgm(ticket_trgm) VALUES ('rebuild')"]


def matches(q: str) -> ColumnElement[bool]:
    """Tickets whose text has every word of ``q`` (any form, Russian or English), the phrase, or the substring."""
    return fulltext.search_condition(fulltext.Query.parse(q), "ticket", TEXT_COLUMNS, SUBSTRING_SQL,
                                     id_column=Ticket.id)


fulltext.attach(Ticket.__table__, SQLITE, POSTGRESQL, SQLITE_DROP)
