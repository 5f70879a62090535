"""The weekly digest over a real database, and the rate limiter that paces its posts."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.engine import Database
from bot.db.models import ScheduledPost
from bot.db.questions import Answer, LeaderboardPoints, QuestionPost
from bot.digest import service as digest
from bot.digest.service import ClaimedDigest, Digest, DigestSender
from bot.errors import UserError
from bot.events import service
from bot.guilds import get_settings
from bot.questions.bank import QuestionBank
from bot.ratelimit import RateLimiter

GUILD, CHANNEL = 1001, 2002
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, ISO week 2026-W50


async def configure(db: Database, now: datetime, **options: str) -> None:
    async with db.session() as session:
        (await get_settings(session, GUILD, now)).timezone = "Europe/Berlin"
        await digest.configure_digest(session, GUILD, now, channel_id=CHANNEL, **options)
        await session.commit()


async def claim(db: Database, now: datetime) -> ClaimedDigest | None:
    async with db.session() as session:
        return await digest.claim_digest(session, GUILD, now)


# ---------------------------------------------------------------------------- when
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 10, 19, 7, 0, tzinfo=UTC), date(2026, 10, 19)),  # 09:00 CEST
        (datetime(2026, 10, 26, 7, 59, tzinfo=UTC), None),  # 08:59 CET, last week's is 25 h old
        (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), date(2026, 10, 26)),  # 09:00 CET
        (datetime(2026, 10, 27, 7, 59, tzinfo=UTC), date(2026, 10, 26)),  # late, within a day
        (datetime(2026, 10, 27, 8, 0, tzinfo=UTC), None),  # more than a day late
    ],
)
def test_the_due_week_follows_local_time_across_dst(now: datetime, expected: date | None) -> None:
    assert digest.due_monday(now, 0, time(9, 0), BERLIN) == expected


async def test_settings_are_validated(db: Database) -> None:
    for options, key in (
        ({"post_time": "25:00"}, "digest.bad_time"),
        ({"weekday": "someday"}, "digest.bad_day"),
    ):
        async with db.session() as session:
            with pytest.raises(UserError) as caught:
                await digest.configure_digest(session, GUILD, MONDAY, **options)
        assert caught.value.key == key


async def test_one_digest_per_guild_and_week(db: Database) -> None:
    await configure(db, MONDAY - timedelta(days=7), weekday="friday", post_time="18:30")
    friday = datetime(2026, 12, 11, 17, 30, tzinfo=UTC)
    assert await claim(db, friday - timedelta(minutes=1)) is None
    claims = await asyncio.gather(*(claim(db, friday) for _ in range(6)))
    assert [c.week for c in claims if c is not None] == ["2026-W50"]
    assert await claim(db, friday + timedelta(hours=3)) is None
    later = await claim(db, friday + timedelta(days=7, hours=23))  # next week, late but in grace
    assert later is not None and later.week == "2026-W51"
    async with db.session() as session:
        rows = (await session.scalars(select(ScheduledPost.occurrence_key))).all()
    assert sorted(rows) == ["2026-W50", "2026-W51"]


async def test_no_channel_no_digest(db: Database) -> None:
    async with db.session() as session:
        await digest.get_digest_config(session, GUILD, MONDAY)
        await session.commit()
    assert await claim(db, MONDAY) is None


# ---------------------------------------------------------------------------- content
async def seed_week(db: Database, bank: QuestionBank) -> None:
    """Last week (W49): points for three members, one daily question with three answers."""
    async with db.session() as session:
        for user, w49, w48 in ((1, 30.0, 28.0), (2, 25.0, 5.0), (3, 10.0, 0.0), (4, 0.0, 40.0)):
            for scope, points in (("2026-W49", w49), ("2026-W48", w48)):
                if points:
                    session.add(
                        LeaderboardPoints(
                            guild_id=GUILD, scope=scope, user_id=user, points=points, answers=1
                        )
                    )
        post = QuestionPost(
            guild_id=GUILD,
            local_date=date(2026, 12, 2),
            slug="overfit-lite",
            topic="dl-training",
            difficulty=2,
            posted_at=MONDAY,
            deadline_at=MONDAY,
        )
        session.add(post)
        await session.flush()
        for user, score, covered in (
            (1, 8.0, "regularization,more_data"),
            (2, 4.0, "more_data"),
            (3, 6.0, "regularization"),
        ):
            session.add(
                Answer(
                    guild_id=GUILD,
                    user_id=user,
                    post_id=post.id,
                    slug=post.slug,
                    topic="dl-training",
                    text="...",
                    score=score,
                    points=score,
                    covered=covered,
                    local_date=post.local_date,
                    created_at=MONDAY,
                )
            )
        session.add(
            Answer(
                guild_id=GUILD,
                user_id=1,
                post_id=None,
                slug="metrics-lite",
                topic="evaluation-metrics",
                text="...",
                score=9.0,
                points=0.0,
                covered="",
                local_date=date(2026, 12, 3),
                created_at=MONDAY,
            )
        )
        await session.commit()


async def test_the_digest_reports_events_leaders_questions_and_a_suggestion(
    db: Database, bank: QuestionBank
) -> None:
    await configure(db, MONDAY - timedelta(days=10))
    await seed_week(db, bank)
    async with db.session() as session:
        draft = await service.prepare_event(
            session,
            GUILD,
            MONDAY - timedelta(days=1),
            title="Paper club",
            start="2026-12-09 19:00",
            where="Room 1",
            capacity=10,
        )
        event = await service.create_event(
            session, GUILD, 7, draft, MONDAY - timedelta(days=1), channel_id=CHANNEL
        )
        await service.record_announcement(session, event.id, message_id=9001)
        await service.set_rsvp(session, event.id, 1, "going", MONDAY)
        result = await digest.build_digest(session, GUILD, MONDAY, bank)
    assert (result.week, result.last_week) == ("2026-W50", "2026-W49")
    assert [(e.title, e.going, e.capacity) for e in result.events] == [("Paper club", 1, 10)]
    assert result.top == ((1, 30.0), (2, 25.0), (3, 10.0))
    assert result.improved == ((2, 20.0), (3, 10.0), (1, 2.0))
    (question,) = result.questions
    assert (question.answers, question.average) == (3, 6.0)
    assert question.most_missed == "Early stopping"
    assert result.weakest_topic == "dl-training" and not result.empty


async def test_a_quiet_week_still_makes_a_digest(db: Database) -> None:
    await configure(db, MONDAY)
    async with db.session() as session:
        result = await digest.build_digest(session, GUILD, MONDAY, None)
    assert result.empty and result.weakest_topic is None and result.language == "en"


async def test_a_failed_post_is_recorded_and_never_retried(db: Database) -> None:
    await configure(db, MONDAY)
    attempts = []

    async def broken(claimed: ClaimedDigest, content: Digest) -> int:
        attempts.append(claimed.week)
        raise RuntimeError("Discord is down")

    sender = DigestSender(db, ManualClock(MONDAY), broken, limiter=RateLimiter())
    assert not await sender.run(GUILD)
    assert not await sender.run(GUILD)
    assert attempts == ["2026-W50"]
    async with db.session() as session:
        row = await session.scalar(select(ScheduledPost))
    assert row is not None and row.status == "failed" and "Discord is down" in (row.error or "")


# ---------------------------------------------------------------------------- rate limiter
class FakeTime:
    """A monotonic clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_the_limiter_keeps_every_one_second_window_under_the_limit() -> None:
    fake = FakeTime()
    limiter = RateLimiter(40, 1.0, clock=fake.clock, sleep=fake.sleep)
    starts = []

    async def request() -> None:
        async with limiter.slot():
            starts.append(fake.now)
            await asyncio.sleep(0)  # other requests queue up meanwhile

    await asyncio.gather(*(request() for _ in range(200)))
    busiest = max(sum(1 for s in starts if begin <= s < begin + 1.0) for begin in starts)
    assert len(starts) == 200 and busiest == 40
    assert 4.0 <= starts[-1] <= 5.0  # about 40 requests per second


async def test_a_slot_is_held_until_a_period_after_the_request_finished() -> None:
    fake = FakeTime()
    limiter = RateLimiter(2, 1.0, clock=fake.clock, sleep=fake.sleep)
    starts = []

    async def slow_request() -> None:
        async with limiter.slot():
            starts.append(fake.now)
            fake.now += 0.5  # the request itself takes half a second

    await asyncio.gather(*(slow_request() for _ in range(4)))
    assert starts == [0.0, 0.5, 1.5, 2.0]  # each slot frees one period after its request ended


def test_the_limiter_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
