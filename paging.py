"""One page of a listing: the rows, the total and the page arithmetic, in two SQL queries whatever the page size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from database import db

T = TypeVar("T")
MAX_PER_PAGE = 200


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def clamp(page: Any, per_page: Any, default_per_page: int = 50) -> tuple[int, int]:
    """Page number and size from untrusted input: positive integers, the size at most MAX_PER_PAGE."""
    try:
        page = max(1, int(page))
    except (TypeError, ValueError):
        page = 1
    try:
        per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    except (TypeError, ValueError):
        per_page = default_per_page
    return page, per_page


def paginate(stmt: Select, page: int, per_page: int, row: Callable[[Any], T]) -> Page[T]:
    """Run ``stmt`` (already filtered and ordered) for one page; ``row`` turns each result row into an item."""
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=[row(r) for r in rows], total=int(total), page=page, per_page=per_page)
