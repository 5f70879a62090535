"""Every `aiclub db` verb answers bad input with one line on stderr, a non-zero exit, and
changes nothing: missing or unreadable files, wrong revisions, non-empty targets, unreachable
databases."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

import bot.db.all_models  # noqa: F401
from bot.cli import main
from bot.db import migrate
from bot.db.backup import export_database
from bot.db.base import Base
from bot.db.engine import Database, create_engine
from bot.db.events import Event, Rsvp
from bot.db.models import GuildSettings
from tests.helpers import BACKENDS, database_numbers, pg_admin, pg_database_url

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"
AT = datetime(2026, 12, 1, 8, tzinfo=UTC)


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("AICLUB_DATABASE_URL", url)
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(err: str, *needles: str) -> None:
    assert err.startswith("aiclub: error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err


async def _counts(url: str) -> tuple[str | None, dict[str, int]]:
    database = Database(url)
    try:
        revision = await migrate.current_revision(database.engine)
        async with database.session() as session:
            counts = {
                table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }
        return revision, counts
    finally:
        await database.close()


def state(url: str) -> tuple[str | None, dict[str, int]]:
    """The revision and the row count of every table: what 'changes nothing' compares."""
    return asyncio.run(_counts(url))


async def _fill(url: str) -> None:
    database = Database(url)
    try:
        async with database.session() as session:
            session.add(GuildSettings(guild_id=1, created_at=AT, updated_at=AT))
            await session.flush()
            event = Event(
                guild_id=1, creator_id=2, title="Talk", kind="talk", start_at=AT,
                duration_minutes=60, channel_id=3, created_at=AT, updated_at=AT,
            )  # fmt: skip
            session.add(event)
            await session.flush()
            for user in (11, 12):
                session.add(Rsvp(event_id=event.id, user_id=user, status="going", responded_at=AT))
            await session.commit()
    finally:
        await database.close()


@pytest.fixture
def source_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite database with a guild, an event and two RSVPs."""
    path = tmp_path / "source" / "aiclub.db"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(_fill(url))
    return url


