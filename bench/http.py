"""Requests per second under a real gunicorn, as ratios to a bare Flask endpoint served by the same gunicorn.

Honest about what production pays: every placement open brings a fresh AUTH_ID (the platform renders each frame
with a new token), every call to the sandbox's OAuth server and portals waits a round trip (``--rtt-ms``, env
SANDBOX_RTT_MS, default 80 ms) and the open's latency is given in those round trips; rate limits and the JSON
request log are on; the console lists 50 rows out of 100,000 portals. Each row gives the server's CPU per request
(utime + stime of the gunicorn workers, /proc) beside the load generator's own, and a "counted" row the SQL
statements and pool check-outs per request. The b24pysdk peer (bench/peer.py) is served by the same gunicorn.
Cases: the bare endpoint, the Support open, the peer, filing a ticket, the console's and the API's portal list,
and the calls to Bitrix24 per open. ``python -m bench.http [--full] [--rtt-ms N] [--portals N]``.
"""

import argparse
import json
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench import load
from bench.stack import BACKGROUND, Setup, stack

SUPPORT_PLACEMENT = "CRM_DEAL_DETAIL_TOOLBAR"


@dataclass
class Row:
    bench: str
    case: str
    value: float | None
    unit: str
    ratio: float | None = None
    note: str = ""


def support_placement(setup: Setup) -> tuple[str, dict[str, Any] | None]:
    """The Support placement bound at install when the app serves it; the app's main page otherwise."""
    portal = setup.portals[0]
    try:
        url, form = setup.sandbox.frame(portal, SUPPORT_PLACEMENT, options={"ID": "8061"})
    except LookupError:
        return "DEFAULT", None
    if requests.post(url, data=form, timeout=30).status_code == 200:
        return SUPPORT_PLACEMENT, {"ID": "8061"}
    return "DEFAULT", None


def frames(setup: Setup, placement: str, options: dict | None, count: int) -> list[load.Request]:
    batch = []
    for n in range(count):
        url, form = setup.sandbox.frame(setup.portals[n % len(setup.portals)], placement, options=options)
        batch.append(("POST", url, {"data": form}))
    return batch


# What the sandbox records: HTTP requests the app made (counted) and the methods inside a batch (described).
HTTP_CALLS = ("rest", "oauth.app_info", "oauth.token")


def calls_per_open(setup: Setup, placement: str, options: dict | None, repeats: int = 20) -> tuple[Counter, Counter]:
    """(calls of a new portal's first open, calls of ``repeats`` opens by a known user) by kind and method."""
    state = setup.sandbox.state

    def recorded(action) -> Counter:
        with state.lock:
            state.calls.clear()
        action()
        return Counter(f"{c.kind}:{c.method}" for c in setup.sandbox.calls() if c.kind in (*HTTP_CALLS, "rest.batch"))

    # A portal installed just now: nobody of it is known yet.
    fresh = setup.sandbox.add_portal(f"fresh{len(setup.portals)}", lang="en")
    if setup.sandbox.install(fresh).status_code != 200:
        raise RuntimeError("installing the fresh portal failed")
    first_url, first_form = setup.sandbox.frame(fresh, placement, options=options)
    first = recorded(lambda: requests.post(first_url, data=first_form, timeout=30))

    def open_fresh() -> None:  # a new AUTH_ID each time, as the platform sends
        url, form = setup.sandbox.frame(setup.portals[0], placement, options=options)
        assert requests.post(url, data=form, timeout=30).status_code == 200

    repeat = recorded(lambda: [open_fresh() for _ in range(repeats)])
    return first, repeat


def filing_requests(setup: Setup, count: int) -> list[load.Request]:
    """Ticket submissions, each on its own freshly opened form."""
    from bench import filing

    filing.give_contracts(setup)
    return [("POST", filing.open_form(setup, n), {"files": filing.submission(setup, n)}) for n in range(count)]


def console_listing(setup: Setup, count: int) -> list[load.Request]:
    from bench import filing

    headers = filing.console_session(setup)
    return [("GET", f"{setup.gunicorn.url}/console/portals", {"headers": headers})] * count


def api_listing(setup: Setup, count: int) -> list[load.Request]:
    from bench import filing

    token = filing.api_token(setup)
    url = f"{setup.gunicorn.url}/api/v1/portals"
    return [("GET", url, {"headers": {"Authorization": f"Bearer {token}"}})] * count


