"""The scheduled-post ledger: claim a post exactly once, then drive it until it is delivered.

A claim is an ``INSERT ... ON CONFLICT DO NOTHING`` on UNIQUE(guild_id, kind,
occurrence_key), committed before Discord is called: whoever inserts the row owns the
post; a restart, a second trigger or a concurrent worker finds the row and does nothing.

After the claim a row moves ``claimed → sending → sent``. A transient fault parks it in
``retry`` with a backoff; a permanent fault (or a grace window that ran out) makes it
``failed`` with the reason. A ``claimed``/``sending`` row belongs to its process until
``lease_until``: after that (the process died) ``take`` hands it to whoever asks first, and
the deterministic nonce of each send keeps a second attempt from posting twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dml import execute_for_rowcount
from bot.db.models import ScheduledPost

LEASE = timedelta(minutes=2)
# Backoff between attempts: the first retries land inside Discord's nonce window (a few
# minutes), later ones spread out; the kind's grace window bounds the whole chain.
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
OPEN = ("claimed", "sending", "retry")
GAVE_UP = "gave up at the end of its window: "  # how the error of a row that ran out starts


@dataclass(frozen=True, order=True)
class Occurrence:
    """One scheduled post: the ledger's key."""

    guild_id: int
    kind: str
    key: str


def nonce(occurrence: Occurrence, part: int | str = 0) -> str:
    """The Discord nonce of one send of ``occurrence`` (25 characters, deterministic)."""
    text = f"{occurrence.guild_id}:{occurrence.kind}:{occurrence.key}:{part}"
    return hashlib.sha256(text.encode()).hexdigest()[:25]


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def _where(guild_id: int, kind: str, occurrence_key: str):  # type: ignore[no-untyped-def]
    return and_(
        ScheduledPost.guild_id == guild_id,
        ScheduledPost.kind == kind,
        ScheduledPost.occurrence_key == occurrence_key,
    )


async def claim(
    session: AsyncSession,
    guild_id: int,
    kind: str,
    occurrence_key: str,
    now: datetime,
    *,
    channel_id: int | None = None,
    expires_at: datetime | None = None,
) -> bool:
    """Claim ``(guild_id, kind, occurrence_key)`` and commit; False if it was already claimed.

    The guild's settings row must exist (foreign key). ``expires_at`` ends the window in
    which the post may still go out (retries and take-overs stop there).
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ScheduledPost)
        .values(**claim_values(guild_id, kind, occurrence_key, now, channel_id, expires_at))
        .on_conflict_do_nothing(index_elements=["guild_id", "kind", "occurrence_key"])
    )
    claimed = await execute_for_rowcount(session, statement)
    await session.commit()
    return claimed == 1


def claim_values(
    guild_id: int,
    kind: str,
    occurrence_key: str,
    now: datetime,
    channel_id: int | None,
    expires_at: datetime | None,
) -> dict[str, object]:
    """The column values of a freshly claimed row."""
    return {
        "guild_id": guild_id,
        "kind": kind,
        "occurrence_key": occurrence_key,
        "status": "claimed",
        "claimed_at": now,
        "channel_id": channel_id,
        "attempts": 0,
        "lease_until": now + LEASE,
        "expires_at": expires_at,
    }


async def start(session: AsyncSession, occurrence: Occurrence, now: datetime) -> bool:
    """``claimed → sending`` for the claimer's first attempt (commits); False if not claimed."""
    changed = await execute_for_rowcount(
        session,
        update(ScheduledPost)
        .where(_where(*_key(occurrence)), ScheduledPost.status == "claimed")
        .values(status="sending", attempts=ScheduledPost.attempts + 1, lease_until=now + LEASE),
    )
    await session.commit()
    return changed == 1


async def take(session: AsyncSession, occurrence: Occurrence, now: datetime) -> bool:
    """Take a row that is due again (a retry whose time came, or a lease that ran out).

    Atomic (one conditional UPDATE, committed): of several processes asking, one gets it.
    """
    changed = await execute_for_rowcount(
        session,
        update(ScheduledPost)
        .where(_where(*_key(occurrence)), _due_again(now))
        .values(status="sending", attempts=ScheduledPost.attempts + 1, lease_until=now + LEASE),
    )
    await session.commit()
    return changed == 1


def _key(occurrence: Occurrence) -> tuple[int, str, str]:
    return occurrence.guild_id, occurrence.kind, occurrence.key


def _due_again(now: datetime):  # type: ignore[no-untyped-def]
    return and_(
        ScheduledPost.expires_at > now,
        or_(
            and_(ScheduledPost.status == "retry", ScheduledPost.next_attempt_at <= now),
            and_(
                ScheduledPost.status.in_(("claimed", "sending")),
                ScheduledPost.lease_until <= now,
            ),
        ),
    )


