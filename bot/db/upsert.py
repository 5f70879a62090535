"""Atomic "insert or add to" for counters, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from bot.db.dml import table_of


async def upsert_add(
    session: AsyncSession,
    model: type[DeclarativeBase],
    keys: Mapping[str, Any],
    increments: Mapping[str, float | int],
) -> None:
    """Insert a row with ``keys`` and ``increments`` as values, or add the increments to it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = table_of(model)
    statement = insert(table).values({**keys, **increments})
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in increments},
    )
    await session.execute(statement)
