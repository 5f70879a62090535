"""Leaderboard latency: "top-10 page + the caller's rank" at 10,000 and at 1,000,000 answers.

Builds two SQLite files in a temporary directory (removed at exit): 1,000 members with
10,000 answers and 100,000 members with 1,000,000 answers, about 20 % of them practice.
Rows go straight into `answers`, `member_stats` and `leaderboard_points` in one transaction
per file; the aggregates are computed with the service's own rules (`next_streak`,
`answer_points`, `period_scopes`), so they match what answering would have produced.
Then it times `leaderboard_page` + `member_rank` through the bot's async session, for
callers spread over the whole ranking, for the `all` scope and the current week.
Targets: median <= 10 ms at 1M answers and a 1M / 10k ratio <= 2.0.

Run: .venv/bin/python benchmarks/bench_leaderboard.py [--rounds N] [--callers N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, Connection, Table, create_engine, insert, select
from sqlalchemy.dialects import sqlite

from bot.db import migrate
from bot.db.engine import Database
from bot.db.engine import create_engine as create_async_engine
from bot.db.models import GuildSettings
from bot.db.questions import Answer, LeaderboardPoints, MemberStats, QuestionPost
from bot.questions.leaderboard import leaderboard_page, member_rank
from bot.questions.points import Streak, answer_points, next_streak, period_scopes, scope_for
from bot.questions.topics import TOPIC_IDS

GUILD = 1
TODAY = date(2026, 12, 6)  # a Sunday: the current week holds seven days of answers
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
DAYS = 140  # one daily post per day, the last one today
PRACTICE_SHARE = 0.2
BATCH = 50_000
SIZES = ((10_000, 1_000), (1_000_000, 100_000))  # (answers, members)


@dataclass(frozen=True)
class Built:
    """A built benchmark database."""

    path: Path
    answers: int
    members: int
    board_rows: int
    seconds: float


def _answer_counts(rng: random.Random, answers: int, members: int) -> list[int]:
    """Exactly ``answers`` spread unevenly over ``members`` (everyone has at least one)."""
    counts = [answers // members] * members
    counts[0] += answers - sum(counts)
    for giver in range(members):
        taker = rng.randrange(members)
        moved = rng.randint(0, counts[giver] - 1)
        counts[giver] -= moved
        counts[taker] += moved
    return counts


class _Rows:
    """Rows of one table, buffered as tuples and written with executemany in batches."""

    def __init__(self, connection: Connection, table: Table, columns: tuple[str, ...]) -> None:
        self.connection, self.rows = connection, []
        self.sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        self.count = 0

    def add(self, row: tuple) -> None:  # type: ignore[type-arg]
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.connection.exec_driver_sql(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


def _bound(column: Column, value: object) -> object:  # type: ignore[type-arg]
    """``value`` as SQLAlchemy stores it in SQLite (dates and UTC datetimes become text)."""
    processor = column.type.bind_processor(sqlite.dialect())
    return processor(value) if processor else value


def _fill(connection: Connection, rng: random.Random, answers: int, members: int) -> int:
    """Insert posts, answers, member_stats and leaderboard_points; returns the board rows."""
    days = [TODAY - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    posted = [datetime.combine(day, datetime.min.time(), UTC) for day in days]
    connection.execute(
        insert(QuestionPost),
        [
            {
                "id": i + 1,
                "guild_id": GUILD,
                "local_date": day,
                "slug": f"q{i + 1}",
                "topic": TOPIC_IDS[i % len(TOPIC_IDS)],
                "difficulty": 1 + i % 3,
                "posted_at": posted[i],
                "deadline_at": posted[i] + timedelta(days=1),
            }
            for i, day in enumerate(days)
        ],
    )
    answer_table, stats_table = Answer.__table__, MemberStats.__table__
    stored_day = [_bound(answer_table.c.local_date, day) for day in days]
    stored_at = [_bound(answer_table.c.created_at, at + timedelta(hours=9)) for at in posted]
    answer_rows = _Rows(
        connection,
        answer_table,
        (
            "guild_id",
            "user_id",
            "post_id",
            "slug",
            "topic",
            "text",
            "score",
            "points",
            "covered",
            "local_date",
            "created_at",
        ),
    )
    stats_rows = _Rows(
        connection,
        stats_table,
        (
            "guild_id",
            "user_id",
            "answers",
            "practice_answers",
            "score_sum",
            "points",
            "current_streak",
            "best_streak",
            "last_answer_date",
        ),
    )
    board_rows = _Rows(
        connection,
        LeaderboardPoints.__table__,
        ("guild_id", "scope", "user_id", "points", "answers"),
    )
    scopes_of = [period_scopes(day, TOPIC_IDS[i % len(TOPIC_IDS)]) for i, day in enumerate(days)]
    for index, total in enumerate(_answer_counts(rng, answers, members)):
        user_id = 10_000 + index
        daily = min(round(total * (1 - PRACTICE_SHARE)), DAYS)
        streak, score_sum, points_sum = Streak(0, 0, None), 0.0, 0.0
        scopes: dict[str, list[float]] = {}
        for i in sorted(rng.sample(range(DAYS), daily)):
            score = rng.randint(0, 20) / 2
            streak = next_streak(streak, days[i])
            points = answer_points(score, 1 + i % 3, streak.current)
            score_sum, points_sum = score_sum + score, points_sum + points
            topic = TOPIC_IDS[i % len(TOPIC_IDS)]
            answer_rows.add(
                (
                    GUILD,
                    user_id,
                    i + 1,
                    f"q{i + 1}",
                    topic,
                    "benchmark answer",
                    score,
                    points,
                    "",
                    stored_day[i],
                    stored_at[i],
                )
            )
            for scope in scopes_of[i]:
                entry = scopes.setdefault(scope, [0.0, 0])
                entry[0] += points
                entry[1] += 1
        for _ in range(total - daily):  # practice: no post, no points, no streak
            i = rng.randrange(DAYS)
            answer_rows.add(
                (
                    GUILD,
                    user_id,
                    None,
                    f"q{i + 1}",
                    TOPIC_IDS[i % len(TOPIC_IDS)],
                    "benchmark answer",
                    rng.randint(0, 20) / 2,
                    0.0,
                    "",
                    stored_day[i],
                    stored_at[i],
                )
            )
        last = _bound(stats_table.c.last_answer_date, streak.last_date)
        stats_rows.add(
            (
                GUILD,
                user_id,
                daily,
                total - daily,
                score_sum,
                points_sum,
                streak.current,
                streak.best,
                last,
            )
        )
        for scope, (points, count) in scopes.items():
            board_rows.add((GUILD, scope, user_id, points, count))
    for rows in (answer_rows, stats_rows, board_rows):
        rows.flush()
    return board_rows.count


def build(directory: Path, answers: int, members: int) -> Built:
    """Create and fill one benchmark database file (one transaction)."""
    started = time.perf_counter()
    path = directory / f"leaderboard-{answers}.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
        connection.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB: random index inserts
        connection.execute(
            insert(GuildSettings),
            [
                {
                    "guild_id": GUILD,
                    "language": "en",
                    "timezone": "UTC",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        )
        board = _fill(connection, random.Random(answers), answers, members)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return Built(path, answers, members, board, time.perf_counter() - started)


async def _migrate(url: str) -> None:
    engine = create_async_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


@dataclass
class Case:
    """One (database, scope) pair being timed."""

    built: Built
    name: str
    scope: str
    database: Database
    callers: list[int]
    board_size: int
    timings: list[float]


async def _case(built: Built, name: str, scope: str, callers: int) -> Case:
    """Open the database and pick ``callers`` members spread evenly over the ranking."""
    database = Database(f"sqlite+aiosqlite:///{built.path}")
    async with database.session() as session:
        ranking = list(
            await session.scalars(
                select(LeaderboardPoints.user_id)
                .where(LeaderboardPoints.guild_id == GUILD, LeaderboardPoints.scope == scope)
                .order_by(LeaderboardPoints.points.desc(), LeaderboardPoints.user_id)
            )
        )
    chosen = ranking[:: max(1, len(ranking) // callers)][:callers]
    return Case(built, name, scope, database, chosen, len(ranking), [])


async def _time_round(case: Case, *, record: bool) -> None:
    """Page 0 + the caller's rank, in a fresh session as a command does, for every caller."""
    for user_id in case.callers:
        started = time.perf_counter()
        async with case.database.session() as session:
            page = await leaderboard_page(session, GUILD, case.scope, 0)
            me = await member_rank(session, GUILD, case.scope, user_id)
        elapsed = (time.perf_counter() - started) * 1000
        assert page.rows and me is not None
        if record:
            case.timings.append(elapsed)


