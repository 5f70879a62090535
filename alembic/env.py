"""Alembic environment: async engines, batch mode on SQLite, models from bot.db.

Programmatic callers (bot.db.migrate) hand in a live connection through
``config.attributes["connection"]``; the `alembic` command line builds its own engine from
AICLUB_DATABASE_URL (or the default SQLite file).
"""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Connection

import bot.db.all_models  # noqa: F401  (registers every table on Base.metadata)
from alembic import context
from bot.config import load_settings
from bot.db.base import Base
from bot.db.engine import create_engine

target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    engine = create_engine(load_settings().database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_configure_and_run)
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=load_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif (connection := context.config.attributes.get("connection")) is not None:
    _configure_and_run(connection)
else:
    asyncio.run(_run_with_own_engine())