async def due_again(session: AsyncSession, now: datetime) -> list[Occurrence]:
    """Rows to take up now: retries whose time came and leases that ran out."""
    rows = await session.execute(
        select(ScheduledPost.guild_id, ScheduledPost.kind, ScheduledPost.occurrence_key)
        .where(ScheduledPost.status.in_(OPEN), _due_again(now))
        .order_by(ScheduledPost.claimed_at, ScheduledPost.id)
    )
    return [Occurrence(*row) for row in rows]


async def next_wake(session: AsyncSession) -> datetime | None:
    """The earliest time an open row becomes due again (None when nothing is open)."""
    row = await session.execute(
        select(
            ScheduledPost.status, ScheduledPost.next_attempt_at, ScheduledPost.lease_until
        ).where(ScheduledPost.status.in_(OPEN), ScheduledPost.expires_at.is_not(None))
    )
    times = [retry if status == "retry" else lease for status, retry, lease in row]
    return min((t for t in times if t is not None), default=None)


async def expire(session: AsyncSession, now: datetime) -> list[tuple[Occurrence, str]]:
    """Mark open rows whose window ran out ``failed`` (commits); each with its last error."""
    rows = (
        await session.execute(
            select(
                ScheduledPost.guild_id,
                ScheduledPost.kind,
                ScheduledPost.occurrence_key,
                ScheduledPost.error,
            ).where(ScheduledPost.status.in_(OPEN), ScheduledPost.expires_at <= now)
        )
    ).all()
    expired = []
    for guild_id, kind, key, error in rows:
        reason = f"{GAVE_UP}{error or 'no attempt succeeded'}"[:500]
        changed = await execute_for_rowcount(
            session,
            update(ScheduledPost)
            .where(_where(guild_id, kind, key), ScheduledPost.status.in_(OPEN))
            .values(status="failed", error=reason, finished_at=now),
        )
        if changed == 1:
            expired.append((Occurrence(guild_id, kind, key), reason))
    await session.commit()
    return expired


async def retry_later(
    session: AsyncSession, occurrence: Occurrence, now: datetime, error: str
) -> datetime | None:
    """Park a row after a transient fault (commits): its next attempt time, or None if the
    window cannot fit another attempt (then it is ``failed``)."""
    row = await session.scalar(select(ScheduledPost).where(_where(*_key(occurrence))))
    if row is None:
        return None
    when = now + backoff(row.attempts)
    if row.expires_at is None or when >= row.expires_at:
        row.status, row.finished_at = "failed", now
        row.error = f"{GAVE_UP}{error}"[:500]
        await session.commit()
        return None
    row.status, row.next_attempt_at, row.error = "retry", when, error[:500]
    await session.commit()
    return when


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
    """Mark a claimed post ``sent`` (or ``failed`` for good with ``error``) and commit."""
    await session.execute(
        update(ScheduledPost)
        .where(_where(guild_id, kind, occurrence_key))
        .values(
            status="failed" if error else "sent",
            error=error[:500] if error else None,
            message_id=message_id,
            finished_at=now,
            next_attempt_at=None,
        )
    )
    await session.commit()


async def reopen(session: AsyncSession, occurrence: Occurrence, now: datetime) -> bool:
    """Give a ``failed`` row a fresh attempt now (an admin fixed the cause); commits."""
    changed = await execute_for_rowcount(
        session,
        update(ScheduledPost)
        .where(_where(*_key(occurrence)), ScheduledPost.status == "failed")
        .values(
            status="claimed",
            attempts=0,
            lease_until=now + LEASE,
            next_attempt_at=None,
            claimed_at=now,
            finished_at=None,
        ),
    )
    await session.commit()
    return changed == 1


async def row_id(session: AsyncSession, occurrence: Occurrence) -> int | None:
    """The row's id, or None when it was never claimed."""
    return await session.scalar(select(ScheduledPost.id).where(_where(*_key(occurrence))))


async def occurrence_of(session: AsyncSession, row_id: int) -> tuple[Occurrence, str] | None:
    """The occurrence of the row with this id and its last error ("" if none)."""
    found = await session.get(ScheduledPost, row_id)
    if found is None:
        return None
    return Occurrence(found.guild_id, found.kind, found.occurrence_key), found.error or ""


async def status_of(session: AsyncSession, occurrence: Occurrence) -> str | None:
    """The row's status, or None when it was never claimed."""
    return await session.scalar(select(ScheduledPost.status).where(_where(*_key(occurrence))))


async def last_problems(session: AsyncSession, guild_id: int) -> dict[str, ScheduledPost]:
    """Per kind, the guild's latest row that failed or is waiting to retry."""
    rows = await session.scalars(
        select(ScheduledPost)
        .where(
            ScheduledPost.guild_id == guild_id,
            ScheduledPost.status.in_(("failed", "retry")),
        )
        .order_by(ScheduledPost.claimed_at, ScheduledPost.id)
    )
    return {row.kind: row for row in rows}
