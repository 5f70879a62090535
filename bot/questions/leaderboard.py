"""Leaderboards over ``leaderboard_points``: scopes, pages and ranks.

Every query reads one range of the index ``ix_leaderboard_rank (guild_id, scope, points)``,
so its cost does not grow with the answer history. Ranking is competition ranking
("1, 2, 2, 4"): a member's rank is 1 + the number of members with more points in the scope;
equal points share a rank and are listed by user id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import GuildSettings
from bot.db.questions import LeaderboardPoints
from bot.errors import UserError
from bot.questions.points import scope_for
from bot.questions.schedule import local_date
from bot.questions.topics import TOPICS

PERIODS: tuple[str, ...] = ("week", "month", "all")
PAGE_SIZE = 10
# Points are float sums of one-decimal values, so equal totals reached in a different order
# can differ in the last bits; anything closer than this counts as a tie.
TIE = 1e-6

_LP = LeaderboardPoints


@dataclass(frozen=True)
class Row:
    """One line of a leaderboard page."""

    rank: int
    user_id: int
    points: float
    answers: int


@dataclass(frozen=True)
class Page:
    """One page of a leaderboard (``page`` counts from 0)."""

    rows: tuple[Row, ...]
    page: int
    has_next: bool


@dataclass(frozen=True)
class RankInfo:
    """A member's standing in one scope."""

    rank: int
    points: float
    answers: int


async def guild_today(session: AsyncSession, guild_id: int, now: datetime) -> date:
    """The guild-local date of ``now`` (timezone from GuildSettings, UTC when unset)."""
    zone = await session.scalar(
        select(GuildSettings.timezone).where(GuildSettings.guild_id == guild_id)
    )
    return local_date(now, ZoneInfo(zone or "UTC"))


async def current_scope(
    session: AsyncSession, guild_id: int, period: str, topic: str | None, now: datetime
) -> str:
    """The scope key of ``period`` (week, month, all) and ``topic`` for the guild's today.

    Raises UserError for an unknown period or topic.
    """
    if period not in PERIODS:
        raise UserError("leaderboard.unknown_period", value=period)
    if topic is not None and topic not in TOPICS:
        raise UserError("questions.unknown_topic", value=topic, topics=", ".join(TOPICS))
    return scope_for(period, await guild_today(session, guild_id, now), topic)


async def leaderboard_page(
    session: AsyncSession, guild_id: int, scope: str, page: int, page_size: int = PAGE_SIZE
) -> Page:
    """Rows ``page * page_size`` … of the scope, most points first, ties by user id."""
    if page < 0 or page_size < 1:
        raise ValueError("page must be >= 0 and page_size >= 1")
    offset = page * page_size
    fetched = (
        await session.execute(
            select(_LP.user_id, _LP.points, _LP.answers)
            .where(_LP.guild_id == guild_id, _LP.scope == scope)
            .order_by(_LP.points.desc(), _LP.user_id)
            .offset(offset)
            .limit(page_size + 1)
        )
    ).all()
    visible = fetched[:page_size]
    if not visible:
        return Page((), page, False)
    rank = 1 if offset == 0 else 1 + await _count_above(session, guild_id, scope, visible[0][1])
    rows: list[Row] = []
    for index, (user_id, points, answers) in enumerate(visible):
        if index and visible[index - 1][1] - points > TIE:
            rank = offset + index + 1  # everyone listed before has strictly more points
        rows.append(Row(rank, user_id, points, answers))
    return Page(tuple(rows), page, len(fetched) > page_size)


async def member_rank(
    session: AsyncSession, guild_id: int, scope: str, user_id: int
) -> RankInfo | None:
    """The member's rank and points in the scope; None if they have no points row there."""
    ahead = aliased(LeaderboardPoints)
    above = (
        select(func.count())
        .select_from(ahead)
        .where(
            ahead.guild_id == _LP.guild_id,
            ahead.scope == _LP.scope,
            ahead.points > _LP.points + TIE,
        )
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(_LP.points, _LP.answers, above).where(
                _LP.guild_id == guild_id, _LP.scope == scope, _LP.user_id == user_id
            )
        )
    ).first()
    if row is None:
        return None
    points, answers, count = row
    return RankInfo(1 + count, points, answers)


async def _count_above(session: AsyncSession, guild_id: int, scope: str, points: float) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(_LP)
        .where(_LP.guild_id == guild_id, _LP.scope == scope, _LP.points > points + TIE)
    )
    return int(count or 0)
