"""The async engine and session factory, with SQLite set up for WAL and foreign keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def sqlite_path(url: URL) -> Path | None:
    """The file behind an SQLite URL, or None for other backends and in-memory databases."""
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser()


def create_engine(url: str | URL) -> AsyncEngine:
    """Create the async engine; SQLite files get their directory created and their pragmas."""
    url = make_url(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, pool_pre_ping=not url.drivername.startswith("sqlite"))
    if url.drivername.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """The engine plus a session factory; one per process."""

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        self.engine = create_engine(self.url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.url.get_backend_name()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session; the caller commits."""
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        Services run each change in one; nothing in the block may wait on Discord.
        """
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def close(self) -> None:
        """Dispose of every pooled connection."""
        await self.engine.dispose()
