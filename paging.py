"""One page of a listing: the rows, the total and the page arithmetic, in two SQL queries whatever the page size.

The total is counted up to COUNT_CAP rows: counting a million tickets for "page 1 of 20,000" would cost more
than the page itself; past the cap the pager says "1000+" and keeps offering the next page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from database import db

T = TypeVar("T")
MAX_PER_PAGE = 200
COUNT_CAP = 1_000


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    total_capped: bool = False  # more than COUNT_CAP rows match; ``total`` is the cap

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.total_capped and len(self.items) == self.per_page)


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


def paginate(stmt: Select, page: int, per_page: int, row: Callable[[Any], T],
             count_stmt: Select | None = None, cap: int = COUNT_CAP) -> Page[T]:
    """Run ``stmt`` (already filtered and ordered) for one page; ``row`` turns each result row into an item.

    ``count_stmt`` is the same filter without the per-row extras, cheaper to count when the caller has one.
    """
    counted = (stmt if count_stmt is None else count_stmt).order_by(None).limit(cap + 1).subquery()
    total = int(db.session.execute(select(func.count()).select_from(counted)).scalar_one())
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=[row(r) for r in rows], total=min(total, cap), page=page, per_page=per_page,
                total_capped=total > cap)


def paginate_keys(keys: Select, page: int, per_page: int, rows: Callable[[Select], Select],
                  row: Callable[[Any], T], cap: int = COUNT_CAP) -> Page[T]:
    """A page chosen on a narrow, ordered key query first; ``rows(window)`` then reads just those rows.

    Two queries whatever ``per_page`` is: the (capped) count of keys, and the rows whose key is in the page.
    """
    counted = keys.order_by(None).limit(cap + 1).subquery()
    total = int(db.session.execute(select(func.count()).select_from(counted)).scalar_one())
    window = keys.limit(per_page).offset((page - 1) * per_page)
    found = db.session.execute(rows(window)).all()
    return Page(items=[row(r) for r in found], total=min(total, cap), page=page, per_page=per_page,
                total_capped=total > cap)
