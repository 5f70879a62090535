"""A member's profile: points, rank, streaks, answer counts, averages by topic, privacy."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MemberPrivacy
from bot.db.questions import Answer, MemberStats
from bot.guilds import get_settings
from bot.questions.leaderboard import guild_today, member_rank

# A topic is "weakest" only when it is clearly weak and clearly behind the member's others:
# its average is below WEAK_BELOW and at least WEAK_MARGIN under the average of every answer
# in the member's other topics (so one topic alone, or a 10/10 topic, is never "weakest").
WEAK_BELOW = 7.0
WEAK_MARGIN = 1.5


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
    yesterday (guild-local); otherwise it is 0. The weakest topic: see ``weakest_topic``.
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
    weakest = weakest_topic(topics)
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


def weakest_topic(topics: Collection[TopicAverage]) -> TopicAverage | None:
    """The lowest-average topic (ties: topic id) when it is meaningfully weaker, else None.

    Meaningfully weaker: its average is under ``WEAK_BELOW`` and at least ``WEAK_MARGIN``
    below the average of the member's answers in all their other topics.
    """
    lowest = min(topics, key=lambda item: (item.average, item.topic), default=None)
    others = [item for item in topics if item is not lowest]
    if lowest is None or not others or lowest.average >= WEAK_BELOW:
        return None
    count = sum(item.answers for item in others)
    rest = sum(item.average * item.answers for item in others) / count
    return lowest if rest - lowest.average >= WEAK_MARGIN else None


# ---------------------------------------------------------------------------- privacy
async def is_named(session: AsyncSession, guild_id: int, user_id: int) -> bool:
    """Whether the member may be named in reveals and digests (the default: yes)."""
    row = await session.get(MemberPrivacy, (guild_id, user_id))
    return row is None or not row.hide_name


async def set_named(
    session: AsyncSession, guild_id: int, user_id: int, named: bool, now: datetime
) -> None:
    """Opt in to (or out of) being named in reveals and digests (in the caller's transaction)."""
    await get_settings(session, guild_id, now)
    row = await session.get(MemberPrivacy, (guild_id, user_id))
    if row is None:
        session.add(
            MemberPrivacy(guild_id=guild_id, user_id=user_id, hide_name=not named, updated_at=now)
        )
    else:
        row.hide_name, row.updated_at = not named, now
    await session.flush()


async def hidden_members(
    session: AsyncSession, guild_id: int, user_ids: Collection[int]
) -> frozenset[int]:
    """Which of ``user_ids`` opted out of being named."""
    if not user_ids:
        return frozenset()
    rows = await session.scalars(
        select(MemberPrivacy.user_id).where(
            MemberPrivacy.guild_id == guild_id,
            MemberPrivacy.user_id.in_(list(user_ids)),
            MemberPrivacy.hide_name.is_(True),
        )
    )
    return frozenset(rows)
