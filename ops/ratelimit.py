"""Rate limits counted in the database, so every gunicorn worker and app server shares one count.

A fixed window per key: cheap (one upsert for all the windows a request counts in), and at worst lets
``2 * limit`` through across a window edge, which is fine for abuse control. Refusals are 429 with Retry-After.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Request, current_app, request
from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, delete
from werkzeug.exceptions import TooManyRequests

from database import db, utcnow
from i18n import label
from ops.models import RateLimitWindow


class RateLimited(TooManyRequests):
    """429 with the seconds until the window resets; rendered by ops.errors with a Retry-After header."""

    def __init__(self, description: str, retry_after: int):
        super().__init__(description)
        self.retry_after = max(1, retry_after)


def hit(name: str, subject: str, limit: int, per: int) -> tuple[int, int]:
    """Count one request for ``subject`` under ``name``; returns (hits in this window, seconds left)."""
    return hit_many([(name, subject, per)])[0]


def hit_many(counts: list[tuple[str, str, int]]) -> list[tuple[int, int]]:
    """Count one request in each ``(name, subject, per)`` window with ONE statement (a multi-row upsert with
    RETURNING, PostgreSQL and SQLite 3.35+); returns (hits, seconds left) for each, in order."""
    now = time.time()
    keys, params, lefts = [], {}, []
    for n, (name, subject, per) in enumerate(counts):
        window = int(now // per)
        left = math.ceil((window + 1) * per - now)
        key = f"{name}:{subject}:{window}"[:255]
        keys.append(key)
        params[f"key{n}"], params[f"expires{n}"] = key, utcnow() + timedelta(seconds=left)
        lefts.append(left)
    # Its own short transaction: the count must stick even when the request's work is rolled back,
    # and no row lock may be held for the rest of the request.
    with db.engine.begin() as conn:
        hits = dict(conn.execute(_upsert(conn.dialect.name, len(counts)), params).all())
        if any(hits[key] == 1 for key in keys):  # first hit of a new window: sweep windows that have ended
            conn.execute(delete(RateLimitWindow.__table__).where(RateLimitWindow.expires_at < utcnow()))
    return [(int(hits[key]), left) for key, left in zip(keys, lefts, strict=True)]


@functools.lru_cache(maxsize=8)
def _upsert(dialect: str, windows: int):
    """The upsert of ``windows`` windows, its values bound: built once, and compiled once by SQLAlchemy's cache
    (a multi-row VALUES of literal values is compiled anew on every call)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = RateLimitWindow.__table__
    rows = [{"key": bindparam(f"key{n}"), "hits": 1, "expires_at": bindparam(f"expires{n}")} for n in range(windows)]
    return insert(table).values(rows).on_conflict_do_update(
        index_elements=["key"], set_={"hits": table.c.hits + 1}
    ).returning(table.c.key, table.c.hits)


def check(name: str, subject: str | None, limit: int, per: int, message: str | None = None) -> None:
    """Raise RateLimited when ``subject`` went over ``limit`` requests per ``per`` seconds. A limit of 0 is off.

    ``message`` is an i18n key taking ``limit``, ``span`` and ``left``.
    """
    check_many([(name, subject, limit, per, message)])


def check_many(limits: list[tuple[str, str | None, int, int, str | None]]) -> None:
    """Several ``(name, subject, limit, per, message)`` limits counted in one statement; the first one over its
    limit is raised."""
    live = [item for item in limits if item[1] is not None and item[2] > 0]
    if not live or current_app.config.get("RATE_LIMITS_OFF"):
        return
    counted = hit_many([(name, subject, per) for name, subject, _limit, per, _message in live])
    for (_name, _subject, limit, per, message), (hits, left) in zip(live, counted, strict=True):
        if hits > limit:
            text = label(message or "rate_limited", limit=limit, span=_span(per), left=left)
            raise RateLimited(text, left)


def rate_limit(
    key_func: Callable[[Request], str | None], limit: int | str, per: int | str, name: str | None = None
) -> Callable:
    """Decorate a view: at most ``limit`` requests per ``per`` seconds for each key ``key_func`` returns.

    ``limit`` and ``per`` may be setting names, read at request time so tests and deployments can tune them.
    ``key_func`` returning None exempts the request.
    """

    def decorate(view: Callable) -> Callable:
        bucket = name or view.__name__

        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any):
            check(bucket, key_func(request), _setting(limit), _setting(per))
            return view(*args, **kwargs)

        return limited

    return decorate


def limit_submission(member_id: str, user_id: int | str | None) -> None:
    """The submission limits: per portal and per user of that portal (settings RATE_LIMIT_SUBMISSIONS_*)."""
    config = current_app.config
    per = int(config["RATE_LIMIT_SUBMISSIONS_WINDOW"])
    check_many([
        ("submit-portal", member_id, int(config["RATE_LIMIT_SUBMISSIONS_PER_PORTAL"]), per, "rate_limited_portal"),
        ("submit-user", None if user_id is None else f"{member_id}:{user_id}",
         int(config["RATE_LIMIT_SUBMISSIONS_PER_USER"]), per, "rate_limited_user"),
    ])


def by_remote_addr(req: Request) -> str | None:
    """Key by client address (behind a proxy, enable PROXY_FIX so this is the real client)."""
    return req.remote_addr


def _setting(value: int | str) -> int:
    return int(current_app.config[value]) if isinstance(value, str) else int(value)


def _span(seconds: int) -> str:
    if seconds == 3600:
        return gettext("hour")
    if seconds == 60:
        return gettext("minute")
    if seconds % 3600 == 0:
        return ngettext("%(num)s hour", "%(num)s hours", seconds // 3600)
    if seconds % 60 == 0:
        return ngettext("%(num)s minute", "%(num)s minutes", seconds // 60)
    return ngettext("%(num)s second", "%(num)s seconds", seconds)


def init_app(app: Flask) -> None:
    """Nothing to wire: views opt in with @rate_limit or limit_submission(); the 429 page is in ops.errors."""
