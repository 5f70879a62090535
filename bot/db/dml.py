"""Typed helpers for Core statements run through an ORM session.

SQLAlchemy types a model's ``__table__`` as any ``FromClause`` (a class may be mapped to a join)
and ``session.execute()`` as a plain ``Result``; aiclub's models are mapped to tables and its
INSERT/UPDATE statements return a ``CursorResult``, which carries the row count.
"""

from __future__ import annotations

from sqlalchemy import CursorResult, Executable, Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def table_of(model: type[DeclarativeBase]) -> Table:
    """The table ``model`` is mapped to."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


async def execute_for_rowcount(session: AsyncSession, statement: Executable) -> int:
    """Run an INSERT, UPDATE or DELETE in ``session``; the number of rows it matched."""
    result = await session.execute(statement)
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(statement).__name__} has no row count")
    return result.rowcount
