"""One bot process per database.

- SQLite: an exclusive, non-blocking ``flock`` on ``<real path>.lock`` beside the database file.
  The path is resolved first (symlinks, ``..``), so a symlink to the same file finds the same
  lock.
- PostgreSQL: a session-level advisory lock, ``pg_try_advisory_lock(LOCK_KEY)``, taken on a
  dedicated connection and held for the lifetime of the process. Advisory locks belong to one
  database, so two bots on two databases of the same server do not collide. The server drops
  the lock when the connection ends, however the process ended (a crash, SIGKILL).

``DatabaseLock(url)`` is the one entry point for both: ``aiclub run`` and ``aiclub console``
hold it while the bot runs, ``aiclub db downgrade`` and ``aiclub db import`` while they change
the database, so neither runs under a live bot.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
from pathlib import Path
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.db.engine import sqlite_path

# A fixed 64-bit key derived from "aiclub": the first 8 bytes of sha256(b"aiclub") as a signed
# big-endian integer (-8195246008549570367). Other tools on the same database must avoid it.
log = logging.getLogger(__name__)
LOCK_KEY = int.from_bytes(hashlib.sha256(b"aiclub").digest()[:8], "big", signed=True)
APPLICATION_NAME = "aiclub"


class DatabaseLockedError(Exception):
    """Another aiclub process already uses this database.

    ``where`` names the database (a file, or a PostgreSQL database and server) and ``holder``
    the process holding it when known (`` (pid 123)``), so a CLI verb can say what to stop.
    """

    def __init__(self, where: str, holder: str, advice: str) -> None:
        super().__init__(f"another aiclub process is already using {where}{holder}; {advice}")
        self.where, self.holder = where, holder


def _holder_text(pid: str | None) -> str:
    return f" (pid {pid})" if pid else ""


class SqliteProcessLock:
    """Hold ``<real db path>.lock`` exclusively for the lifetime of the process."""

    def __init__(self, db_path: Path) -> None:
        # realpath, not Path.resolve(strict=True): the database may not exist yet
        self.database = Path(os.path.realpath(db_path.expanduser()))
        self.path = self.database.with_name(self.database.name + ".lock")
        self._fd: int | None = None

    def holder(self) -> str | None:
        """The pid the current holder wrote into the lock file, if readable."""
        try:
            pid = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return pid if pid.isdigit() else None

    def acquire(self) -> None:
        """Take the lock or raise DatabaseLockedError naming the file, the holder and the fix."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseLockedError(
                str(self.database),
                _holder_text(self.holder()),
                "stop it first or point AICLUB_DATABASE_URL at another file",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PostgresProcessLock:
    """Hold the advisory lock ``LOCK_KEY`` on a dedicated connection to the database."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None

    def _where(self) -> str:
        port = f":{self.url.port}" if self.url.port else ""
        host = self.url.host or self.url.query.get("host") or "localhost"
        return f"the PostgreSQL database {self.url.database} on {host}{port}"

    async def acquire(self) -> None:
        """Take the lock or raise DatabaseLockedError; connection errors propagate as they are."""
        me = f"{APPLICATION_NAME} pid {os.getpid()} on {socket.gethostname()}"[:63]
        engine = create_async_engine(
            self.url,
            poolclass=NullPool,
            connect_args={"server_settings": {"application_name": me}},
        )
        connection: AsyncConnection | None = None
        try:
            connection = await engine.connect()
            # autocommit: the lock outlives transactions, and an idle connection must not sit
            # in an open transaction (it would hold back VACUUM for the bot's whole life)
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            )
            if not taken:
                holder = await self._holder(connection)
                raise DatabaseLockedError(
                    self._where(),
                    holder,
                    "stop it first or point AICLUB_DATABASE_URL at another database",
                )
            driver = (await connection.get_raw_connection()).driver_connection
            if driver is not None:
                driver.add_termination_listener(self._lost)
        except BaseException:
            if connection is not None:
                await connection.close()
            await engine.dispose()
            raise
        self._engine, self._connection = engine, connection

    def _lost(self, _connection: object) -> None:
        if self._connection is not None:  # not a release
            log.error(
                "lost the connection holding the one-process lock on %s: another aiclub process "
                "could now start on it; restart this one",
                self._where(),
            )

    @staticmethod
    async def _holder(connection: AsyncConnection) -> str:
        """`` (aiclub pid N on HOST)`` from the holder's application_name, when visible."""
        row = await connection.execute(
            text(
                "SELECT a.application_name FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND l.classid::bigint = :high AND l.objid::bigint = :low"
            ),
            {"high": (LOCK_KEY >> 32) & 0xFFFFFFFF, "low": LOCK_KEY & 0xFFFFFFFF},
        )
        name = row.scalar()
        return f" ({name})" if name else ""

    async def release(self) -> None:
        """Unlock and close the connection (idempotent)."""
        connection, engine = self._connection, self._engine
        self._connection = self._engine = None
        try:
            if connection is not None:
                try:
                    await connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
                    )
                finally:
                    await connection.close()
        except Exception:  # closing the session releases the lock anyway
            pass
        finally:
            if engine is not None:
                await engine.dispose()


class DatabaseLock:
    """The one-process lock of the database at ``url``, whatever its backend.

    ``async with DatabaseLock(url):`` (or ``acquire()`` / ``release()``) raises
    DatabaseLockedError when another process holds it. An in-memory SQLite database needs none.
    """

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        path = sqlite_path(self.url)
        self._sqlite = SqliteProcessLock(path) if path is not None else None
        self._postgres = (
            PostgresProcessLock(self.url) if self.url.get_backend_name() == "postgresql" else None
        )

    async def acquire(self) -> None:
        if self._sqlite is not None:
            self._sqlite.acquire()
        elif self._postgres is not None:
            await self._postgres.acquire()

    async def release(self) -> None:
        if self._sqlite is not None:
            self._sqlite.release()
        elif self._postgres is not None:
            await self._postgres.release()

    async def __aenter__(self) -> DatabaseLock:
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()
