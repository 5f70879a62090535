"""The scheduled-post ledger: claim a post exactly once, then record how it went.

A claim is an ``INSERT ... ON CONFLICT DO NOTHING`` on UNIQUE(guild_id, kind,
occurrence_key), committed before Discord is called: whoever inserts the row owns the
post; a restart, a second trigger or a concurrent worker finds the row and does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dml import execute_for_rowcount
from bot.db.models import ScheduledPost


async def claim(
    session: AsyncSession,
    guild_id: int,
    kind: str,
    occurrence_key: str,
    now: datetime,
    *,
    channel_id: int | None = None,
) -> bool:
    """Claim ``(guild_id, kind, occurrence_key)`` and commit; False if it was already claimed.

    The guild's settings row must exist (foreign key).
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ScheduledPost)
        .values(
            guild_id=guild_id,
            kind=kind,
            occurrence_key=occurrence_key,
            status="claimed",
            claimed_at=now,
            channel_id=channel_id,
        )
        .on_conflict_do_nothing(index_elements=["guild_id", "kind", "occurrence_key"])
    )
    claimed = await execute_for_rowcount(session, statement)
    await session.commit()
    return claimed == 1


async def finish(
    session: AsyncSession,
    guild_id: int,
    kind: str,
    occurrence_key: str,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    """Mark a claimed post ``sent`` (or ``failed`` with ``error``) and commit."""
    await session.execute(
        update(ScheduledPost)
        .where(
            ScheduledPost.guild_id == guild_id,
            ScheduledPost.kind == kind,
            ScheduledPost.occurrence_key == occurrence_key,
        )
        .values(
            status="failed" if error else "sent",
            error=error[:500] if error else None,
            message_id=message_id,
            finished_at=now,
        )
    )
    await session.commit()
