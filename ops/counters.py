"""Counts a vendor charts (token refreshes, placement opens, installs) and request durations, in prometheus_client.

Each app has its own registry, so test apps in one process never mix their counts. Under gunicorn,
PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py) makes every worker write its values to that directory, and
/metrics sums them with prometheus_client's MultiProcessCollector (ops/health.py).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, has_app_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from sqlalchemy import event
from werkzeug.wrappers import Response

from ops.security import is_framed_path

PREFIX = "b24desk_"
COUNTS = {
    "token_refreshes": "Portal tokens renewed at the OAuth server.",
    "placement_opens": "Verified placement and main-page opens.",
    "installs": "Installer pages served.",
}


class Metrics:
    """One app's registry, its counters (exposed as ``b24desk_<name>_total``) and the request-duration histogram."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.counters = {name: Counter(PREFIX + name, text, registry=self.registry) for name, text in COUNTS.items()}
        # Labelled by the route, never the path, so the number of series stays bounded.
        self.request_seconds = Histogram(PREFIX + "request_duration_seconds", "Time to answer a request.",
                                         ["method", "endpoint"], registry=self.registry)


def of(app: Flask) -> Metrics:
    return app.extensions["ops.counters"]


def count(name: str, amount: int = 1) -> None:
    """Add to one of COUNTS (outside an app, e.g. a bare model script, there is nothing to count into)."""
    if has_app_context():
        of(current_app).counters[name].inc(amount)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _after_request(response: Response) -> Response:
    # A verified frame request (the view named its portal as frame ancestor) that rendered a page.
    if request.method == "POST" and response.status_code == 200 and g.get("frame_ancestor"):
        if is_framed_path(request.path) and request.path != "/install":
            count("placement_opens")
        elif request.path == "/install":
            count("installs")
    started = g.get("metrics_started")
    if started is not None:
        endpoint = request.endpoint or "unmatched"
        of(current_app).request_seconds.labels(request.method, endpoint).observe(time.perf_counter() - started)
    return response


def _watch_token_refreshes() -> None:
    from b24.models import Portal

    if not event.contains(Portal.token_refreshed_at, "set", _on_refresh):
        event.listen(Portal.token_refreshed_at, "set", _on_refresh)


def _on_refresh(_target, value, _old, _initiator) -> None:
    # b24.tokens stamps token_refreshed_at exactly when the OAuth server renewed a portal's tokens.
    if value is not None:
        count("token_refreshes")


def init_app(app: Flask) -> None:
    # A counter's *_created series only repeats the process start time; Prometheus handles resets itself.
    disable_created_metrics()
    app.extensions["ops.counters"] = Metrics()
    _watch_token_refreshes()
    app.before_request(_start_timer)
    app.after_request(_after_request)
