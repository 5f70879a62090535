"""Start-up, command sync, shutdown and the one-process-per-SQLite-file rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import simcord

from bot.db.lock import DatabaseLockedError, SqliteProcessLock
from bot.db.models import BotState
from tests.helpers import Sim, make_bot


async def test_restart_does_not_resync_an_unchanged_tree(sim: Sim) -> None:
    async with sim.bot.db.session() as session:
        state = await session.get(BotState, "command_tree_hash:global")
    assert state is not None
    assert await sim.bot.sync_commands() is False
    syncs_before = sum(1 for r in sim.env.http_requests if r.method == "PUT")
    await sim.env.restart_bot(make_bot(str(sim.bot.db.url)))
    syncs_after = sum(1 for r in sim.env.http_requests if r.method == "PUT")
    assert syncs_after == syncs_before
    result = await sim.actors["alice"].slash(sim.general, "help")
    assert result.ephemeral


async def test_a_changed_tree_is_synced_again(sim: Sim) -> None:
    from discord import app_commands

    @app_commands.command(name="ping", description="Ping")
    async def ping(interaction) -> None:  # type: ignore[no-untyped-def]
        await interaction.response.send_message("pong")

    sim.bot.tree.add_command(ping)
    assert await sim.bot.sync_commands() is True
    assert (await sim.actors["bob"].slash(sim.general, "ping")).response.content == "pong"


async def test_close_stops_the_scheduler_and_closes_the_database(sim: Sim) -> None:
    await sim.bot.close()
    assert sim.bot.is_closed()
    assert sim.bot.scheduler._running is False  # type: ignore[attr-defined]


def test_tensorflow_is_not_imported_by_start_up(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("/help\n/about\n")
    code = (
        "import sys; from bot.cli import main; rc = main(['console', '--script', sys.argv[1], "
        "'--out', sys.argv[2]]); print('TF' if 'tensorflow' in sys.modules else 'NO-TF'); "
        "sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(script), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("NO-TF")


def test_one_process_per_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "aiclub.db"
    first = SqliteProcessLock(db)
    first.acquire()
    try:
        code = (
            "import sys; from pathlib import Path; from bot.db.lock import SqliteProcessLock as L\n"
            "L(Path(sys.argv[1])).acquire()"
        )
        other = subprocess.run(
            [sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=120
        )
        assert other.returncode != 0 and "DatabaseLockedError" in other.stderr
        with pytest.raises(DatabaseLockedError, match="another aiclub process"):
            SqliteProcessLock(db).acquire()
    finally:
        first.release()
    SqliteProcessLock(db).acquire()


def test_console_refuses_a_database_already_in_use(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    lock = SqliteProcessLock(db)
    lock.acquire()
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "console",
                "--database",
                f"sqlite:///{db}",
                "--script",
                "/dev/null",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        lock.release()
    assert result.returncode == 1
    assert result.stderr.strip().startswith("aiclub: error: another aiclub process is already")
    assert "Traceback" not in result.stderr


def test_simcord_is_pinned_exactly() -> None:
    import tomllib

    data = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pins = [d for d in data["project"]["optional-dependencies"]["dev"] if d.startswith("simcord")]
    assert pins == [f"simcord=={simcord.__version__}"]
