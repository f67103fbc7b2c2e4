"""Open tickets per portal, kept by database triggers so the portal list sorts by it without counting tickets."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from b24.models import Portal
from database import db
from tickets import fulltext
from tickets.models import OPEN_STATUSES, Ticket

_OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


class PortalTicketCount(db.Model):
    """How many open tickets a portal has, vulnerability reports apart (not every staff member may count them)."""

    __tablename__ = "portal_ticket_count"
    __table_args__ = (Index("ix_portal_ticket_count_open", "open_tickets", "portal_id"),)

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"), primary_key=True)
    open_tickets: Mapped[int] = mapped_column(default=0)
    open_vulnerabilities: Mapped[int] = mapped_column(default=0)


def _sqlite_change(row: str, sign: str) -> str:
    return (
        f"INSERT OR IGNORE INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) "  # noqa: S608
        f"VALUES ({row}.portal_id, 0, 0); "
        f"UPDATE portal_ticket_count SET open_tickets = open_tickets {sign} ({row}.category != 'vulnerability'), "
        f"open_vulnerabilities = open_vulnerabilities {sign} ({row}.category = 'vulnerability') "
        f"WHERE portal_id = {row}.portal_id;"
    )


SQLITE = [
    f"CREATE TRIGGER ticket_open_count_ai AFTER INSERT ON ticket WHEN new.status IN {_OPEN} BEGIN "
    f"{_sqlite_change('new', '+')} END",
    f"CREATE TRIGGER ticket_open_count_ad AFTER DELETE ON ticket WHEN old.status IN {_OPEN} BEGIN "
    f"{_sqlite_change('old', '-')} END",
    f"CREATE TRIGGER ticket_open_count_au_old AFTER UPDATE OF status, category, portal_id ON ticket "
    f"WHEN old.status IN {_OPEN} BEGIN {_sqlite_change('old', '-')} END",
    f"CREATE TRIGGER ticket_open_count_au_new AFTER UPDATE OF status, category, portal_id ON ticket "
    f"WHEN new.status IN {_OPEN} BEGIN {_sqlite_change('new', '+')} END",
]
# Every portal gets its row when it is registered, so the portal list can join the counts instead of outer-joining.
PORTAL_SQLITE = ["CREATE TRIGGER portal_ticket_count_ai AFTER INSERT ON portal BEGIN "
                 "INSERT OR IGNORE INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) "
                 "VALUES (new.id, 0, 0); END"]
PORTAL_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION portal_ticket_count_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) VALUES (NEW.id, 0, 0)
    ON CONFLICT (portal_id) DO NOTHING;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER portal_ticket_count_row AFTER INSERT ON portal FOR EACH ROW "
    "EXECUTE FUNCTION portal_ticket_count_row()",
]
PORTAL_SQLITE_DROP = ["DROP TRIGGER IF EXISTS portal_ticket_count_ai"]
PORTAL_POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS portal_ticket_count_row ON portal",
                          "DROP FUNCTION IF EXISTS portal_ticket_count_row()"]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS ticket_open_count_{s}" for s in ("ai", "ad", "au_old", "au_new")]

POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION ticket_open_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN {_OPEN} THEN
        UPDATE portal_ticket_count
           SET open_tickets = open_tickets - (OLD.category <> 'vulnerability')::int,
               open_vulnerabilities = open_vulnerabilities - (OLD.category = 'vulnerability')::int
         WHERE portal_id = OLD.portal_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status IN {_OPEN} THEN
        INSERT INTO portal_ticket_count AS c (portal_id, open_tickets, open_vulnerabilities)
        VALUES (NEW.portal_id, (NEW.category <> 'vulnerability')::int, (NEW.category = 'vulnerability')::int)
        ON CONFLICT (portal_id) DO UPDATE
           SET open_tickets = c.open_tickets + EXCLUDED.open_tickets,
               open_vulnerabilities = c.open_vulnerabilities + EXCLUDED.open_vulnerabilities;
    END IF;
    RETURN NULL;
END $$""",  # noqa: S608
    "CREATE TRIGGER ticket_open_count AFTER INSERT OR DELETE OR UPDATE OF status, category, portal_id ON ticket "
    "FOR EACH ROW EXECUTE FUNCTION ticket_open_count()",
]
POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS ticket_open_count ON ticket",
                   "DROP FUNCTION IF EXISTS ticket_open_count()"]
# Counts for tickets that existed before the triggers (the migration runs this once).
BACKFILL = (
    "INSERT INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) "  # noqa: S608
    "SELECT portal_id, SUM(CASE WHEN category <> 'vulnerability' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN category = 'vulnerability' THEN 1 ELSE 0 END) "
    f"FROM ticket WHERE status IN {_OPEN} GROUP BY portal_id"
)
BACKFILL_PORTALS = (
    "INSERT INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) "
    "SELECT id, 0, 0 FROM portal WHERE id NOT IN (SELECT portal_id FROM portal_ticket_count)"
)

# Both databases resolve a trigger's body when it runs, so the triggers may come before portal_ticket_count.
fulltext.attach(Ticket.__table__, SQLITE, POSTGRESQL, SQLITE_DROP)
fulltext.attach(Portal.__table__, PORTAL_SQLITE, PORTAL_POSTGRESQL, PORTAL_SQLITE_DROP)
