"""`aiclub db export` / `aiclub db import`: SQLite → PostgreSQL → SQLite with nothing lost.

The source is filled through the real bot in the simulated guild and exported while the bot
runs; every hop is compared with row counts and per-table checksums computed two ways (the
export's own hashes, and an independent read through the ORM models).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import math
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.client import AiclubBot
from bot.db.backup import FORMAT, FORMAT_VERSION
from bot.db.engine import Database
from bot.db.ml import MlJob
from bot.db.models import BotState, GuildSettings
from bot.db.questions import MemberStats
from bot.questions.bank import QuestionBank
from tests.core.filled_guild import FILLED_TABLES, fill, table_checksums
from tests.helpers import Sim, lite_bank, make_bot


@pytest.fixture
def simcord_bot(tmp_path: Path, sqlite_template: Path) -> AiclubBot:
    """The bot on an SQLite source file, with no ML models (an ML request is logged as such)."""
    source = tmp_path / "source.db"
    shutil.copy(sqlite_template, source)
    (tmp_path / "no-models").mkdir()
    return make_bot(
        f"sqlite+aiosqlite:///{source}",
        bank=lite_bank(),
        ml_preload=False,
        models_dir=tmp_path / "no-models",
    )


async def cli(monkeypatch: pytest.MonkeyPatch, url: str, *argv: str) -> int:
    """`aiclub ARGV` against ``url`` (in a thread: the CLI runs its own event loop)."""
    monkeypatch.setenv("AICLUB_DATABASE_URL", url)
    return await asyncio.to_thread(main, list(argv))


def body(path: Path) -> bytes:
    """Everything after the header line (the header names the source and the time)."""
    return path.read_bytes().split(b"\n", 1)[1]


def table_lines(path: Path) -> dict[str, tuple[int, str]]:
    ends = [json.loads(line) for line in path.read_text().split("\n") if '"end":' in line[:8]]
    return {end["end"]: (end["rows"], end["sha256"]) for end in ends}


async def next_id_is_free(url: str) -> None:
    """A row inserted after the import gets the next id (PostgreSQL sequences were reset)."""
    database = Database(url)
    try:
        async with database.session() as session:
            top = await session.scalar(select(func.max(MlJob.id)))
            job = MlJob(
                guild_id=1, member_id=2, command="gan sample", parameters="{}", status="ok",
                created_at=datetime(2026, 12, 9, tzinfo=UTC),
            )  # fmt: skip
            session.add(job)
            await session.commit()
            assert job.id == (top or 0) + 1
    finally:
        await database.close()


async def test_a_guild_moves_to_another_backend_and_back_with_nothing_lost(
    sim: Sim,
    bank: QuestionBank,
    db_url: str,
    sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await fill(sim, bank)
    source = str(sim.bot.db.url)
    expected = await table_checksums(source)
    filled = {name for name, (rows, _) in expected.items() if rows}
    assert filled >= FILLED_TABLES, FILLED_TABLES - filled

    first = tmp_path / "first.jsonl"
    assert await cli(monkeypatch, source, "db", "export", str(first)) == 0  # the bot still runs
    out = capsys.readouterr().out
    assert out.startswith(f"exported {len(expected)} tables (") and str(first) in out
    header = json.loads(first.read_text().splitlines()[0])
    assert header["format"] == FORMAT and header["version"] == FORMAT_VERSION
    assert header["source"] == "sqlite" and header["tables"] == list(table_lines(first))
    assert {name: rows for name, (rows, _) in table_lines(first).items()} == {
        name: rows for name, (rows, _) in expected.items()
    }

    # into the other backend (db_url: an empty database migrated to head, SQLite or PostgreSQL)
    assert await cli(monkeypatch, db_url, "db", "import", str(first)) == 0
    assert capsys.readouterr().out.startswith(f"imported {len(expected)} tables")
    assert await table_checksums(db_url) == expected
    second = tmp_path / "second.jsonl"
    assert await cli(monkeypatch, db_url, "db", "export", str(second)) == 0

    # and back into a new SQLite file
    final = tmp_path / "final.db"
    shutil.copy(sqlite_template, final)
    final_url = f"sqlite+aiosqlite:///{final}"
    assert await cli(monkeypatch, final_url, "db", "import", str(second)) == 0
    assert await table_checksums(final_url) == expected
    third = tmp_path / "third.jsonl"
    assert await cli(monkeypatch, final_url, "db", "export", str(third)) == 0

    # the same data gives the same file, whichever backend wrote it
    assert table_lines(first) == table_lines(second) == table_lines(third)
    assert body(first) == body(second) == body(third)
    await next_id_is_free(db_url)
    await next_id_is_free(final_url)


EDGE_TEXT = 'line\nbreak \u2028 "quoted" \\ tab\t emoji 🤖 中文 zero\u200bwidth'


async def _edge_rows(url: str) -> None:
    database = Database(url)
    try:
        async with database.session() as session:
            at = datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=UTC)
            session.add(
                GuildSettings(
                    guild_id=2**63 - 1, language="zh", timezone="Asia/Shanghai",
                    created_at=at, updated_at=datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
                )
            )  # fmt: skip
            for key in ("ä", "Z", "a", "中", "a b", "A"):  # ordered by code point everywhere
                session.add(BotState(key=key, value=EDGE_TEXT, updated_at=at))
            for number, (latency, compute) in enumerate(
                [(0.1 + 0.2, 1e-300), (5e-324, -1 / 3), (math.inf, -math.inf), (1e308, None)]
            ):
                session.add(
                    MlJob(
                        id=10 + number * 7, guild_id=-(2**63), member_id=2**53 + 1,
                        command="gan sample", parameters=EDGE_TEXT, seed=2**63 - 1,
                        status="ok", latency_ms=latency, compute_ms=compute, created_at=at,
                    )
                )  # fmt: skip
            session.add(
                MemberStats(
                    guild_id=1, user_id=2, answers=3, practice_answers=0, score_sum=2 / 3,
                    points=1 / 7, current_streak=1, best_streak=2,
                    last_answer_date=date(2026, 2, 28),
                )
            )  # fmt: skip
            await session.commit()
    finally:
        await database.close()


async def test_edge_values_survive_the_trip_exactly(
    db_url: str,
    sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "edge.db"
    shutil.copy(sqlite_template, source)
    source_url = f"sqlite+aiosqlite:///{source}"
    await _edge_rows(source_url)
    expected = await table_checksums(source_url)

    first, second = tmp_path / "edge.jsonl.gz", tmp_path / "again.jsonl"
    assert await cli(monkeypatch, source_url, "db", "export", str(first)) == 0
    assert await cli(monkeypatch, db_url, "db", "import", str(first)) == 0
    assert await table_checksums(db_url) == expected
    assert await cli(monkeypatch, db_url, "db", "export", str(second)) == 0
    assert gzip.decompress(first.read_bytes()).split(b"\n", 1)[1] == body(second)
    text = second.read_text(encoding="utf-8")
    assert '"2026-12-01T08:00:00.123456+00:00"' in text and "9223372036854775807" in text
    assert '"Infinity"' in text and "5e-324" in text and "0.30000000000000004" in text
    keys = [json.loads(line)[0] for line in text.split("\n") if line.startswith('["')]
    assert keys[:6] == sorted(["ä", "Z", "a", "中", "a b", "A"])  # bot_state comes first
    database = Database(db_url)
    try:
        async with database.session() as session:
            jobs = (await session.scalars(select(MlJob).order_by(MlJob.id))).all()
            assert [job.latency_ms for job in jobs] == [0.1 + 0.2, 5e-324, math.inf, 1e308]
            assert [job.compute_ms for job in jobs] == [1e-300, -1 / 3, -math.inf, None]
            assert jobs[0].parameters == EDGE_TEXT and jobs[0].member_id == 2**53 + 1
    finally:
        await database.close()
    await next_id_is_free(db_url)
