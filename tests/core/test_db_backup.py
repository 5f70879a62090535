"""`aiclub db backup`: a consistent copy (SQLite online backup with the WAL; pg_dump, or an
export when pg_dump is missing) and `aiclub db downgrade`, which makes one first."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.db import migrate
from bot.db.engine import create_engine
from tests.core.filled_guild import table_checksums
from tests.core.test_db_bad_input import _fill, _head_and_previous, run, state
from tests.helpers import database_numbers, pg_admin, pg_database_url

STAMP = r"\d{8}T\d{6}Z"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The per-user data dir (where PostgreSQL backups go by default), inside the test."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "aiclub"


@pytest.fixture
def sqlite_file(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "club" / "aiclub.db"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    asyncio.run(_fill(f"sqlite+aiosqlite:///{path}"))
    return path


def test_the_sqlite_backup_includes_what_is_still_in_the_wal(
    sqlite_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    writer = sqlite3.connect(sqlite_file)  # a live bot: its last commit is only in the WAL
    try:
        assert writer.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            "INSERT INTO bot_state (key, value, updated_at) "
            "VALUES ('only-in-wal', 'x', '2026-12-01 08:00:00.000000')"
        )
        writer.commit()
        assert Path(f"{sqlite_file}-wal").stat().st_size > 0
        naive = tmp_path / "naive-copy.db"  # what copying aiclub.db alone gives
        shutil.copy(sqlite_file, naive)
        assert sqlite3.connect(naive).execute("SELECT count(*) FROM bot_state").fetchone() == (0,)

        target = tmp_path / "backups" / "copy.db"
        code, out, err = run(
            monkeypatch, capsys, f"sqlite:///{sqlite_file}", "db", "backup", str(target)
        )
        assert code == 0 and err == ""
        head, _ = _head_and_previous()
        assert out == f"SQLite backup at revision {head} written to {target}\n"
    finally:
        writer.close()
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT key FROM bot_state").fetchall() == [("only-in-wal",)]
        assert copy.execute("SELECT count(*) FROM event_rsvps").fetchone() == (2,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
    finally:
        copy.close()
    assert [p.name for p in target.parent.iterdir()] == ["copy.db"]


def test_the_default_backup_is_a_new_timestamped_file_beside_the_database(
    sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{sqlite_file}"
    written = []
    for _ in range(2):
        code, out, _ = run(monkeypatch, capsys, url, "db", "backup")
        assert code == 0
        match = re.fullmatch(r"SQLite backup at revision \w+ written to (.+)\n", out)
        assert match is not None, out
        written.append(Path(match[1]))
    assert written[0] != written[1]
    for path in written:
        assert path.parent == sqlite_file.parent and path.is_file()
        assert re.fullmatch(rf"aiclub-backup-{STAMP}(-2)?\.db", path.name), path.name
    assert state(f"sqlite+aiosqlite:///{written[1]}") == state(f"sqlite+aiosqlite:///{sqlite_file}")


def test_a_symlinked_database_is_backed_up_beside_its_real_file(
    sqlite_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    link = tmp_path / "elsewhere" / "link.db"
    link.parent.mkdir()
    link.symlink_to(sqlite_file)
    code, out, _ = run(monkeypatch, capsys, f"sqlite:///{link}", "db", "backup")
    assert code == 0 and f"written to {sqlite_file.parent}/aiclub-backup-" in out


@pytest.fixture
def pg_filled(pg_template: str) -> str:
    name = f"aiclub_bk_{os.getpid()}_{next(database_numbers)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    url = pg_database_url(name)
    asyncio.run(_fill(url))
    yield url  # type: ignore[misc]
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.postgres
@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="needs pg_dump and pg_restore",
)
def test_a_postgresql_backup_is_a_pg_dump_that_restores_to_the_same_data(
    pg_filled: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(monkeypatch, capsys, pg_filled, "db", "backup")
    assert code == 0 and err == ""
    match = re.fullmatch(r"pg_dump backup at revision \w+ written to (.+)\n", out)
    assert match is not None, out
    dump = Path(match[1])
    name = pg_filled.rsplit("/", 1)[1]
    assert dump.parent == data_dir / "backups"
    assert re.fullmatch(rf"aiclub-{name}-backup-{STAMP}\.dump", dump.name)
    assert dump.read_bytes()[:5] == b"PGDMP"

    restored = f"aiclub_rs_{os.getpid()}_{next(database_numbers)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{restored}"'))
    try:
        url = pg_database_url(restored)
        host = url.split("@", 1)[1].split(":", 1)[0]
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                f"--host={host}",
                "--username=postgres",
                f"--dbname={restored}",
                str(dump),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        assert asyncio.run(table_checksums(url)) == asyncio.run(table_checksums(pg_filled))
        assert state(url) == state(pg_filled)
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)'))


@pytest.mark.postgres
def test_without_pg_dump_the_backup_is_an_export_and_says_so(
    pg_filled: str,
    sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    target = tmp_path / "club.jsonl.gz"
    code, out, err = run(monkeypatch, capsys, pg_filled, "db", "backup", str(target))
    assert code == 0
    assert err.startswith("aiclub: note: pg_dump is not on PATH") and err.count("\n") == 1
    assert f"aiclub db import {target}" in err
    assert out.startswith("backup (export) at revision") and out.endswith(f"written to {target}\n")

    restored = tmp_path / "restored.db"
    shutil.copy(sqlite_template, restored)
    code, _, _ = run(monkeypatch, capsys, f"sqlite:///{restored}", "db", "import", str(target))
    assert code == 0
    restored_url = f"sqlite+aiosqlite:///{restored}"
    assert asyncio.run(table_checksums(restored_url)) == asyncio.run(table_checksums(pg_filled))


def test_downgrade_backs_up_first_then_downgrades(
    db_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    head, previous = _head_and_previous()
    asyncio.run(_fill(db_url))
    before = state(db_url)
    code, out, err = run(monkeypatch, capsys, db_url, "db", "downgrade", previous, "--yes")
    assert code == 0, err
    first, second = out.splitlines()
    match = re.fullmatch(rf"(.+) at revision {head} written to (.+) before downgrading", first)
    assert match is not None, first
    assert second == f"database downgraded from revision {head} to {previous}"
    backup = Path(match[2])
    assert backup.is_file()
    if db_url.startswith("sqlite"):
        assert match[1] == "SQLite backup" and backup.parent == Path(db_url.split("///")[1]).parent
        assert state(f"sqlite+aiosqlite:///{backup}") == before  # the data as it was
    else:
        assert backup.parent == data_dir / "backups"
        kind = "pg_dump backup" if shutil.which("pg_dump") else "backup (export)"
        assert match[1] == kind

    async def revision() -> str | None:
        engine = create_engine(db_url)
        try:
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    assert asyncio.run(revision()) == previous
