"""A member's profile: points, rank, streaks, answer counts and averages by topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.questions import Answer, MemberStats
from bot.questions.leaderboard import guild_today, member_rank


@dataclass(frozen=True)
class TopicAverage:
    """The average rubric score (0-10) of a member's answers in one topic."""

    topic: str
    answers: int
    average: float


@dataclass(frozen=True)
class Profile:
    """What /profile shows; ``answers`` are daily answers, averages cover daily and practice."""

    user_id: int
    points: float
    rank: int | None
    current_streak: int
    best_streak: int
    answers: int
    practice_answers: int
    average: float | None
    topics: tuple[TopicAverage, ...]
    weakest: TopicAverage | None

    @property
    def empty(self) -> bool:
        """True for a member with no answers and no points (nothing to show yet)."""
        return self.answers == 0 and self.practice_answers == 0 and self.points == 0


async def profile(session: AsyncSession, guild_id: int, user_id: int, now: datetime) -> Profile:
    """The member's profile on the guild-local date of ``now``.

    The current streak counts only while it is alive: the last daily answer was today or
    yesterday (guild-local); otherwise it is 0. The weakest topic is the one with the
    lowest average among topics with at least one answer (ties: topic id).
    """
    stats = await session.get(MemberStats, (guild_id, user_id))
    rows = (
        await session.execute(
            select(Answer.topic, func.count(), func.sum(Answer.score))
            .where(Answer.guild_id == guild_id, Answer.user_id == user_id)
            .group_by(Answer.topic)
            .order_by(Answer.topic)
        )
    ).all()
    topics = tuple(TopicAverage(topic, count, total / count) for topic, count, total in rows)
    answered = sum(count for _topic, count, _total in rows)
    average = sum(total for _topic, _count, total in rows) / answered if answered else None
    weakest = min(topics, key=lambda t: (t.average, t.topic), default=None)
    rank = await member_rank(session, guild_id, "all", user_id)
    if stats is None:
        return Profile(user_id, 0.0, None, 0, 0, 0, 0, average, topics, weakest)
    current = stats.current_streak
    today = await guild_today(session, guild_id, now)
    if stats.last_answer_date is None or today - stats.last_answer_date > timedelta(days=1):
        current = 0
    return Profile(
        user_id,
        stats.points,
        rank.rank if rank else None,
        current,
        stats.best_streak,
        stats.answers,
        stats.practice_answers,
        average,
        topics,
        weakest,
    )
