"""A database filled through the real bot in the simulated guild, and independent checksums.

``fill(sim, bank)`` drives the demo guild for a few days: daily questions posted, answered, revealed
(ledger rows), an expert review decided, a manual score adjustment, an event with RSVPs, a
waitlist and reminders, the weekly digest and an ML request. ``table_checksums(url)`` reads every
table back through the ORM models (not through the export code) and hashes it.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

import bot.db.all_models  # noqa: F401  (every table on Base.metadata)
from bot.db.base import Base
from bot.db.engine import Database
from bot.questions.bank import QuestionBank
from tests.helpers import Sim

GOOD = "Add weight decay to the loss. I would also collect more data. 早停也有用"
# the tables the fill must put rows in (every table of the schema as of revision 0007)
FILLED_TABLES = {
    "guild_settings", "scheduled_posts", "bot_state", "daily_config", "question_posts",
    "answers", "member_stats", "leaderboard_points", "score_adjustments", "review_requests",
    "event_config", "events", "event_rsvps", "digest_config", "ml_jobs", "member_privacy",
    "practice_seen", "event_changes",
}  # fmt: skip


async def fill(sim: Sim, bank: QuestionBank) -> None:
    """Two and a half days of club life in the demo guild (from Tuesday 2026-12-01 08:00 UTC),
    on a bot serving ``bank``."""
    assert sim.bot.services.bank.slugs == bank.slugs, "build the bot with this bank"
    admin, alice, bob, carol = (sim.actors[name] for name in ("admin", "alice", "bob", "carol"))
    experts = sim.guild.create_role("Experts")
    reviews = sim.guild.create_text_channel("reviews")
    await admin.slash(
        sim.general,
        "config daily",
        channel=sim.channels["daily-question"],
        time="09:00",
        timezone="Europe/Berlin",
        topic="dl-training",
        expert_role=experts,
        review_channel=reviews,
    )
    await admin.slash(
        sim.general, "config events", channel=sim.channels["events"], reminders="24h,15m"
    )
    await admin.slash(
        sim.general, "config digest", channel=sim.general, day="wednesday", time="09:00"
    )
    await sim.advance(timedelta(minutes=1))  # 09:00 in Berlin: the first question is out

    feedback = await alice.slash(sim.general, "answer", text=GOOD)
    assert feedback.response is not None and "Score" in str(feedback.response.embeds[0].title)
    weak = await bob.slash(sim.general, "answer", text="Just train it longer, 训练更久。")
    shown = await bob.click(weak.response, label="Ask for review")
    await bob.submit_modal(shown, {"note": "I meant early stopping — 我指的是早停"})
    card = reviews.history()[-1]
    decided = await admin.click(card, label="Set score")
    await admin.submit_modal(decided, {"score": "3.5", "reason": "Partly right: 部分正确"})
    await admin.slash(sim.general, "score adjust", member=carol, points=2.5, reason="talk ✨")

    preview = await admin.slash(
        sim.general,
        "event create",
        title="Diffusion models 扩散",
        start="2026-12-03 19:00",
        where="https://meet.example.com/d",
        capacity=2,
    )
    await admin.click(preview.response, label="Publish")
    post = [m for m in sim.channels["events"].history() if m.embeds][-1]
    await alice.click(post, label="Going")
    await bob.click(post, label="Going")
    await carol.click(post, label="Going")  # the waitlist
    await bob.click(post, label="Maybe")  # carol is promoted
    await admin.slash(sim.general, "event edit", event=1, where="https://meet.example.com/e")
    await bob.slash(sim.general, "profile privacy", named=False)
    await carol.slash(sim.general, "question practice")
    await alice.slash(sim.general, "gan sample", count=4, digit=7, seed=42)  # no model: logged

    for _ in range(2):  # reveals, the next questions, the digest (Wednesday), a reminder
        await sim.advance(timedelta(days=1))
        await alice.slash(sim.general, "answer", text=GOOD)
    await sim.advance(timedelta(hours=12))  # the last reminder and the "starting now" post
    await admin.slash(sim.general, "config language", language="zh")


def _normal(value: object) -> str:
    if isinstance(value, float):
        return value.hex()  # exact
    if isinstance(value, datetime):
        assert value.tzinfo is not None, "the ORM gives aware UTC datetimes"
        return value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    return repr(value)


async def table_checksums(url: str) -> dict[str, tuple[int, str]]:
    """(row count, sha256) per table, read through the ORM's column types, sorted in Python."""
    database = Database(url)
    try:
        async with database.session() as session:
            sums: dict[str, tuple[int, str]] = {}
            for table in Base.metadata.sorted_tables:
                columns = sorted(table.columns, key=lambda column: column.name)
                rows = (await session.execute(select(*columns))).all()
                lines = sorted("\t".join(_normal(value) for value in row) for row in rows)
                digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
                count = await session.scalar(select(func.count()).select_from(table))
                assert count == len(rows)
                sums[table.name] = (len(rows), digest)
            return sums
    finally:
        await database.close()
