"""One bot process per database: the SQLite lock keys on the real path, PostgreSQL has a
session advisory lock, and `db downgrade` / `db import` refuse while a bot holds either."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.db.lock import LOCK_KEY, DatabaseLock, DatabaseLockedError, SqliteProcessLock
from tests.core.test_db_bad_input import one_line_error, run, state
from tests.helpers import PG_ADMIN_DSN, database_numbers, pg_admin, pg_database_url


def test_the_key_is_fixed_and_derived_from_aiclub() -> None:
    assert LOCK_KEY == -8195246008549570367


def test_a_symlink_to_the_file_or_its_folder_finds_the_same_lock(tmp_path: Path) -> None:
    real = tmp_path / "data" / "aiclub.db"
    real.parent.mkdir()
    (tmp_path / "file-link.db").symlink_to(real)
    (tmp_path / "folder-link").symlink_to(real.parent)
    lock = SqliteProcessLock(real)
    lock.acquire()
    try:
        for other in (tmp_path / "file-link.db", tmp_path / "folder-link" / "aiclub.db"):
            with pytest.raises(DatabaseLockedError) as refused:
                SqliteProcessLock(other).acquire()
            assert refused.value.where == str(real)
            assert refused.value.holder == f" (pid {os.getpid()})"
            assert f"another aiclub process is already using {real} (pid {os.getpid()})" in str(
                refused.value
            )
    finally:
        lock.release()
    SqliteProcessLock(tmp_path / "file-link.db").acquire()


def test_downgrade_through_a_symlink_is_refused_while_the_bot_runs(
    tmp_path: Path,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = tmp_path / "aiclub.db"
    real.write_bytes(sqlite_template.read_bytes())
    link = tmp_path / "link.db"
    link.symlink_to(real)
    before = state(f"sqlite+aiosqlite:///{real}")
    lock = SqliteProcessLock(real)
    lock.acquire()
    try:
        code, out, err = run(
            monkeypatch, capsys, f"sqlite:///{link}", "db", "downgrade", "base", "--yes"
        )
    finally:
        lock.release()
    assert code == 1 and out == ""
    one_line_error(
        err, f"a bot is running on {real} (pid {os.getpid()})", "stop it before downgrading"
    )
    assert state(f"sqlite+aiosqlite:///{real}") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aiclub.db", "aiclub.db.lock", "link.db"]


@pytest.fixture
def pg_pair(pg_template: str) -> Iterator[tuple[str, str]]:
    """Two migrated PostgreSQL databases on the same server."""
    names = [f"aiclub_lk_{os.getpid()}_{next(database_numbers)}" for _ in range(2)]
    for name in names:
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield pg_database_url(names[0]), pg_database_url(names[1])
    for name in names:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _lock_connection_state(database: str) -> list[str]:
    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        rows = await connection.fetch(
            "SELECT state FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE "
            "'aiclub pid %'",
            database,
        )
        return [row["state"] for row in rows]
    finally:
        await connection.close()


@pytest.mark.postgres
def test_postgresql_advisory_lock_one_holder_per_database(pg_pair: tuple[str, str]) -> None:
    first_url, second_url = pg_pair
    name = first_url.rsplit("/", 1)[1]

    async def scenario() -> None:
        first = DatabaseLock(first_url)
        await first.acquire()
        try:
            with pytest.raises(DatabaseLockedError) as refused:
                await DatabaseLock(first_url).acquire()
            me = f"aiclub pid {os.getpid()} on {socket.gethostname()}"[:63]
            assert refused.value.holder == f" ({me})"
            assert f"the PostgreSQL database {name} on " in refused.value.where
            # the lock's connection waits idle, not inside an open transaction
            assert await _lock_connection_state(name) == ["idle"]
            async with DatabaseLock(second_url):  # another database: its own lock
                pass
        finally:
            await first.release()
        async with DatabaseLock(first_url):  # released: free again
            pass
        assert await _lock_connection_state(name) == []

    asyncio.run(scenario())


def _console(url: str, out: Path, *extra: str, stdin: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "console", "--database", url, "--out", str(out), *extra],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )


def test_a_running_bot_holds_its_database_for_its_lifetime(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    revision, _ = state(db_url)
    export = tmp_path / "empty.jsonl"
    assert run(monkeypatch, capsys, db_url, "db", "export", str(export))[0] == 0
    with _console(db_url, tmp_path / "out", stdin=subprocess.PIPE) as bot:  # closes its pipes
        assert bot.stdin is not None and bot.stdout is not None and bot.stderr is not None
        try:
            banner = bot.stdout.readline()  # the console is up: it took the lock before starting
            assert banner.startswith("aiclub console:"), banner

            with pytest.raises(DatabaseLockedError, match=f"pid {bot.pid}"):
                asyncio.run(DatabaseLock(db_url).acquire())
            for argv, needle in (
                (["db", "downgrade", "base", "--yes"], "stop it before downgrading"),
                (["db", "import", str(export)], "import into a database no bot uses"),
            ):
                code, out, err = run(monkeypatch, capsys, db_url, *argv)
                assert code == 1 and out == ""
                one_line_error(err, "a bot is running on", f"pid {bot.pid}", needle)

            second = _console(db_url, tmp_path / "out2", "--script", os.devnull)
            second_out, second_err = second.communicate(timeout=300)
            assert second.returncode == 1 and second_out == ""
            one_line_error(second_err, "another aiclub process", f"pid {bot.pid}", "stop it first")
        finally:
            bot.stdin.close()
            bot.wait(timeout=300)
        assert bot.returncode == 0, bot.stderr.read()
    assert state(db_url)[0] == revision  # not downgraded

    async def free() -> None:  # the bot is gone, and so is its lock
        async with DatabaseLock(db_url):
            pass

    asyncio.run(free())


@pytest.mark.postgres
def test_losing_the_lock_connection_is_logged(
    pg_pair: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    url = pg_pair[0]
    name = url.rsplit("/", 1)[1]

    async def scenario() -> None:
        lost = asyncio.Event()

        class Signal(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                lost.set()

        handler = Signal(level=logging.ERROR)
        logging.getLogger("bot.db.lock").addHandler(handler)
        lock = DatabaseLock(url)
        await lock.acquire()
        try:
            admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
            try:
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = $1 AND application_name LIKE 'aiclub pid %'",
                    name,
                )
            finally:
                await admin.close()
            await asyncio.wait_for(lost.wait(), timeout=120)  # a guard, not a timing
        finally:
            logging.getLogger("bot.db.lock").removeHandler(handler)
            await lock.release()
        async with DatabaseLock(url):  # the server dropped it: free for the next process
            pass

    with caplog.at_level(logging.ERROR, logger="bot.db.lock"):
        asyncio.run(scenario())
    assert "lost the connection holding the one-process lock" in caplog.text