async def measure(builts: list[Built], callers: int, rounds: int) -> list[Case]:
    """Time every (database, scope) case, rounds interleaved so drift hits all alike."""
    scopes = {"all": "all", "week": scope_for("week", TODAY)}
    cases = [
        await _case(built, name, scope, callers)
        for built in builts
        for name, scope in scopes.items()
    ]
    try:
        for round_ in range(rounds + 1):  # round 0 warms the caches and is not recorded
            for case in cases:
                await _time_round(case, record=round_ > 0)
    finally:
        for case in cases:
            await case.database.close()
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--callers", type=int, default=101)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiclub-bench-") as tmp:
        builts = []
        for answers, members in SIZES:
            built = build(Path(tmp), answers, members)
            builts.append(built)
            print(
                f"built {answers:>9,} answers, {members:>7,} members, "
                f"{built.board_rows:>9,} leaderboard rows in {built.seconds:5.1f} s "
                f"({built.path.stat().st_size / 1e6:,.0f} MB)"
            )
        cases = asyncio.run(measure(builts, args.callers, args.rounds))
    print(
        "\ntop-10 page + caller's rank, callers spread over the ranking "
        "(target: median <= 10 ms at 1M, ratio 1M/10k <= 2.0)"
    )
    medians = {}
    for case in cases:
        median = medians[case.name, case.built.answers] = statistics.median(case.timings)
        p90 = statistics.quantiles(case.timings, n=10)[-1]
        print(
            f"  {case.built.answers:>9,} answers  {case.name:<4} ({case.scope}, "
            f"{case.board_size:,} members): median {median:5.2f} ms  p90 {p90:5.2f} ms  "
            f"[{len(case.timings)} calls]"
        )
    small, large = (answers for answers, _ in SIZES)
    for name in ("all", "week"):
        print(f"  ratio 1M/10k {name:<4}: {medians[name, large] / medians[name, small]:4.2f}")


if __name__ == "__main__":
    main()
