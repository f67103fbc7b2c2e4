"""Small answers kept per process for a few seconds (the operators list, the app versions in use).

Every request of the Support form reads the recommended operators and every console list the versions installed;
both change a few times a year. A process forgets its copy when it writes a row of a watched model itself (so the
writer sees its change at once) and after ``seconds`` otherwise (other workers catch up within that time).
Keyed by the app, so one process serving several apps (tests) never mixes them.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

_watched: list[tuple[tuple[type, ...], dict]] = []
_lock = threading.Lock()


def cached_per_process(seconds: float, *,
                       forget_on_write: tuple[type, ...]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate a function of hashable arguments whose answer may be ``seconds`` old. The answer is shared by
    requests: return plain values, not rows of a session."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        kept: dict[tuple, tuple[float, Any]] = {}
        with _lock:
            _watched.append((forget_on_write, kept))

        @functools.wraps(fn)
        def cached(*args: Any) -> T:
            key = (id(current_app._get_current_object()), *args)
            hit = kept.get(key)
            now = time.monotonic()
            if hit is not None and hit[0] > now:
                return hit[1]
            value = fn(*args)
            if len(kept) > 1000:
                kept.clear()
            kept[key] = (now + seconds, value)
            return value

        cached.forget = kept.clear  # type: ignore[attr-defined]
        return cached

    return decorate


@event.listens_for(Session, "after_flush")
def _forget_written(session: Session, _context) -> None:
    written = (*session.new, *session.dirty, *session.deleted)
    if not written:
        return
    for models, kept in _watched:
        if kept and any(isinstance(obj, models) for obj in written):
            kept.clear()
