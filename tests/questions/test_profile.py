"""Member profiles over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.db.engine import Database
from bot.db.questions import Answer, LeaderboardPoints, MemberStats
from bot.guilds import get_settings
from bot.questions import answering, service
from bot.questions.bank import build_bank
from bot.questions.profile import TopicAverage, profile
from tests.helpers import claim_and_post
from tests.questions.test_leaderboard import BANK_YAML, GOOD_ANSWER

GUILD, CHANNEL, ALICE, BOB = 1001, 2002, 11, 12
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
TODAY = date(2026, 12, 1)


async def _seed(
    db: Database, scores: dict[str, list[float]], *, last: date = TODAY, timezone: str = "UTC"
) -> None:
    """Alice: answers with ``scores`` by topic, stats, and 2nd place on the all-time board."""
    async with db.session() as session:
        (await get_settings(session, GUILD, NOW)).timezone = timezone
        session.add_all(
            Answer(
                guild_id=GUILD,
                user_id=ALICE,
                post_id=None,
                slug=f"{topic}-{i}",
                topic=topic,
                text="…",
                score=score,
                points=0.0,
                covered="",
                local_date=last,
                created_at=NOW,
            )
            for topic, values in scores.items()
            for i, score in enumerate(values)
        )
        session.add(
            MemberStats(
                guild_id=GUILD,
                user_id=ALICE,
                answers=3,
                practice_answers=2,
                score_sum=0.0,
                points=42.5,
                current_streak=3,
                best_streak=5,
                last_answer_date=last,
            )
        )
        session.add_all(
            LeaderboardPoints(guild_id=GUILD, scope="all", user_id=uid, points=p, answers=1)
            for uid, p in ((ALICE, 42.5), (BOB, 50.0), (13, 30.0))
        )
        await session.commit()


async def _profile(db: Database, user_id: int = ALICE, now: datetime = NOW):  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return await profile(session, GUILD, user_id, now)


async def test_profile_aggregates_and_the_weakest_topic(db: Database) -> None:
    await _seed(db, {"dl-training": [8, 6], "generative": [3], "retrieval-rag": [5, 5]})
    data = await _profile(db)
    assert (data.points, data.rank, data.answers, data.practice_answers) == (42.5, 2, 3, 2)
    assert (data.current_streak, data.best_streak) == (3, 5)
    assert data.average == pytest.approx(5.4)
    assert data.topics == (
        TopicAverage("dl-training", 2, 7.0),
        TopicAverage("generative", 1, 3.0),
        TopicAverage("retrieval-rag", 2, 5.0),
    )
    assert data.weakest == TopicAverage("generative", 1, 3.0)
    assert not data.empty


async def test_equal_averages_pick_the_first_topic_id(db: Database) -> None:
    await _seed(db, {"retrieval-rag": [4], "cnn-vision": [4], "generative": [9]})
    assert (await _profile(db)).weakest == TopicAverage("cnn-vision", 1, 4.0)


@pytest.mark.parametrize(
    ("last", "current"),
    [(TODAY, 3), (TODAY - timedelta(days=1), 3), (TODAY - timedelta(days=2), 0)],
)
async def test_a_broken_streak_shows_zero_but_keeps_the_best(
    db: Database, last: date, current: int
) -> None:
    await _seed(db, {"generative": [5]}, last=last)
    data = await _profile(db)
    assert (data.current_streak, data.best_streak) == (current, 5)


async def test_the_streak_is_judged_on_the_guild_local_date(db: Database) -> None:
    await _seed(db, {"generative": [5]}, last=TODAY, timezone="Asia/Shanghai")
    late = datetime(2026, 12, 2, 17, tzinfo=UTC)  # already 2026-12-03 in Shanghai
    assert (await _profile(db, now=late - timedelta(hours=2))).current_streak == 3
    assert (await _profile(db, now=late)).current_streak == 0


async def test_a_member_without_answers_has_an_empty_profile(db: Database) -> None:
    data = await _profile(db, user_id=999)
    assert data.empty and data.rank is None and data.average is None
    assert data.topics == () and data.weakest is None


async def test_points_from_an_adjustment_alone_are_not_empty(db: Database) -> None:
    async with db.session() as session:
        await answering.adjust_score(session, GUILD, BOB, 5, "talk", ALICE, NOW)
    data = await _profile(db, user_id=BOB)
    assert not data.empty and data.points == 5 and data.rank == 1 and data.weakest is None


async def test_profile_matches_what_the_answer_services_stored(db: Database) -> None:
    bank = build_bank([(Path("mini.yaml"), BANK_YAML)])
    question = bank.get("overfit-mini")
    assert question is not None
    async with db.session() as session:
        await service.configure_daily(session, GUILD, NOW, channel_id=CHANNEL)
        await session.commit()
        await claim_and_post(session, bank, GUILD, NOW, force=True)
    async with db.session() as session:
        daily = await answering.submit_answer(session, bank, GUILD, ALICE, GOOD_ANSWER, NOW)
    async with db.session() as session:
        practice = await answering.practice_answer(
            session, question, GUILD, ALICE, "Just weight decay.", NOW
        )
    data = await _profile(db)
    assert (data.answers, data.practice_answers, data.rank) == (1, 1, 1)
    assert data.points == daily.points and data.current_streak == 1
    expected = (daily.feedback.score + practice.score) / 2
    assert data.average == pytest.approx(expected)
    assert data.topics == (TopicAverage("dl-training", 2, pytest.approx(expected)),)
