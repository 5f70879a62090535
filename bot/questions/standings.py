"""Leaderboards, profiles and the naming choice as one service (``bot.services.standings``).

Reads open a plain session and write nothing; the one change (``/profile privacy``) is one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.db.engine import Database
from bot.questions import leaderboard as boards
from bot.questions import profile as profiles


@dataclass(frozen=True)
class Board:
    """One leaderboard page and, when they have points in it, the viewer's own rank."""

    page: boards.Page
    viewer_rank: boards.RankInfo | None


class Standings:
    """What members see of points: pages, ranks, profiles; and whether they may be named."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def board(
        self, guild_id: int, period: str, topic: str | None, page: int, viewer_id: int
    ) -> Board:
        """Page ``page`` of the ``period`` (week, month, all) board, for ``topic`` or all."""
        async with self.db.session() as session:
            scope = await boards.current_scope(session, guild_id, period, topic, self.clock.now())
            return Board(
                await boards.leaderboard_page(session, guild_id, scope, page),
                await boards.member_rank(session, guild_id, scope, viewer_id),
            )

    async def profile(self, guild_id: int, user_id: int) -> profiles.Profile:
        """A member's points, rank, streaks and weakest topic."""
        async with self.db.session() as session:
            return await profiles.profile(session, guild_id, user_id, self.clock.now())

    async def naming(self, guild_id: int, user_id: int, named: bool | None) -> bool:
        """Set whether reveals and digests may name the member (None: leave it); the choice."""
        async with self.db.transaction() as session:
            if named is not None:
                await profiles.set_named(session, guild_id, user_id, named, self.clock.now())
            return await profiles.is_named(session, guild_id, user_id)
