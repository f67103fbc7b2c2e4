"""Requests per second under a real gunicorn, as ratios to a bare Flask endpoint served by the same gunicorn.

Cases: opening the Support placement (first open with a new token, repeat open with the same token), filing a
ticket, listing portals; and how many calls the app makes to the portal and the OAuth server per open (the
sandbox portal on loopback records every call). ``python -m bench.http [--full]``.
"""

import argparse
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import requests

from bench import load
from bench.stack import Setup, stack

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
    """(calls of one first open, calls of ``repeats`` repeat opens with the same token) by kind and method."""
    state = setup.sandbox.state
    url, form = setup.sandbox.frame(setup.portals[0], placement, options=options)

    def recorded(action) -> Counter:
        with state.lock:
            state.calls.clear()
        action()
        return Counter(f"{c.kind}:{c.method}" for c in setup.sandbox.calls() if c.kind in (*HTTP_CALLS, "rest.batch"))

    def open_once() -> None:
        assert requests.post(url, data=form, timeout=30).status_code == 200

    first = recorded(open_once)
    repeat = recorded(lambda: [open_once() for _ in range(repeats)])
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


def run(full: bool = False, workers: int = 2, threads: int = 4, clients: int = 4) -> list[Row]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the sandbox's own request lines
    count = 1000 if full else 150
    rounds = 5 if full else 3
    portals = 20 if full else 5
    rows: list[Row] = []
    with stack(workers, threads, portals) as setup:
        bare_url = f"{setup.gunicorn.url}/bench/bare"
        load.run([("GET", bare_url, {})] * 200, clients)  # warm every worker and its pool
        bare = load.median_of(rounds, lambda: [("GET", bare_url, {})] * max(count, 1000), clients)
        setup_note = (f"gunicorn {workers}x{threads}, {setup.database}, {clients} clients, "
                      f"median of {rounds} rounds of {count} requests (bare: {max(count, 1000)})")
        rows.append(Row("http", "bare Flask endpoint", bare.rps, "req/s", 1.0, setup_note))
        placement, options = support_placement(setup)
        label = "Support placement" if placement != "DEFAULT" else "main page (no Support placement yet)"

        first = load.median_of(rounds, lambda: frames(setup, placement, options, count), clients)
        rows.append(Row("http", f"{label}, first open", first.rps, "req/s", first.rps / bare.rps, _errors(first)))
        # Repeat opens: each portal's user opens again with the token they already have.
        again = frames(setup, placement, options, len(setup.portals))
        repeat = load.median_of(rounds, lambda: [again[n % len(again)] for n in range(count)], clients)
        rows.append(Row("http", f"{label}, repeat open", repeat.rps, "req/s", repeat.rps / bare.rps, _errors(repeat)))

        cases = (("file a ticket", filing_requests), ("list portals: console page", console_listing),
                 ("list portals: API", api_listing))
        for case, build in cases:
            result = load.median_of(rounds, lambda build=build: build(setup, count), clients,
                                    ok=lambda s: s in (200, 201, 302, 303))
            rows.append(Row("http", case, result.rps, "req/s", result.rps / bare.rps, _errors(result)))

        repeats = 20
        first_calls, repeat_calls = calls_per_open(setup, placement, options, repeats)
        rows.append(Row("http", f"{label}: calls per first open", _http_calls(first_calls), "calls", None,
                        _describe(first_calls)))
        rows.append(Row("http", f"{label}: calls per repeat open", _http_calls(repeat_calls) / repeats, "calls",
                        None, (_describe(repeat_calls) or "none") + f"; {repeats} repeats over {workers} workers"))
    return rows


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
    args = parser.parse_args()
    print_table(run(args.full, args.workers, args.threads, args.clients))


if __name__ == "__main__":
    main()
