"""Migrations: upgrade head, no drift between models and migrations, downgrade base."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bot.db import migrate
from bot.db.engine import create_engine
from tests.helpers import BACKENDS


@pytest.mark.parametrize("empty_db_url", BACKENDS, indirect=True)
async def test_upgrade_check_downgrade(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) is not None
        await migrate.check(engine)  # raises SchemaDriftError on drift
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            uniques = await connection.run_sync(
                lambda c: inspect(c).get_unique_constraints("scheduled_posts")
            )
        assert {"guild_settings", "scheduled_posts", "bot_state"} <= tables
        assert ["guild_id", "kind", "occurrence_key"] in [u["column_names"] for u in uniques]
        await migrate.downgrade(engine)
        assert await migrate.current_revision(engine) is None
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert tables <= {"alembic_version"}
    finally:
        await engine.dispose()


@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
async def test_sqlite_runs_in_wal_mode_with_foreign_keys(empty_db_url: str) -> None:
    from sqlalchemy import text

    engine = create_engine(empty_db_url)
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        assert journal == "wal"
        assert foreign_keys == 1
    finally:
        await engine.dispose()