def counted(setup: Setup, case: str, batch: list[load.Request]) -> tuple[float, float]:
    """(SQL statements, pool check-outs) per request of ``batch``, sent one by one, as the workers counted them
    from the first byte in to the response closed (bench/wsgi.py), plus the REST log writer's own, shared among
    them: it writes every REST_LOG_FLUSH_SECONDS what gathered, so one by one it writes nearly once per request
    (the most it costs; under load one write serves many)."""
    stats = Path(setup.env["BENCH_STATS_DIR"])
    time.sleep(1.0)  # what earlier requests left for the REST log's writer is written before the count starts
    for file in stats.glob("*.jsonl"):
        file.unlink()
    with requests.Session() as session:
        for method, url, kwargs in batch:
            headers = {**kwargs.get("headers", {}), "X-Bench-Count": case}
            session.request(method, url, timeout=60, allow_redirects=False, **{**kwargs, "headers": headers})
    time.sleep(1.0)  # the REST log's writer writes the last rows after the client has its answer
    lines = [json.loads(line) for file in stats.glob("*.jsonl") for line in file.read_text().splitlines()]
    background = [line for line in lines if line["case"] == BACKGROUND]
    lines = [line for line in lines if line["case"] == case]
    if not lines:
        return float("nan"), float("nan")
    sql = sum(line["sql"] for line in lines) + sum(line.get("sql", 0) for line in background)
    checkouts = sum(line["checkouts"] for line in lines) + sum(line.get("checkouts", 0) for line in background)
    return sql / len(lines), checkouts / len(lines)


def run(full: bool = False, workers: int = 2, threads: int = 4, clients: int = 4, rtt_ms: float | None = None,
        seed_portals: int = 100_000) -> list[Row]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the sandbox's own request lines
    rtt = float(os.environ.get("SANDBOX_RTT_MS") or 80) if rtt_ms is None else rtt_ms
    count = 1000 if full else 120
    rounds = 5 if full else 3
    portals = 20 if full else 5
    rows: list[Row] = []
    with stack(workers, threads, portals, seed_portals=seed_portals, rtt_ms=rtt) as setup:
        cpu = setup.gunicorn.cpu_seconds
        bare_url = f"{setup.gunicorn.url}/bench/bare"
        load.run([("GET", bare_url, {})] * 200, clients)  # warm every worker and its pool
        bare = load.median_of(rounds, lambda: [("GET", bare_url, {})] * max(count, 1000), clients, server_cpu=cpu)
        setup_note = (f"gunicorn {workers}x{threads}, {setup.database}, "
                      f"user cache {'Redis' if setup.env.get('REDIS_URL') else 'database'}, {clients} clients, "
                      f"median of {rounds} rounds of {count} requests (bare: {max(count, 1000)}); "
                      f"sandbox round trip {rtt:.0f} ms")
        rows.append(_row("bare Flask endpoint", bare, bare, setup_note))
        rows.append(Row("http", "bare Flask endpoint: counted", None, "", None,
                        _sql_note(counted(setup, "bare", [("GET", bare_url, {})] * 20))))
        placement, options = support_placement(setup)
        label = "Support open, fresh AUTH_ID" if placement != "DEFAULT" else "main page (no Support placement)"

        # Every open brings a fresh AUTH_ID, as each frame the platform renders does; each portal's user opened
        # Support once already (support_placement above, the warm-up), so the app knows who they are.
        frames(setup, placement, options, len(setup.portals) * 2)
        opened = load.median_of(rounds, lambda: frames(setup, placement, options, count), clients, server_cpu=cpu)
        rows.append(_row(label, opened, bare, _latency(opened, rtt)))
        rows.append(Row("http", f"{label}: counted", None, "", None,
                        _sql_note(counted(setup, "open", frames(setup, placement, options, 20)))))

        peer_url = f"{setup.gunicorn.url}/bench/peer"
        peer = load.median_of(rounds, lambda: peer_frames(setup, peer_url, count), clients, server_cpu=cpu)
        rows.append(_row("b24pysdk peer: verify, then user.current", peer, bare, _latency(peer, rtt)))

        cases = (("file a ticket (rate limits on)", filing_requests, "file"),
                 ("console: portals, 50 rows", console_listing, "console"),
                 ("API: portals", api_listing, "api"))
        for case, build, tag in cases:
            result = load.median_of(rounds, lambda build=build: build(setup, count), clients,
                                    ok=lambda s: s in (200, 201, 302, 303), server_cpu=cpu)
            rows.append(_row(case, result, bare, _errors(result)))
            rows.append(Row("http", f"{case}: counted", None, "", None,
                            _sql_note(counted(setup, tag, build(setup, 10)))))

        repeats = 20
        first_calls, repeat_calls = calls_per_open(setup, placement, options, repeats)
        rows.append(Row("http", f"{label}: calls, nobody known", _http_calls(first_calls), "calls", None,
                        _describe(first_calls) + " (side by side)"))
        rows.append(Row("http", f"{label}: calls, user known", _http_calls(repeat_calls) / repeats, "calls",
                        None, (_describe(repeat_calls) or "none") + f"; {repeats} opens, each a fresh AUTH_ID"))
    return rows


