"""Pages of a listing: limit with offset or an opaque keyset cursor, shared by the console and the API."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    # The keyset position after which the page starts (the sort key of the last row seen), decoded.
    after: tuple[Any, ...] | None = None


@dataclass
class Page(Generic[T]):
    items: list[T]
    limit: int
    offset: int | None
    next_cursor: str | None = None
    next_offset: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def encode_cursor(values: tuple[Any, ...]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: tuple[type, ...]) -> tuple[Any, ...]:
    """The keyset values in ``cursor``, converted to ``kinds``; ValueError when it was not made by us."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a cursor from a previous page") from exc
    if not isinstance(values, list) or len(values) != len(kinds):
        raise ValueError("not a cursor from a previous page")
    out: list[Any] = []
    for value, kind in zip(values, kinds, strict=True):
        if kind is datetime:
            if not isinstance(value, str):
                raise ValueError("not a cursor from a previous page")
            out.append(datetime.fromisoformat(value))
        elif kind is int:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError("not a cursor from a previous page")
            out.append(value)
        else:
            if not isinstance(value, str) or "\x00" in value:
                raise ValueError("not a cursor from a previous page")
            out.append(value)
    return tuple(out)


def window(rows: list[T], page: PageRequest, key) -> Page[T]:
    """Cut the limit+1 rows a query returned into a page, with the links to the next one."""
    has_more = len(rows) > page.limit
    items = rows[: page.limit]
    result: Page[T] = Page(items=items, limit=page.limit, offset=None if page.after else page.offset)
    if has_more and items:
        result.next_cursor = encode_cursor(key(items[-1]))
        if page.after is None:
            result.next_offset = page.offset + page.limit
    return result
