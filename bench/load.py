"""A small load generator: N requests over C concurrent keep-alive clients in separate processes."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

# One request: (method, url, keyword arguments for requests: data, files, headers). Built before timing.
Request = tuple[str, str, dict[str, Any]]


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    statuses: dict[int, int]
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    client_cpu: float = 0.0  # CPU seconds the load generator's processes spent
    server_cpu: float = 0.0  # CPU seconds the server spent meanwhile (when a reader of it was given)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _client(batch: list[Request], start_at: float, out) -> None:
    session = requests.Session()
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    while time.time() < start_at:
        time.sleep(0.001)
    cpu = time.process_time()
    for method, url, kwargs in batch:
        sent = time.perf_counter()
        try:
            status = session.request(method, url, timeout=60, allow_redirects=False, **kwargs).status_code
        except requests.RequestException:
            status = 0
        latencies.append(time.perf_counter() - sent)
        statuses[status] = statuses.get(status, 0) + 1
    out.put((time.time(), statuses, latencies, time.process_time() - cpu))


def median_of(rounds: int, make_batch: Callable[[], list[Request]], clients: int,
              ok: Callable[[int], bool] = lambda s: s == 200, server_cpu: Callable[[], float] | None = None) -> Result:
    """Run ``rounds`` fresh batches; the round with the median rate (the machine is shared, one round is noise)."""
    results = sorted((run(make_batch(), clients, ok, server_cpu) for _ in range(rounds)), key=lambda r: r.rps)
    middle = results[len(results) // 2]
    errors = sum(r.errors for r in results)
    statuses: dict[int, int] = {}
    for result in results:
        for status, n in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    return Result(middle.requests, errors, middle.seconds, statuses, middle.latencies, middle.client_cpu,
                  middle.server_cpu)


def run(batch: list[Request], clients: int, ok: Callable[[int], bool] = lambda s: s == 200,
        server_cpu: Callable[[], float] | None = None) -> Result:
    """Send ``batch`` split over ``clients`` processes, all starting together; wall time to the last answer."""
    cpu_before = server_cpu() if server_cpu else 0.0
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    start_at = time.time() + 0.5
    shares = [batch[i::clients] for i in range(clients)]
    processes = [context.Process(target=_client, args=(share, start_at, out)) for share in shares if share]
    for process in processes:
        process.start()
    results = [out.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    statuses: dict[int, int] = {}
    for _, part, _, _ in results:
        for status, n in part.items():
            statuses[status] = statuses.get(status, 0) + n
    seconds = max(end for end, *_ in results) - start_at
    errors = sum(n for status, n in statuses.items() if not ok(status))
    latencies = [x for _, _, part, _ in results for x in part]
    spent = server_cpu() - cpu_before if server_cpu else 0.0
    return Result(len(batch), errors, seconds, statuses, latencies, sum(cpu for *_, cpu in results), spent)
