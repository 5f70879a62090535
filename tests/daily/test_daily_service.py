"""Daily-question rules over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import ScheduledPost
from bot.db.questions import Answer, LeaderboardPoints, MemberStats, QuestionPost, ScoreAdjustment
from bot.errors import UserError
from bot.questions import answering, service
from bot.questions.bank import QuestionBank
from tests.helpers import claim_and_post

GUILD, CHANNEL = 1001, 2002
ALICE, BOB = 11, 12


async def _configure(db: Database, now: datetime, **kwargs) -> None:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        await service.configure_daily(session, GUILD, now, channel_id=CHANNEL, **kwargs)
        await session.commit()


async def _claim(db: Database, bank: QuestionBank, now: datetime, **kwargs):  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return await claim_and_post(session, bank, GUILD, now, **kwargs)


async def _count(db: Database, model) -> int:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_post_is_claimed_once_at_the_local_time(db: Database, bank: QuestionBank) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 12, 1, 8, 59, tzinfo=tz)
    await _configure(db, start, post_time="09:00", timezone="Asia/Shanghai")
    assert await _claim(db, bank, start) is None
    at = start + timedelta(minutes=1)
    claims = await asyncio.gather(*(_claim(db, bank, at) for _ in range(4)))
    won = [c for c in claims if c is not None]
    assert len(won) == 1
    assert won[0].post.local_date.isoformat() == "2026-12-01"
    assert won[0].post.deadline_at == at.astimezone(UTC) + timedelta(hours=24)
    assert await _claim(db, bank, at + timedelta(hours=1)) is None  # a second trigger
    async with db.session() as session:
        ledger = (await session.scalars(select(ScheduledPost))).all()
    assert [(r.kind, r.occurrence_key) for r in ledger if r.kind == "daily_question"] == [
        ("daily_question", "2026-12-01")
    ]


async def test_nothing_is_posted_without_a_channel(db: Database, bank: QuestionBank) -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert await _claim(db, bank, now, force=True) is None
    assert await _count(db, QuestionPost) == 0


@pytest.mark.parametrize("late", [timedelta(hours=5, minutes=59), timedelta(hours=6, minutes=1)])
async def test_catch_up_within_the_grace_window(
    db: Database, bank: QuestionBank, late: timedelta
) -> None:
    nine = datetime(2026, 12, 1, 9, tzinfo=UTC)
    await _configure(db, nine - timedelta(days=1))
    claimed = await _claim(db, bank, nine + late)
    assert (claimed is not None) is (late < timedelta(hours=6))


@pytest.mark.parametrize(
    ("zone", "post_time", "start"),
    [
        ("Europe/Berlin", "02:30", datetime(2027, 3, 26, tzinfo=UTC)),  # 02:30 skipped 3/28
        ("Europe/Berlin", "02:30", datetime(2026, 10, 23, tzinfo=UTC)),  # 02:30 twice 10/25
        ("America/New_York", "02:30", datetime(2027, 3, 12, tzinfo=UTC)),  # skipped 3/14
        ("America/New_York", "01:30", datetime(2026, 10, 30, tzinfo=UTC)),  # twice 11/1
    ],
)
async def test_one_post_per_local_day_across_dst_with_ticks_and_restarts(
    db: Database, bank: QuestionBank, zone: str, post_time: str, start: datetime
) -> None:
    await _configure(db, start, post_time=post_time, timezone=zone)
    now = start
    while now < start + timedelta(days=5):
        await _claim(db, bank, now)  # a trigger every 10 minutes, as after any restart
        now += timedelta(minutes=10)
    async with db.session() as session:
        days = (
            await session.scalars(select(QuestionPost.local_date).order_by(QuestionPost.local_date))
        ).all()
    first = start.astimezone(ZoneInfo(zone)).date()
    assert days[0] in (first, first + timedelta(days=1))
    assert days == [days[0] + timedelta(days=i) for i in range(5)]  # no gap, no duplicate


@pytest.mark.parametrize(
    ("zone", "post_time", "day", "gap_end_utc"),
    [
        # clocks jump 02:00 → 03:00 EST → EDT: 02:30 posts at 03:00 EDT (07:00 UTC)
        ("America/New_York", "02:30", "2027-03-14", datetime(2027, 3, 14, 7, 0, tzinfo=UTC)),
        # 02:00 → 03:00 CET → CEST: 02:00 itself is inside the gap
        ("Europe/Berlin", "02:00", "2027-03-28", datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
        # a half-hour gap: 02:00 → 02:30 on Lord Howe Island
        ("Australia/Lord_Howe", "02:15", "2026-10-04", datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
    ],
)
async def test_a_post_time_in_the_spring_forward_gap_posts_right_after_the_gap(
    db: Database, bank: QuestionBank, zone: str, post_time: str, day: str, gap_end_utc: datetime
) -> None:
    await _configure(db, gap_end_utc - timedelta(days=1), post_time=post_time, timezone=zone)
    # every minute of the hour before the gap ends: nothing is due (the old rule posted
    # a whole gap early, before the jump)
    now = gap_end_utc - timedelta(hours=1)
    while now < gap_end_utc:
        assert await _claim(db, bank, now) is None, now
        now += timedelta(minutes=1)
    claimed = await _claim(db, bank, gap_end_utc)
    assert claimed is not None and claimed.post.local_date.isoformat() == day
    assert claimed.post.deadline_at == gap_end_utc + timedelta(hours=24)


async def test_no_repeats_until_the_bank_is_exhausted_and_topics_rotate(
    db: Database, bank: QuestionBank
) -> None:
    day = datetime(2026, 12, 1, 9, tzinfo=UTC)
    await _configure(db, day)
    slugs, topics = [], []
    for i in range(6):
        claimed = await _claim(db, bank, day + timedelta(days=i))
        assert claimed is not None
        slugs.append(claimed.question.slug)
        topics.append(claimed.question.topic)
    assert len(set(slugs[:3])) == 3 and slugs[3:] == slugs[:3]
    assert all(a != b for a, b in itertools.pairwise(topics))


async def test_topic_filter(db: Database, bank: QuestionBank) -> None:
    day = datetime(2026, 12, 1, 9, tzinfo=UTC)
    await _configure(db, day, topic="evaluation-metrics")
    for i in range(2):
        claimed = await _claim(db, bank, day + timedelta(days=i))
        assert claimed is not None and claimed.question.slug == "metrics-lite"


async def _open(db: Database, bank: QuestionBank, topic: str = "dl-training") -> datetime:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    await _configure(db, now, topic=topic)
    assert await _claim(db, bank, now) is not None
    return now + timedelta(minutes=5)


async def test_one_scored_answer_per_member(db: Database, bank: QuestionBank) -> None:
    now = await _open(db, bank)
    text = "Use weight decay. Stop early with early stopping on validation loss."
    async with db.session() as session:
        first = await answering.submit_answer(session, bank, GUILD, ALICE, text, now)
    assert first.first_attempt and first.feedback.score > 5
    assert first.points == round(first.feedback.score * 1.5, 1)  # difficulty 2, streak 1
    async with db.session() as session:
        again = await answering.submit_answer(session, bank, GUILD, ALICE, "something else", now)
    assert not again.first_attempt and again.feedback.score == first.feedback.score
    assert await _count(db, Answer) == 1
    async with db.session() as session:
        stats = await session.get(MemberStats, (GUILD, ALICE))
        scopes = (await session.scalars(select(LeaderboardPoints.scope))).all()
    assert stats is not None and stats.answers == 1 and stats.current_streak == 1
    assert sorted(scopes) == sorted(
        [
            "all",
            "2026-W49",
            "2026-12",
            "all:dl-training",
            "2026-W49:dl-training",
            "2026-12:dl-training",
        ]
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "answer.empty"),
        ("   \n\t ", "answer.empty"),
        ("x" * 2001, "answer.too_long"),
        ("bad\x00text here", "answer.control"),
        ("z\u0301\u0302\u0303\u0304alg", "answer.zalgo"),
        ("\u200b\u200c\u200d\u2060\ufeff", "answer.empty"),  # zero-width characters only
        (" \u200b \u200d\n", "answer.empty"),
        ("🙂🙂🙂", "answer.no_words"),
        ("👍🏽 🧑\u200d💻 ❤\ufe0f", "answer.no_words"),  # skin tone, ZWJ and variation selector
        ("?!... —— 。！", "answer.no_words"),
        ("+++ $$$ ###", "answer.no_words"),
    ],
)
async def test_bad_answers_are_refused_and_nothing_is_stored(
    db: Database, bank: QuestionBank, text: str, key: str
) -> None:
    now = await _open(db, bank)
    with pytest.raises(UserError) as info:
        async with db.session() as session:
            await answering.submit_answer(session, bank, GUILD, ALICE, text, now)
    assert info.value.key == key
    assert await _count(db, Answer) == 0 and await _count(db, MemberStats) == 0


async def test_a_refused_answer_keeps_the_members_one_attempt(
    db: Database, bank: QuestionBank
) -> None:
    now = await _open(db, bank)
    for text in ("\u200b\u200b", "🤔🤔", "???"):
        with pytest.raises(UserError):
            async with db.session() as session:
                await answering.submit_answer(session, bank, GUILD, ALICE, text, now)
    async with db.session() as session:
        result = await answering.submit_answer(
            session, bank, GUILD, ALICE, "Weight decay and early stopping 🙂", now
        )
    assert result.first_attempt and result.feedback.score > 0
    assert await _count(db, Answer) == 1


async def test_answering_with_no_open_question(db: Database, bank: QuestionBank) -> None:
    now = await _open(db, bank)
    with pytest.raises(UserError, match=r"answer\.no_open_question"):
        async with db.session() as session:
            await answering.submit_answer(
                session, bank, GUILD, ALICE, "weight decay", now + timedelta(days=2)
            )


async def test_choice_questions(db: Database, bank: QuestionBank) -> None:
    now = await _open(db, bank, topic="ml-fundamentals")
    async with db.session() as session:
        with pytest.raises(UserError, match=r"answer\.use_buttons"):
            await answering.submit_answer(session, bank, GUILD, ALICE, "b", now)
    async with db.session() as session:
        right = await answering.submit_choice(session, bank, GUILD, ALICE, {"b"}, now)
    async with db.session() as session:
        wrong = await answering.submit_choice(session, bank, GUILD, BOB, {"a"}, now)
    async with db.session() as session:
        with pytest.raises(UserError, match=r"answer\.bad_choice"):
            await answering.submit_choice(session, bank, GUILD, 13, {"z"}, now)
    assert right.feedback.score == 10 and wrong.feedback.score == 0


async def test_streaks_grow_on_consecutive_days_and_reset_after_a_gap(
    db: Database, bank: QuestionBank
) -> None:
    day = datetime(2026, 12, 1, 9, tzinfo=UTC)
    await _configure(db, day, topic="dl-training")
    streaks = []
    for offset in (0, 1, 2, 4):
        now = day + timedelta(days=offset)
        assert await _claim(db, bank, now) is not None
        async with db.session() as session:
            result = await answering.submit_answer(
                session,
                bank,
                GUILD,
                ALICE,
                "Precision and recall. Also weight decay.",
                now + timedelta(minutes=1),
            )
        streaks.append(result.streak)
    assert streaks == [1, 2, 3, 1]
    async with db.session() as session:
        stats = await session.get(MemberStats, (GUILD, ALICE))
    assert stats is not None and stats.best_streak == 3 and stats.answers == 4


async def test_a_zero_score_answer_neither_extends_a_streak_nor_earns_its_bonus(
    db: Database, bank: QuestionBank
) -> None:
    day = datetime(2026, 12, 1, 9, tzinfo=UTC)
    await _configure(db, day, topic="dl-training")
    good, blank = "Precision and recall. Also weight decay.", "I really have no idea, sorry."
    results = []
    for offset, text in ((0, good), (1, good), (2, blank), (3, good)):
        now = day + timedelta(days=offset)
        assert await _claim(db, bank, now) is not None
        async with db.session() as session:
            results.append(
                await answering.submit_answer(
                    session, bank, GUILD, ALICE, text, now + timedelta(minutes=1)
                )
            )
    zero = results[2]
    assert zero.feedback.score == 0 and zero.points == 0  # no +1 streak bonus
    assert zero.streak == 2  # yesterday's streak is still shown, not extended
    # the 0-score day did not count, so day 4 follows a gap and starts again
    assert [r.streak for r in results] == [1, 2, 2, 1]
    assert results[1].points == round(results[1].feedback.score * 1.5 + 1, 1)
    async with db.session() as session:
        stats = await session.get(MemberStats, (GUILD, ALICE))
    assert stats is not None and stats.best_streak == 2 and stats.current_streak == 1


async def test_reveal_is_claimed_once_with_stats(db: Database, bank: QuestionBank) -> None:
    now = await _open(db, bank)
    for user, text in ((ALICE, "Weight decay helps. Early stopping too."), (BOB, "More data.")):
        async with db.session() as session:
            await answering.submit_answer(
                session, bank, GUILD, user, f"{text} Also collect more data if possible.", now
            )
    later = now + timedelta(days=1)
    async with db.session() as session:
        posts = await service.posts_to_reveal(session, later)
        assert len(posts) == 1
        assert await service.mark_revealed(session, posts[0].id, later) is True
        assert await service.mark_revealed(session, posts[0].id, later) is False
        stats = await service.reveal_stats(session, bank["overfit-lite"], posts[0].id)
        assert await service.posts_to_reveal(session, later) == []
    assert stats.answers == 2 and sum(stats.distribution.values()) == 2
    assert stats.most_missed in {"regularization", "early_stopping"}


async def test_score_adjustments_are_audited(db: Database, bank: QuestionBank) -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    async with db.session() as session:
        total = await answering.adjust_score(session, GUILD, BOB, 5, "great talk", ALICE, now)
        total = await answering.adjust_score(session, GUILD, BOB, -2, "typo fix", ALICE, now)
    assert total == 3
    for points, reason in ((0, "x"), (5000, "x"), (5, "  ")):
        with pytest.raises(UserError):
            async with db.session() as session:
                await answering.adjust_score(session, GUILD, BOB, points, reason, ALICE, now)
    assert await _count(db, ScoreAdjustment) == 2


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"post_time": "25:00"}, "daily.impossible_time"),
        ({"post_time": "9am"}, "daily.impossible_time"),
        ({"timezone": "Mars/Base"}, "daily.unknown_timezone"),
        ({"topic": "astrology"}, "questions.unknown_topic"),
        ({"language": "fr"}, "daily.unknown_language"),
    ],
)
async def test_bad_settings_change_nothing(db: Database, kwargs: dict, key: str) -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with pytest.raises(UserError) as info:
        async with db.session() as session:
            await service.configure_daily(session, GUILD, now, channel_id=CHANNEL, **kwargs)
            await session.commit()
    assert info.value.key == key
    async with db.session() as session:
        config = await service.get_daily_config(session, GUILD, now)
    assert config.channel_id is None