def peer_frames(setup: Setup, url: str, count: int) -> list[load.Request]:
    """The same frame requests, posted to the peer's handler."""
    batch = []
    for n in range(count):
        frame_url, form = setup.sandbox.frame(setup.portals[n % len(setup.portals)], "DEFAULT")
        batch.append(("POST", url + "?" + frame_url.split("?", 1)[1], {"data": form}))
    return batch


def _row(case: str, result: load.Result, bare: load.Result, note: str = "") -> Row:
    server = result.server_cpu / result.requests * 1000
    client = result.client_cpu / result.requests * 1000
    cpu_note = f"server CPU {server:.2f} ms/req, load generator CPU {client:.2f} ms/req"
    return Row("http", case, result.rps, "req/s", result.rps / bare.rps if bare.rps else None,
               "; ".join(part for part in (cpu_note, note) if part))


def _latency(result: load.Result, rtt_ms: float) -> str:
    if rtt_ms <= 0:
        return f"p50 {result.percentile(50) * 1000:.0f} ms, p95 {result.percentile(95) * 1000:.0f} ms"
    rtt = rtt_ms / 1000
    return (f"latency p50 {result.percentile(50) / rtt:.2f} round trips, p95 {result.percentile(95) / rtt:.2f} "
            f"({result.percentile(50) * 1000:.0f} / {result.percentile(95) * 1000:.0f} ms){_errors(result)}")


def _sql_note(counts: tuple[float, float]) -> str:
    sql, checkouts = counts
    return (f"SQL {sql:.1f} statements/req, pool check-outs {checkouts:.1f}/req (the REST log's writes included, "
            "requests one by one)")


def _errors(result: load.Result) -> str:
    return f"{result.errors} errors {dict(sorted(result.statuses.items()))}" if result.errors else ""


def _http_calls(calls: Counter) -> int:
    return sum(n for name, n in calls.items() if name.split(":")[0] in HTTP_CALLS)


def _describe(calls: Counter) -> str:
    """``OAuth app.info x1, portal batch x1 [user.current, user.admin, app.info]``."""
    names = {"oauth.app_info": "OAuth", "oauth.token": "OAuth", "rest": "portal"}
    parts = [f"{names[k]} {m} x{n}" for (k, m), n in ((name.split(":", 1), n) for name, n in sorted(calls.items()))
             if k in names]
    inside = sorted({name.split(":", 1)[1] for name in calls if name.startswith("rest.batch:")})
    return ", ".join(parts) + (f" [batch of {', '.join(inside)}]" if inside else "")


def print_table(rows: list[Row]) -> None:
    width = max(len(r.case) for r in rows) + 2
    print(f"{'bench':8} {'case':{width}} {'value':>10} {'unit':6} {'ratio':>7}  note")
    for r in rows:
        value = "-" if r.value is None else f"{r.value:10.1f}" if r.unit != "calls" else f"{r.value:10.2f}"
        ratio = "-" if r.ratio is None else f"{r.ratio:7.2f}"
        print(f"{r.bench:8} {r.case:{width}} {value:>10} {r.unit:6} {ratio:>7}  {r.note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="more requests and portals")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rtt-ms", type=float, default=None, help="the sandbox's round trip (SANDBOX_RTT_MS, 80)")
    parser.add_argument("--portals", type=int, default=100_000, help="portals in the registry (the console's list)")
    args = parser.parse_args()
    print_table(run(args.full, args.workers, args.threads, args.clients, args.rtt_ms, args.portals))


if __name__ == "__main__":
    main()
