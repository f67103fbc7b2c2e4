"""Hours between two timestamps inside SQL, the same on SQLite and PostgreSQL (for reaction times and overdue)."""

from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class hours_between(FunctionElement):  # noqa: N801 (reads like the SQL function it stands for)
    """``hours_between(start, end)``: (end - start) in hours, as a float."""

    type = Float()
    name = "hours_between"
    inherit_cache = True


@compiles(hours_between)
def _sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


@compiles(hours_between, "postgresql")
def _postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"
