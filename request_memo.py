"""Reads made ahead of need within one request, taken once where they are needed.

The Support open waits a round trip for the OAuth server; the database reads its page will need (the portal's
contract, its pending fixes) are made meanwhile and kept on ``g`` under a key naming what was read, for the domain
function that would otherwise read it then: ``read_ahead(key, read)`` now, ``taken_or_read(key, read)`` later.
Taken once, so a later call in the same request (after a write, say) reads afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g, has_request_context

T = TypeVar("T")


def read_ahead(key: Hashable, read: Callable[[], T]) -> None:
    """``read()`` now, kept for this request's first ``taken_or_read(key, ...)``."""
    if has_request_context():
        g.setdefault("read_ahead", {})[key] = read()


def taken_or_read(key: Hashable, read: Callable[[], T]) -> T:
    """What ``read_ahead(key, ...)`` kept for this request, once; else ``read()``."""
    kept = g.get("read_ahead") if has_request_context() else None
    if kept and key in kept:
        return kept.pop(key)
    return read()
