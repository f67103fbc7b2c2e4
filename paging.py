"""One page of a listing: Flask-SQLAlchemy's pagination of a SELECT, with a bounded count and rows made into items."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, func, literal, select

from database import db

MAX_PER_PAGE = 200
# Page numbers past this are not a listing anyone reads; bounded so the OFFSET always fits the database's integer.
MAX_PAGE = 1_000_000
# Counting stops here: "10,000+" is as useful to a person as an exact figure and costs a bounded scan.
COUNT_CAP = 10_000


class Page(SelectPagination):
    """Flask-SQLAlchemy's ``SelectPagination`` (page, per_page, items, total, pages, has_prev, has_next, ...) with
    three things a large listing needs: ``row`` turns each result row (of any columns) into an item, the count
    stops after ``cap`` rows (``total_capped``) and may run on ``count``, a cheaper SELECT of the same rows, and
    one row more than the page is fetched so ``has_next`` is known even when the total is capped."""

    more: bool = False
    total_capped: bool = False

    @staticmethod
    def _prepare_page_args(**kwargs: Any) -> tuple[int, int]:
        page, per_page = SelectPagination._prepare_page_args(**kwargs)
        return min(page, MAX_PAGE), per_page

    def _query_items(self) -> list[Any]:
        stmt = self._query_args["select"].limit(self.per_page + 1).offset(self._query_offset)
        rows = self._query_args["session"].execute(stmt).all()
        self.more = len(rows) > self.per_page
        return [self._query_args["row"](r) for r in rows[: self.per_page]]

    def _query_count(self) -> int:
        count, cap = self._query_args["count_select"], self._query_args["cap"]
        counted = (count if count is not None else self._query_args["select"]).order_by(None)
        session = self._query_args["session"]
        if cap is None:
            return int(session.execute(select(func.count()).select_from(counted.subquery())).scalar_one())
        # maintain_column_froms: with no WHERE clause the FROM would otherwise vanish with the columns.
        bounded = counted.with_only_columns(literal(1), maintain_column_froms=True).limit(cap + 1).subquery()
        total = int(session.execute(select(func.count()).select_from(bounded)).scalar_one())
        self.total_capped = total > cap
        return min(total, cap)

    @property
    def pages(self) -> int:
        return max(1, super().pages, self.page + (1 if self.more else 0))

    @property
    def has_next(self) -> bool:
        return self.more


def paginate(stmt: Select, page: int | None, per_page: int | None, row: Callable[[Any], Any],
             count: Select | None = None, cap: int | None = COUNT_CAP) -> Page:
    """Run ``stmt`` (already filtered and ordered) for one page, two SQL queries whatever the page size.

    ``page`` and ``per_page`` left None are read from the request's ``page`` and ``per_page`` as Flask-SQLAlchemy
    reads them (a bad value falls back, never an error); ``per_page`` is at most MAX_PER_PAGE.
    """
    return Page(select=stmt, session=db.session(), page=page, per_page=per_page, max_per_page=MAX_PER_PAGE,
                error_out=False, row=row, count_select=count, cap=cap)
