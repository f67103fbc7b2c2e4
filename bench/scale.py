"""Scale benchmark: 100,000 portals and 1,000,000 tickets; p50/p95 of the API's and the console's pages.

    python -m bench.scale [--portals 100000 --tickets 1000000] [--small] [--database-url URL] [--requests N]

Without --database-url it runs on a scratch SQLite file and on a scratch PostgreSQL database ``bench_scale``
on 127.0.0.1:5432 (created, then dropped). Requests go through the Flask test client, signed in (console)
or with a bearer token (API). Each page's SQL statements are counted for two page sizes. Latencies are
printed with their ratio to a baseline measured in the same run (GET /healthz, no database), and every p95
over the budget is flagged.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import event

BUDGET_MS = 150.0
SEARCH_PHRASES = ("qr code", "wrong vat", "статус не меняется", "error 500")
SEARCH_WORDS = ("invoices", "pending", "счета", "оплатить", "duplicate", "НДС", "error", "qr")
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SCRATCH_DB = "bench_scale"


@dataclass
class Result:
    name: str
    p50: float
    p95: float
    worst: float
    queries: tuple[int, int] | None = None


class QueryCounter:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, *args) -> None:
        self.count += 1


def _timed(client, urls: list[str], headers: dict[str, str]) -> list[float]:
    times = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        times.append(elapsed)
    return times


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run_one(label: str, database_url: str, portals: int, tickets: int, requests: int) -> list[Result]:
    from api import tokens
    from app import create_app
    from bench.scale_data import generate
    from database import db, utcnow
    from staff.models import StaffUser

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", "TESTING": True})
    results: list[Result] = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        staff = StaffUser(email="bench@vendor.test", name="Bench", password_hash="!", can_see_vulnerabilities=False)
        db.session.add(staff)
        db.session.commit()
        _, plain = tokens.issue("bench", staff)
        db.session.commit()
        staff_id = staff.id
        now = utcnow()
        start = time.perf_counter()
        samples = generate(portals, tickets, now)
        print(f"[{label}] generated {portals:,} portals, {samples['contracts']:,} contracts, {tickets:,} tickets, "
              f"{samples['replies']:,} replies in {time.perf_counter() - start:.1f} s", flush=True)
        engine = db.engine

    rng = random.Random(7)
    member_ids: list[str] = samples["member_ids"]  # type: ignore[assignment]
    numbers: list[str] = samples["numbers"]  # type: ignore[assignment]
    api = {"Authorization": f"Bearer {plain}"}
    client = app.test_client()
    with client.session_transaction() as session:
        session["staff_id"] = staff_id
        session["signed_at"] = (now + timedelta(minutes=1)).isoformat()
    busy_member = member_ids[0]  # the power law makes portal 1 the busiest

    def pick(values: list[str], n: int) -> list[str]:
        return [rng.choice(values) for _ in range(n)]

    def cursors(n: int) -> list[str]:
        # Cursors the API handed out for pages after a random portal, as a client walking the list holds them.
        from api.pages import encode_cursor

        return [encode_cursor((domain, pid)) for domain, pid in rng.sample(domains, n)]

    with app.app_context():
        from b24.models import Portal
        from database import db as _db

        ids = dict(_db.session.execute(_db.select(Portal.member_id, Portal.id)).all())
        domains = [tuple(r) for r in _db.session.execute(_db.select(Portal.domain, Portal.id)).all()]
    scenarios: list[tuple[str, Callable[[int], list[str]], dict[str, str], str | None]] = [
        ("baseline GET /healthz", lambda n: ["/healthz"] * n, {}, None),
        ("API portals, first page", lambda n: ["/api/v1/portals?limit=50"] * n, api, "/api/v1/portals?limit={n}"),
        ("API portals, pages 2-20 (offset)", lambda n: [f"/api/v1/portals?limit=50&offset={rng.randint(1, 19) * 50}"
                                                        for _ in range(n)], api, None),
        ("API portals, next page (cursor)", lambda n: [f"/api/v1/portals?limit=50&cursor={c}"
                                                       for c in cursors(n)], api, None),
        ("API portals, active contract", lambda n: ["/api/v1/portals?contract=active&status=active"] * n, api,
         "/api/v1/portals?contract=active&status=active&limit={n}"),
        ("API portals, search", lambda n: [f"/api/v1/portals?q={rng.choice(['shop', 'agro0', 'pay01', 'zzz'])}"
                                           for _ in range(n)], api, None),
        ("API tickets, inbox", lambda n: ["/api/v1/tickets?limit=50"] * n, api, "/api/v1/tickets?limit={n}"),
        ("API tickets, open", lambda n: ["/api/v1/tickets?status=open"] * n, api,
         "/api/v1/tickets?status=open&limit={n}"),
        ("API tickets, overdue", lambda n: ["/api/v1/tickets?overdue=true"] * n, api,
         "/api/v1/tickets?overdue=true&limit={n}"),
        ("API tickets, search (an email)", lambda n: [f"/api/v1/tickets?q=user{rng.randint(1, 9000)}@"
                                                      for _ in range(n)], api, None),
        ("API tickets, busiest portal", lambda n: [f"/api/v1/tickets?portal={busy_member}"] * n, api, None),
        ("API tickets, one portal", lambda n: [f"/api/v1/tickets?portal={m}" for m in pick(member_ids, n)], api,
         None),
        ("API ticket page", lambda n: [f"/api/v1/tickets/{x}" for x in pick(numbers, n)], api, None),
        ("API portal page", lambda n: [f"/api/v1/portals/{m}" for m in pick(member_ids, n)], api, None),
    ]
    if "console" in app.blueprints:
        scenarios += [
            ("console portals list", lambda n: ["/console/portals"] * n, {}, "/console/portals?per_page={n}"),
            ("console portals, active contract", lambda n: ["/console/portals?contract=active"] * n, {},
             "/console/portals?contract=active&per_page={n}"),
            ("console ticket inbox", lambda n: ["/console/tickets"] * n, {}, "/console/tickets?per_page={n}"),
            ("console inbox, overdue", lambda n: ["/console/tickets?overdue=1"] * n, {},
             "/console/tickets?overdue=1&per_page={n}"),
            ("console portals, by open tickets", lambda n: ["/console/portals?sort=open_tickets&dir=desc"] * n, {},
             "/console/portals?sort=open_tickets&dir=desc&per_page={n}"),
            ("console inbox search, a word", lambda n: [f"/console/tickets?q={rng.choice(SEARCH_WORDS)}"
                                                        for _ in range(n)], {},
             "/console/tickets?q=receipt&per_page={n}"),
            # The worst case kept apart: "A receipt" is in every generated ticket's what_expected.
            ("console inbox search, a word in every ticket", lambda n: ["/console/tickets?q=receipt"] * n, {},
             None),
            ("console inbox search, a phrase", lambda n: [f'/console/tickets?q="{rng.choice(SEARCH_PHRASES)}"'
                                                          for _ in range(n)], {},
             '/console/tickets?q="qr code"&per_page={n}'),
            ("console inbox search, partial email", lambda n: [f"/console/tickets?q=user{rng.randint(1, 9000)}@"
                                                               for _ in range(n)], {}, None),
            ("console inbox search, ticket number", lambda n: [f"/console/tickets?q={rng.choice(numbers)[-7:]}"
                                                               for _ in range(n)], {}, None),
            ("console ticket page", lambda n: [f"/console/tickets/{x}" for x in pick(numbers, n)], {}, None),
            ("console portal page", lambda n: [f"/console/portals/{ids[m]}" for m in pick(member_ids, n)], {},
             None),
        ]
    for name, urls, headers, paged in scenarios:
        _timed(client, urls(3), headers)  # warm caches and the statement cache
        # Searches scan text; fewer of them keep the run short without changing what they show.
        times = _timed(client, urls(min(requests, 10) if "search" in name else requests), headers)
        result = Result(name, statistics.median(times), _percentile(times, 0.95), max(times))
        if paged:
            counts = []
            for size in (10, 100):
                with QueryCounter(engine) as counter:
                    _timed(client, [paged.format(n=size)], headers)
                counts.append(counter.count)
            result.queries = (counts[0], counts[1])
        results.append(result)
        print(f"[{label}] {name}: p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms", flush=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def print_table(label: str, results: list[Result]) -> bool:
    baseline = results[0].p95 or 0.001
    print(f"\n{label}")
    print(f"{'page':38} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95/base':>9} {'SQL@10':>7} {'SQL@100':>8}  flag")
    ok = True
    for r in results:
        q10, q100 = r.queries if r.queries else ("-", "-")
        flag = ""
        if r.p95 > BUDGET_MS:
            flag, ok = f"OVER {BUDGET_MS:.0f} ms", False
        if r.queries and r.queries[0] != r.queries[1]:
            flag, ok = (flag + " QUERIES GROW").strip(), False
        print(f"{r.name:38} {r.p50:8.1f} {r.p95:8.1f} {r.worst:8.1f} {r.p95 / baseline:9.1f} {q10!s:>7} {q100!s:>8}  "
              f"{flag}")
    return ok


def _scratch_postgres() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}", file=sys.stderr)
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{SCRATCH_DB}"


def _drop_scratch_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portals", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--small", action="store_true", help="2,000 portals and 20,000 tickets: a quick run")
    parser.add_argument("--database-url", help="Run on this database only (its tables are dropped and refilled)")
    parser.add_argument("--requests", type=int, default=40, help="Timed requests per page")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="Run on one of the scratch databases")
    parser.add_argument("--keep", action="store_true",
                        help="Keep the scratch databases (SQLite file under /tmp, PostgreSQL bench_scale) to inspect")
    args = parser.parse_args(argv)
    if args.small:
        args.portals, args.tickets = 2_000, 20_000
    ok = True
    if args.database_url:
        ok = print_table(args.database_url.split("://")[0],
                         run_one("db", args.database_url, args.portals, args.tickets, args.requests))
        return 0 if ok else 1
    outcomes: list[tuple[str, list[Result]]] = []
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="bench_scale_") as folder:
            target = "/tmp/bench_scale.sqlite3" if args.keep else f"{folder}/scale.sqlite3"
            for leftover in (target, target + "-wal", target + "-shm"):
                if os.path.exists(leftover):
                    os.remove(leftover)
            outcomes.append(("SQLite", run_one("sqlite", f"sqlite:///{target}", args.portals, args.tickets,
                                                args.requests)))
    if args.only in (None, "postgres"):
        url = _scratch_postgres()
        if url:
            try:
                outcomes.append(("PostgreSQL", run_one("postgres", url, args.portals, args.tickets, args.requests)))
            finally:
                if not args.keep:
                    _drop_scratch_postgres()
    print(f"\n{args.portals:,} portals, {args.tickets:,} tickets, {args.requests} timed requests per page; "
          f"budget p95 <= {BUDGET_MS:.0f} ms; SQL@n = statements for a page of n rows")
    for label, results in outcomes:
        ok = print_table(label, results) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