@pytest.fixture
def export_lines(source_url: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "good.jsonl"
    asyncio.run(export_database(source_url, path, AT))
    return path.read_text(encoding="utf-8").split("\n")[:-1]


# ------------------------------------------------------------------------------ damaged files


def _header(lines: list[str], **changes: object) -> list[str]:
    return [json.dumps(json.loads(lines[0]) | changes), *lines[1:]]


def _unsigned(lines: list[str]) -> list[str]:
    """The file without its sha256 fields (what a hand edit needs)."""
    out = []
    for line in lines:
        value = json.loads(line)
        if isinstance(value, dict):
            value.pop("sha256", None)
        out.append(json.dumps(value, ensure_ascii=False))
    return out


def _rows_of(lines: list[str], table: str) -> list[int]:
    """The indexes of the row lines of ``table``."""
    parsed = [json.loads(line) for line in lines]
    start = next(i for i, v in enumerate(parsed) if isinstance(v, dict) and v.get("table") == table)
    end = next(i for i, v in enumerate(parsed) if isinstance(v, dict) and v.get("end") == table)
    return list(range(start + 1, end))


def _edit_row(table: str, column: str, value: object, sign: bool) -> Callable[[list[str]], str]:
    def damage(lines: list[str]) -> str:
        lines = list(lines)
        columns = json.loads(lines[_rows_of(lines, table)[0] - 1])["columns"]
        index = _rows_of(lines, table)[0]
        row = json.loads(lines[index])
        row[columns.index(column)] = value
        lines[index] = json.dumps(row)
        return "\n".join(lines if sign else _unsigned(lines)) + "\n"

    return damage


def _short_row(lines: list[str]) -> str:
    lines = _unsigned(lines)
    index = _rows_of(lines, "event_rsvps")[0]
    lines[index] = json.dumps(json.loads(lines[index])[:-1])
    return "\n".join(lines) + "\n"


def _rename_column(lines: list[str]) -> str:
    lines = list(lines)
    index = _rows_of(lines, "events")[0] - 1
    line = json.loads(lines[index])
    line["columns"][line["columns"].index("title")] = "name"
    lines[index] = json.dumps(line)
    return "\n".join(lines) + "\n"


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


DAMAGE: dict[str, tuple[Callable[[list[str]], str | bytes], str]] = {
    "empty": (lambda lines: b"", "is empty, not an aiclub export"),
    "binary": (lambda lines: b"\x00\xff\xfe garbage\n", "is not an aiclub export"),
    "not json": (lambda lines: "hello world\n", "is not an aiclub export"),
    "other json": (lambda lines: '{"rows": []}\n', "is not an aiclub export"),
    "newer format": (lambda lines: _joined(_header(lines, version=99)), "export format 99"),
    "wrong revision": (
        lambda lines: _joined(_header(lines, revision="0001")),
        "at schema revision 0001",
    ),
    "no last line": (lambda lines: _joined(lines[:-1]), "the export is incomplete"),
    "cut in a table": (
        lambda lines: _joined(lines[: _rows_of(lines, "event_rsvps")[0] + 1]),
        "ends inside table event_rsvps",
    ),
    "cut in a line": (lambda lines: _joined(lines)[:-20], "not a JSON line"),
    "edited value": (_edit_row("events", "title", "Edited", True), "do not match their sha256"),
    "text for a number": (
        _edit_row("events", "duration_minutes", "sixty", False),
        "events.duration_minutes: expected an integer",
    ),
    "bad datetime": (
        _edit_row("events", "start_at", "2026-12-01 08:00", False),
        "events.start_at: expected a datetime with its UTC offset",
    ),
    "short row": (_short_row, "a row must be a list of"),
    "unknown table": (
        lambda lines: _joined(_header(lines, tables=[*json.loads(lines[0])["tables"], "nope"])),
        "has table nope",
    ),
    "unknown column": (_rename_column, "the columns differ from the database's"),
    "orphan row": (
        _edit_row("event_rsvps", "event_id", 999, False),
        "the database refused the rows, nothing was imported",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_bad_export_file_is_refused_and_the_database_stays_empty(
    damage: str,
    db_url: str,
    export_lines: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make, expected = DAMAGE[damage]
    content = make(export_lines)
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    before = state(db_url)
    code, out, err = run(monkeypatch, capsys, db_url, "db", "import", str(path))
    assert code == 1 and out == ""
    one_line_error(err, expected)
    assert state(db_url) == before
    assert not any(before[1].values())


def test_the_good_file_imports_once_then_the_target_is_not_empty(
    db_url: str,
    export_lines: list[str],
    source_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "good.jsonl"
    code, out, err = run(monkeypatch, capsys, db_url, "db", "import", str(path))
    assert code == 0 and err == "" and "(4 rows)" in out
    after = state(db_url)
    assert after == state(source_url)
    code, out, err = run(monkeypatch, capsys, db_url, "db", "import", str(path))
    assert code == 1
    one_line_error(err, "the database is not empty", "import into a new, empty database")
    assert state(db_url) == after


def test_a_missing_or_unreadable_file_is_one_line(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(monkeypatch, capsys, db_url, "db", "import", str(tmp_path / "none.jsonl"))
    assert code == 1
    one_line_error(err, "no export file at")
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.jsonl"
        locked.write_text("{}\n")
        locked.chmod(0)
        code, _, err = run(monkeypatch, capsys, db_url, "db", "import", str(locked))
        assert code == 1
        one_line_error(err, "cannot read")
    code, _, err = run(monkeypatch, capsys, db_url, "db", "import", str(tmp_path))
    assert code == 1
    one_line_error(err, "no export file at")


@pytest.mark.parametrize("empty_db_url", BACKENDS, indirect=True)
def test_an_unmigrated_target_is_refused(
    empty_db_url: str,
    export_lines: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "good.jsonl"
    if empty_db_url.startswith("sqlite"):
        target = Path(empty_db_url.split("///", 1)[1])
        code, _, err = run(monkeypatch, capsys, empty_db_url, "db", "import", str(path))
        assert code == 1
        one_line_error(err, f"no SQLite database at {target}", "aiclub db upgrade")
        assert not target.exists() and not target.with_name("empty.db.lock").exists()
        sqlite3.connect(target).close()  # an empty file: SQLite, but not migrated
    code, _, err = run(monkeypatch, capsys, empty_db_url, "db", "import", str(path))
    assert code == 1
    revision = json.loads(export_lines[0])["revision"]
    one_line_error(err, "the database is not migrated", f"aiclub db upgrade {revision}")


def test_an_unreachable_database_is_one_line_for_every_verb(
    export_lines: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = str(tmp_path / "good.jsonl")
    for argv in (
        ["db", "import", good],
        ["db", "export", str(tmp_path / "out.jsonl")],
        ["db", "backup", str(tmp_path / "out.dump")],
        ["db", "downgrade", "base", "--yes"],
    ):
        code, out, err = run(monkeypatch, capsys, UNREACHABLE, *argv)
        assert code == 1 and out == "", argv
        one_line_error(err, "cannot reach the database")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.jsonl", "source"]


# ------------------------------------------------------------------------------ export, backup


def test_export_and_backup_refuse_missing_foreign_and_unmigrated_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "db" / "missing.db"
    for verb in ("export", "backup"):
        code, _, err = run(
            monkeypatch, capsys, f"sqlite:///{missing}", "db", verb, str(tmp_path / "o")
        )
        assert code == 1
        one_line_error(err, f"no SQLite database at {missing}")
    assert not missing.parent.exists()  # nothing was created

    foreign = tmp_path / "notes.db"
    foreign.write_text("shopping list\n")
    for verb in ("export", "backup"):
        code, _, err = run(monkeypatch, capsys, f"sqlite:///{foreign}", "db", verb, "o")
        assert code == 1
        one_line_error(err, "is not an SQLite database")

    bare = tmp_path / "bare.db"
    sqlite3.connect(bare).execute("CREATE TABLE t (x)").connection.close()
    out = tmp_path / "bare.jsonl"
    code, _, err = run(monkeypatch, capsys, f"sqlite:///{bare}", "db", "export", str(out))
    assert code == 1
    one_line_error(err, "the database is not migrated")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.db", "notes.db"]  # no partial


def test_nothing_is_overwritten(
    source_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    existing = tmp_path / "keep.txt"
    existing.write_text("precious")
    for verb in ("export", "backup"):
        code, _, err = run(monkeypatch, capsys, source_url, "db", verb, str(existing))
        assert code == 1
        one_line_error(err, f"{existing} already exists")
    assert existing.read_text() == "precious"


@pytest.mark.postgres
def test_a_failing_pg_dump_is_one_line_and_leaves_no_file(
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "pg_dump"
    fake.write_text(
        "#!/bin/sh\necho 'pg_dump: error: server version mismatch' >&2\n"
        "echo 'pg_dump: detail: more' >&2\nexit 1\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    target = tmp_path / "out" / "x.dump"
    code, _, err = run(monkeypatch, capsys, pg_url, "db", "backup", str(target))
    assert code == 1
    one_line_error(err, "pg_dump failed: pg_dump: error: server version mismatch")
    assert list(target.parent.iterdir()) == []


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A migrated PostgreSQL database (skips when the server is not reachable)."""
    name = f"aiclub_bad_{os.getpid()}_{next(database_numbers)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield pg_database_url(name)
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# ------------------------------------------------------------------------------ downgrade


def _head_and_previous() -> tuple[str, str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    head = script.get_revision("head")
    assert head is not None and isinstance(head.down_revision, str)
    return head.revision, head.down_revision


def test_downgrade_needs_a_revision_and_yes(
    source_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    head, previous = _head_and_previous()
    before = state(source_url)
    folder = Path(source_url.split("///", 1)[1]).parent

    def files() -> list[str]:  # the lock file may come and stay; no backup may appear
        return sorted(p.name for p in folder.iterdir() if p.suffix != ".lock")

    listed = files()
    cases = [
        (["db", "downgrade"], 2, "name the revision to go back to"),
        (["db", "downgrade", "--yes"], 2, "name the revision to go back to"),
        (["db", "downgrade", previous], 2, "add --yes to go ahead"),
        (["db", "downgrade", "base"], 2, "add --yes to go ahead"),
        (["db", "downgrade", "9999", "--yes"], 1, "unknown revision '9999'"),
    ]
    for argv, exit_code, needle in cases:
        code, out, err = run(monkeypatch, capsys, source_url, *argv)
        assert code == exit_code and out == "", argv
        one_line_error(err, needle, "nothing was changed")
    assert state(source_url) == before and before[0] == head
    assert files() == listed  # no backup either

    code, out, err = run(monkeypatch, capsys, source_url, "db", "downgrade", head, "--yes")
    assert code == 0 and f"already at revision {head}" in out
    assert files() == listed


def test_downgrade_refuses_to_go_forward_and_a_missing_database(
    tmp_path: Path,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    head, previous = _head_and_previous()
    old = tmp_path / "old.db"
    shutil.copy(sqlite_template, old)
    url = f"sqlite:///{old}"

    async def down() -> None:
        engine = create_engine(url.replace("sqlite:", "sqlite+aiosqlite:"))
        try:
            await migrate.downgrade(engine, previous)
        finally:
            await engine.dispose()

    asyncio.run(down())
    code, _, err = run(monkeypatch, capsys, url, "db", "downgrade", head, "--yes")
    assert code == 1
    one_line_error(err, f"revision {head} is not older", f"aiclub db upgrade {head}")

    missing = tmp_path / "nothing" / "here.db"
    code, _, err = run(
        monkeypatch, capsys, f"sqlite:///{missing}", "db", "downgrade", "base", "--yes"
    )
    assert code == 1
    one_line_error(err, f"no SQLite database at {missing}")
    assert not missing.parent.exists()
