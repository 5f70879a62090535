"""Weekly digests for 1,000 guilds falling due in the same minute: exactly once, under 50 req/s.

Builds a migrated SQLite file in a temporary directory (removed at exit) holding 1,000 guilds
in four timezones whose local digest times (Monday 09:00 UTC, 10:00 Berlin, 17:00 Shanghai,
04:00 New York) are the same instant. Then it fires the real ``DigestSender.run`` for every
guild twice at once (the cron job and a start-up catch-up racing each other), as the
scheduler would, on the real rate limiter with a fake, instant Discord sender that records
when each post went out. Reports claimed and sent digests, duplicates, the most posts in any
1-second window, and the total time. Targets: 1,000 claimed, 1,000 sent, 0 duplicates, at
most 40 posts in any second (Discord's global limit is 50 requests per second).

Run: .venv/bin/python benchmarks/bench_digest.py [--guilds N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.clock import ManualClock
from bot.db import migrate
from bot.db.engine import Database
from bot.db.events import DigestConfig
from bot.db.models import GuildSettings, ScheduledPost
from bot.digest.service import ClaimedDigest, Digest, DigestSender
from bot.ratelimit import DISCORD_GLOBAL_LIMIT, RateLimiter

DUE = datetime(2026, 12, 7, 9, 0, 30, tzinfo=UTC)  # Monday, 30 s into the due minute
ZONES = (
    ("UTC", "09:00"),
    ("Europe/Berlin", "10:00"),
    ("Asia/Shanghai", "17:00"),
    ("America/New_York", "04:00"),
)


async def build(database: Database, guilds: int) -> None:
    """Migrate and insert the guilds with their settings and digest configuration."""
    await migrate.upgrade(database.engine)
    created = DUE.replace(month=11)
    async with database.session() as session:
        await session.execute(
            insert(GuildSettings),
            [
                {
                    "guild_id": 1 + n,
                    "language": "en",
                    "timezone": ZONES[n % 4][0],
                    "created_at": created,
                    "updated_at": created,
                }
                for n in range(guilds)
            ],
        )
        await session.execute(
            insert(DigestConfig),
            [
                {
                    "guild_id": 1 + n,
                    "channel_id": 10_000 + n,
                    "weekday": 0,
                    "post_time": ZONES[n % 4][1],
                    "updated_at": created,
                }
                for n in range(guilds)
            ],
        )
        await session.commit()


def busiest_second(stamps: list[float]) -> int:
    """The most timestamps in any half-open window of one second."""
    ordered = sorted(stamps)
    return max((bisect.bisect_left(ordered, s + 1.0) - i for i, s in enumerate(ordered)), default=0)


async def run(database_url: str, guilds: int) -> bool:
    database = Database(database_url)
    try:
        await build(database, guilds)
        stamps: list[float] = []
        posted: Counter[int] = Counter()

        async def fake_send(claimed: ClaimedDigest, digest: Digest) -> int:
            stamps.append(time.monotonic())
            posted[claimed.guild_id] += 1
            return len(stamps)

        sender = DigestSender(database, ManualClock(DUE), fake_send, limiter=RateLimiter())
        started = time.perf_counter()
        triggers = [sender.run(1 + n) for n in range(guilds) for _ in range(2)]
        results = await asyncio.gather(*triggers)
        elapsed = time.perf_counter() - started
        async with database.session() as session:
            claimed = await session.scalar(
                select(func.count())
                .select_from(ScheduledPost)
                .where(ScheduledPost.kind == "weekly_digest")
            )
            sent = await session.scalar(
                select(func.count())
                .select_from(ScheduledPost)
                .where(ScheduledPost.kind == "weekly_digest", ScheduledPost.status == "sent")
            )
    finally:
        await database.close()
    duplicates = sum(count - 1 for count in posted.values() if count > 1)
    peak = busiest_second(stamps)
    print(f"backend:                      {database.backend}")
    print(f"guilds due in the same minute: {guilds} (triggered twice each: {len(triggers)} runs)")
    print(f"claimed in the ledger:        {claimed}")
    print(
        f"sent (ledger status 'sent'):  {sent}; posts made: {len(stamps)}; runs that posted: "
        f"{sum(results)}"
    )
    print(f"duplicates:                   {duplicates}")
    print(f"guilds never posted:          {guilds - len(posted)}")
    print(
        f"max posts in any 1 s window:  {peak} (limiter {RateLimiter().limit}/s, "
        f"Discord global limit {DISCORD_GLOBAL_LIMIT}/s)"
    )
    print(
        f"total time:                   {elapsed:.1f} s "
        f"({len(stamps) / elapsed:.1f} posts/s overall)"
    )
    ok = claimed == sent == len(stamps) == guilds and duplicates == 0
    ok = ok and peak <= RateLimiter().limit < DISCORD_GLOBAL_LIMIT
    print("result:                       " + ("OK" if ok else "FAILED"))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'digest.db'}"
        if not asyncio.run(run(url, args.guilds)):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
