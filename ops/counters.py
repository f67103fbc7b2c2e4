"""Counters a vendor charts (token refreshes, placement opens): counted in memory, summed in the database.

Each process adds to its in-memory counts and flushes them with one upsert per name at most every
COUNTER_FLUSH_SECONDS, so several gunicorn workers and app servers report one total without a write per event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import event, select
from werkzeug.wrappers import Response

from b24.models import Portal
from database import db
from ops.models import MetricCounter, upsert_add
from ops.security import is_framed_path

log = logging.getLogger(__name__)

class _Pending:
    """This app's counts not yet written, kept per app so test apps in one process never mix theirs."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.last_flush = time.monotonic()


def _pending() -> _Pending | None:
    if not has_app_context():
        return None
    return current_app.extensions.setdefault("ops.counters", _Pending())


def count(name: str, amount: int = 1) -> None:
    """Add to a counter; it reaches the database with the next flush."""
    pending = _pending()
    if pending is not None:
        with pending.lock:
            pending.counts[name] += amount


def flush() -> None:
    """Write this process's pending counts to the shared table."""
    pending = _pending()
    if pending is None:
        return
    with pending.lock:
        batch = dict(pending.counts)
        pending.counts.clear()
        pending.last_flush = time.monotonic()
    if not batch:
        return
    table = MetricCounter.__table__
    try:
        with db.engine.begin() as conn:
            for name, amount in sorted(batch.items()):  # sorted: a fixed lock order between processes
                upsert_add(conn, table, {"name": name}, "value", amount)
    except Exception as exc:
        # A database outage must not fail the request that happened to flush: keep the counts for next time.
        with pending.lock:
            pending.counts.update(batch)
        log.warning("metric counters not flushed: %s", exc.__class__.__name__)


def totals() -> dict[str, int]:
    """Every counter as stored (after flushing this process's pending counts)."""
    flush()
    rows = db.session.execute(select(MetricCounter.name, MetricCounter.value)).all()
    return {name: int(value) for name, value in rows}


def _count_placement_open(response: Response) -> Response:
    # A verified frame request (the view named its portal as frame ancestor) that rendered a page.
    if request.method == "POST" and response.status_code == 200 and g.get("frame_ancestor"):
        if is_framed_path(request.path) and request.path != "/install":
            count("placement_opens")
        elif request.path == "/install":
            count("installs")
    pending = _pending()
    if pending and time.monotonic() - pending.last_flush >= current_app.config["COUNTER_FLUSH_SECONDS"]:
        flush()
    return response


def _watch_token_refreshes() -> None:
    if not event.contains(Portal.token_refreshed_at, "set", _on_refresh):
        event.listen(Portal.token_refreshed_at, "set", _on_refresh)


def _on_refresh(_target, value, _old, _initiator) -> None:
    # b24.tokens stamps token_refreshed_at exactly when the OAuth server renewed a portal's tokens.
    if value is not None:
        count("token_refreshes")


def init_app(app: Flask) -> None:
    _watch_token_refreshes()
    app.after_request(_count_placement_open)
