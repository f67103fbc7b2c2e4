"""Answers remembered per access token for its life, so reopening a page with the same token asks nobody.

A remembered answer never outlives an uninstall: callers pass the portal's ``revoked_at`` (read from the
database on every request, so it holds in every worker process) and an answer fetched before it is asked again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from flask import current_app

from database import utcnow

T = TypeVar("T")


class TokenMemo(Generic[T]):
    """A per-process memo keyed by a hash of (where, token); entries live min(token life, B24_VERIFY_CACHE_SECONDS)."""

    def __init__(self, limit: int = 10_000):
        self._entries: dict[str, tuple[float, datetime, T]] = {}
        self._lock = threading.Lock()
        self._limit = limit

    @staticmethod
    def _key(where: str, token: str) -> str:
        return hashlib.sha256(f"{where}|{token}".encode()).hexdigest()  # the token itself is never kept

    def peek(self, where: str, token: str, fresh_after: datetime | None = None) -> T | None:
        """The remembered answer, unless it is older than ``fresh_after`` or expired; None otherwise."""
        with self._lock:
            hit = self._entries.get(self._key(where, token))
        if hit and hit[0] > time.monotonic() and (fresh_after is None or hit[1] > fresh_after):
            return hit[2]
        return None

    def put(self, where: str, token: str, lifetime: int, value: T, fetched_at: datetime | None = None) -> None:
        ttl = min(lifetime, current_app.config.get("B24_VERIFY_CACHE_SECONDS", 300))
        with self._lock:
            if len(self._entries) >= self._limit:
                self._entries.clear()
            self._entries[self._key(where, token)] = (time.monotonic() + ttl, fetched_at or utcnow(), value)

    def get(self, where: str, token: str, lifetime: int, fetch: Callable[[], T],
            fresh_after: datetime | None = None) -> T:
        """The remembered answer, unless it is older than ``fresh_after`` or expired; else ``fetch()``."""
        hit = self.peek(where, token, fresh_after)
        if hit is not None:
            return hit
        fetched_at = utcnow()
        value = fetch()  # failures raise and are not remembered
        self.put(where, token, lifetime, value, fetched_at)
        return value
