"""One page of a listing: the rows, the total and the page arithmetic, in two SQL queries whatever the page size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, literal, select

from database import db

T = TypeVar("T")
MAX_PER_PAGE = 200
# Counting stops here: "10,000+" is as useful to a person as an exact figure and costs a bounded scan.
COUNT_CAP = 10_000


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int  # exact, or COUNT_CAP when ``total_capped``
    page: int
    per_page: int
    more: bool = False  # a row exists after this page
    total_capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page), self.page + (1 if self.more else 0))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more


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


def paginate(stmt: Select, page: int, per_page: int, row: Callable[[Any], T], count: Select | None = None,
             cap: int | None = COUNT_CAP) -> Page[T]:
    """Run ``stmt`` (already filtered and ordered) for one page; ``row`` turns each result row into an item.

    ``count`` is a cheaper SELECT of the same rows for counting (fewer joins than ``stmt``), when the caller
    has one. With ``cap``, counting stops after ``cap`` rows (``total_capped``); ``cap=None`` counts all.
    """
    counted = (count if count is not None else stmt).order_by(None)
    if cap is None:
        total = db.session.execute(select(func.count()).select_from(counted.subquery())).scalar_one()
    else:
        # maintain_column_froms: with no WHERE clause the FROM would otherwise vanish with the columns.
        bounded = counted.with_only_columns(literal(1), maintain_column_froms=True).limit(cap + 1).subquery()
        total = db.session.execute(select(func.count()).select_from(bounded)).scalar_one()
    rows = db.session.execute(stmt.limit(per_page + 1).offset((page - 1) * per_page)).all()
    capped = cap is not None and total > cap
    return Page(items=[row(r) for r in rows[:per_page]], total=min(total, cap) if capped else int(total),
                page=page, per_page=per_page, more=len(rows) > per_page, total_capped=capped)
