"""API pages: limit with offset or an opaque keyset cursor over an ordered SELECT, and no total count.

The console's pages (paging.py) count every matching row for their page numbers; an API client walking a
million tickets needs only "is there more", so a page here is one query of limit+1 rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_

from database import db

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    # The sort key of the last row of the previous page, decoded from its cursor.
    after: tuple[Any, ...] | None = None


@dataclass
class ApiPage(Generic[T]):
    items: list[T]
    limit: int
    offset: int | None
    next_cursor: str | None = None
    next_offset: int | None = None


def encode_cursor(values: tuple[Any, ...]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: tuple[type, ...]) -> tuple[Any, ...]:
    """The keyset values in ``cursor`` as ``kinds``; ValueError when it is not one this API handed out."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
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
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 2**62:
                raise ValueError("not a cursor from a previous page")
            out.append(value)
        elif not isinstance(value, str) or "\x00" in value:
            raise ValueError("not a cursor from a previous page")
        else:
            out.append(value)
    return tuple(out)


def fetch(stmt: Select, page: PageRequest, columns: tuple[Any, Any], descending: bool,
          row: Callable[[Any], T], key: Callable[[T], tuple[Any, Any]]) -> ApiPage[T]:
    """One page of ``stmt`` (ordered by ``columns``, the second unique): offset, or after the cursor's row."""
    if page.after is not None:
        first, second = columns
        value, last = page.after
        if descending:
            # A range on the first column that an index can seek to, then the tie-break on the second.
            stmt = stmt.where(first <= value, or_(first < value, and_(first == value, second < last)))
        else:
            stmt = stmt.where(first >= value, or_(first > value, and_(first == value, second > last)))
    else:
        stmt = stmt.offset(page.offset)
    return window([row(r) for r in db.session.execute(stmt.limit(page.limit + 1)).all()], page, key)


def window(rows: list[T], page: PageRequest, key: Callable[[T], tuple[Any, Any]]) -> ApiPage[T]:
    """The limit+1 rows a query returned as a page, with the cursor and offset of the next one."""
    items = rows[: page.limit]
    result: ApiPage[T] = ApiPage(items=items, limit=page.limit, offset=None if page.after else page.offset)
    if len(rows) > page.limit and items:
        result.next_cursor = encode_cursor(key(items[-1]))
        if page.after is None:
            result.next_offset = page.offset + page.limit
    return result
