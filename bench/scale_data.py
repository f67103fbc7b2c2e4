"""Generating a large, realistic registry fast: portals, contracts, tickets and replies in bulk.

PostgreSQL gets COPY, SQLite one executemany per table inside a single transaction; rows are made in
Python from a seeded generator so both databases hold the same data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import text

from database import db
from sealed import seal

PORTAL_STATUS = (("active", 80), ("uninstalled", 12), ("new", 3), ("blocked", 5))
APP_STATUS = (("P", 50), ("T", 15), ("F", 20), ("D", 10), ("L", 5))
TICKET_STATUS = (("closed", 55), ("resolved", 15), ("in_progress", 10), ("waiting_for_user", 8), ("new", 12))
CATEGORY = (("error", 60), ("consultation", 30), ("contract", 8), ("vulnerability", 2))
REACTION_HOURS = (4, 8, 24, 48)
OPERATORS = ("Payme", "Click", "Uzum", "Paynet")
WORDS = ("shop", "trade", "auto", "pay", "market", "servis", "stroy", "agro", "med", "tech", "logistic", "print")
SPAN_DAYS = 3 * 365
# What users write, in both languages, so words have the spread of frequencies a real inbox has (a word in
# every ticket would measure only the worst case; "error" and "ошибка" still come up in a large share).
DONE = (
    "Paid invoice {i} through the operator", "Sent the act {i} to Didox", "Opened the deal {i} and pressed Pay",
    "Created a receipt for order {i}", "Synced contacts from the CRM", "Uploaded the price list",
    "Выставил счёт {i} клиенту", "Отправил акт {i} в Didox", "Открыл сделку {i} и нажал «Оплатить»",
    "Создал чек по заказу {i}", "Синхронизировал контакты из CRM", "Загрузил прайс-лист",
)
OBTAINED = (
    "Error 500 from the operator", "The QR code never appears", "The status stays pending",
    "Duplicate payments were created", "The receipt has the wrong VAT", "Timeout after a minute",
    "Ошибка 500 от оператора", "QR-код не появляется", "Статус не меняется с «ожидает»",
    "Платёж создан дважды", "В чеке неверный НДС", "Через минуту истекает время ожидания",
)


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...], n: int) -> list[str]:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights, k=n)


def _sqlite_time(value: datetime | None) -> str | None:
    # The text form SQLAlchemy's SQLite DateTime type writes and reads back.
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


class Loader:
    """Bulk rows into one table with the fastest path the database has."""

    def __init__(self) -> None:
        self.connection = db.engine.raw_connection()
        self.postgres = db.engine.dialect.name == "postgresql"

    def load(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        count = 0
        cursor = self.connection.cursor()
        if self.postgres:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (our own names)
            batch: list[tuple] = []
            for row in rows:
                batch.append(tuple(_sqlite_time(v) if isinstance(v, datetime) else
                                   (v.isoformat() if isinstance(v, date) else v) for v in row))
                if len(batch) >= 50_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        cursor.close()
        return count

    def commit(self) -> None:
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def generate(portals: int, tickets: int, now: datetime, seed: int = 24) -> dict[str, object]:
    """Fill the (empty) tables; returns samples the measurements use (member_ids, ticket numbers)."""
    rng = random.Random(seed)
    today = now.date()
    loader = Loader()
    if not loader.postgres:
        cursor = loader.connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()
    # A few sealed values reused: decrypting them on load costs what real tokens cost, sealing 300,000 would not.
    sealed_tokens = [seal(f"token-{n}-{rng.random()}") for n in range(8)]

    statuses = _weighted(rng, PORTAL_STATUS, portals)
    app_statuses = _weighted(rng, APP_STATUS, portals)
    member_ids = [f"{rng.getrandbits(128):032x}" for _ in range(portals)]

    def portal_rows() -> Iterator[tuple]:
        for i in range(portals):
            installed = now - timedelta(days=rng.uniform(1, SPAN_DAYS))
            status = statuses[i]
            token = sealed_tokens[i % len(sealed_tokens)]
            yield (
                i + 1, member_ids[i], f"{WORDS[i % len(WORDS)]}{i:06d}.bitrix24.{('ru', 'uz', 'kz', 'com')[i % 4]}",
                "https", status, min(12, max(1, int(rng.gauss(10, 2)))), app_statuses[i],
                rng.choice(("ru_pro", "ru_start", "ru_team", "uz_basic", "ent250")),
                rng.choice(("ru", "en", "uz")), token, token, token,
                i % 50 == 0, "{}", installed, installed,
                installed + timedelta(days=rng.uniform(0, 30)) if status == "uninstalled" else None,
                now - timedelta(hours=rng.uniform(0, 24 * 60)),
            )

    loader.load("portal", ("id", "member_id", "domain", "protocol", "status", "app_version", "app_status", "license",
                           "language", "application_token", "access_token", "refresh_token", "needs_reauth",
                           "settings", "created_at", "installed_at", "uninstalled_at", "last_seen_at"),
                portal_rows())

    # Four in ten portals have a contract: most active, some expired (a few renewed), some not started yet.
    contract_of: dict[int, tuple[str, int]] = {}

    def contract_rows() -> Iterator[tuple]:
        number = 0
        for portal_id in range(1, portals + 1):
            if rng.random() >= 0.4:
                continue
            kind = rng.random()
            spans = []
            if kind < 0.6:
                start = today - timedelta(days=rng.randint(1, 330))
                spans.append((start, start + timedelta(days=365)))
            elif kind < 0.9:
                end = today - timedelta(days=rng.randint(1, 700))
                spans.append((end - timedelta(days=365), end))
                if rng.random() < 0.3:
                    spans.append((end + timedelta(days=1), end + timedelta(days=366)))
            else:
                start = today + timedelta(days=rng.randint(1, 60))
                spans.append((start, start + timedelta(days=365)))
            for valid_from, valid_to in spans:
                number += 1
                hours = rng.choice(REACTION_HOURS)
                contract_of[portal_id] = (f"SUP-{number:07d}", hours)
                yield (number, f"SUP-{number:07d}", portal_id, f"Customer {portal_id}", valid_from, valid_to, hours,
                       f"it@customer{portal_id}.uz", f"@cust{portal_id}", now)

    contracts = loader.load("contract", ("id", "number", "portal_id", "customer", "valid_from", "valid_to",
                                         "reaction_hours", "responsible_email", "responsible_telegram",
                                         "created_at"), contract_rows())

    ticket_statuses = _weighted(rng, TICKET_STATUS, tickets)
    categories = _weighted(rng, CATEGORY, tickets)
    # Newest tickets get the highest numbers; arrival times spread over three years, denser lately.
    offsets = sorted((SPAN_DAYS * (rng.random() ** 1.5) for _ in range(tickets)), reverse=True)
    numbers: list[str] = []

    def ticket_rows() -> Iterator[tuple]:
        for i in range(tickets):
            # A few busy portals file most tickets (a power law over the registry).
            portal_id = 1 + int(portals * (rng.random() ** 2.5))
            created = now - timedelta(days=offsets[i])
            status = ticket_statuses[i]
            open_ = status in ("new", "in_progress", "waiting_for_user")
            # Open tickets are mostly recent; old unanswered ones are the overdue tail.
            if open_ and rng.random() < 0.9:
                created = now - timedelta(hours=rng.uniform(0.1, 24 * 14))
            answered = status != "new" and rng.random() < 0.97
            first = created + timedelta(hours=rng.expovariate(1 / 6)) if answered else None
            resolved = (first or created) + timedelta(days=rng.uniform(0.1, 10)) if status in ("resolved",
                                                                                             "closed") else None
            contract = contract_of.get(portal_id)
            number = f"TU-{created.year}-{i + 1:07d}"
            if categories[i] != "vulnerability":  # the bench's staff may not open those
                numbers.append(number)
            yield (
                i + 1, number, portal_id, status, categories[i], contract[0] if contract and i % 2 else None,
                OPERATORS[i % 4], DONE[i % len(DONE)].format(i=i), "A receipt",
                OBTAINED[(i * 7 + i // 12) % len(OBTAINED)],
                f"user{i % 9973}@customer{portal_id}.uz", ("ru", "en", "uz")[i % 3], i % 500,
                f"User {i % 9973}", json.dumps({"app_version": 10, "placement": "CRM_DEAL_DETAIL_TOOLBAR"}),
                (i % 7) + 1 if open_ and i % 3 else None, created, resolved or first or created, first, resolved,
            )

    loader.load("ticket", ("id", "number", "portal_id", "status", "category", "contract_number", "operator",
                           "what_done", "what_expected", "what_obtained", "contact_email", "language", "b24_user_id",
                           "user_name", "context", "assignee_id", "created_at", "updated_at", "first_response_at",
                           "resolved_at"), ticket_rows())

    def reply_rows() -> Iterator[tuple]:
        reply_id = 0
        for ticket_id in range(1, tickets + 1, 5):  # every fifth ticket has a short conversation
            for n in range(1 + ticket_id % 4):
                reply_id += 1
                staff = n % 2 == 0
                yield (reply_id, ticket_id, "staff" if staff else "user", 1 if staff else None,
                       "fixed_in_version" if staff else "message", "See the update", json.dumps(
                           {"version": "10.2"} if staff else {}), False, now)

    replies = loader.load("reply", ("id", "ticket_id", "author", "staff_user_id", "kind", "body", "data", "internal",
                                    "created_at"), reply_rows())
    loader.commit()
    loader.close()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in ("portal", "contract", "ticket", "reply"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                  f"(SELECT max(id) FROM {table}))"))
    analyze()
    return {"member_ids": member_ids, "numbers": numbers, "contracts": contracts, "replies": replies}


def analyze() -> None:
    """Planner statistics, as a production database has them."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
