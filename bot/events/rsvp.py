"""RSVPs over the database: a member's answer, the capacity and its waitlist, the counts.

Functions take a session and never commit: they run inside the caller's unit of work (see
``EventsService``). Whether an event still takes answers is the caller's check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.events import Event, Rsvp

GOING, WAITLIST, MAYBE, NOT_GOING = "going", "waitlist", "maybe", "not_going"
CHOICES: tuple[str, ...] = (GOING, MAYBE, NOT_GOING)


@dataclass(frozen=True)
class RsvpCounts:
    """How many members answered what."""

    going: int = 0
    waitlist: int = 0
    maybe: int = 0
    not_going: int = 0


@dataclass(frozen=True)
class RsvpResult:
    """The member's answer after a click, and who moved up from the waitlist."""

    status: str
    changed: bool
    promoted: tuple[int, ...]
    waitlist_position: int | None


async def rsvp_counts(session: AsyncSession, event_ids: Iterable[int]) -> dict[int, RsvpCounts]:
    """RSVP counts of each event (events without answers get zeros)."""
    ids = list(event_ids)
    counts = {event_id: RsvpCounts() for event_id in ids}
    if not ids:
        return counts
    rows = await session.execute(
        select(Rsvp.event_id, Rsvp.status, func.count())
        .where(Rsvp.event_id.in_(ids))
        .group_by(Rsvp.event_id, Rsvp.status)
    )
    for event_id, status, number in rows:
        counts[event_id] = replace(counts[event_id], **{status: int(number)})
    return counts


async def members_with(
    session: AsyncSession, event_id: int, statuses: Iterable[str], limit: int | None = None
) -> list[int]:
    """User ids of the event's members whose answer is one of ``statuses``, by answer time
    (the first ``limit`` of them)."""
    return list(
        await session.scalars(
            select(Rsvp.user_id)
            .where(Rsvp.event_id == event_id, Rsvp.status.in_(list(statuses)))
            .order_by(Rsvp.responded_at, Rsvp.id)
            .limit(limit)
        )
    )


async def locked_event(session: AsyncSession, event_id: int) -> Event | None:
    """The event row, locked until the transaction ends on PostgreSQL (serializes capacity
    checks)."""
    return await session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _going_count(session: AsyncSession, event_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Rsvp)
            .where(Rsvp.event_id == event_id, Rsvp.status == GOING)
        )
        or 0
    )


async def promote(session: AsyncSession, event: Event, now: datetime) -> tuple[int, ...]:
    """Move waitlisted members (first come, first served) into free places."""
    if event.capacity is None:
        free = None
    else:
        free = event.capacity - await _going_count(session, event.id)
        if free <= 0:
            return ()
    waiting = list(
        await session.scalars(
            select(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.status == WAITLIST)
            .order_by(Rsvp.responded_at, Rsvp.id)
            .limit(free)
        )
    )
    for row in waiting:
        row.status, row.responded_at = GOING, now
    await session.flush()
    return tuple(row.user_id for row in waiting)


async def answer(
    session: AsyncSession, event: Event, user_id: int, choice: str, now: datetime
) -> RsvpResult:
    """Record a member's Going / Maybe / Not going for ``event`` (locked by the caller).

    Going beyond the capacity puts the member on the waitlist; when a going member leaves,
    the first waitlisted member takes the place (returned in ``promoted``).
    """
    if choice not in CHOICES:
        raise ValueError(f"unknown RSVP choice {choice!r}")
    row = await session.scalar(
        select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.user_id == user_id)
    )
    previous = row.status if row is not None else None
    status = choice
    if choice == GOING and previous in (GOING, WAITLIST):
        status = previous
    elif (
        choice == GOING
        and event.capacity is not None
        and await _going_count(session, event.id) >= event.capacity
    ):
        status = WAITLIST
    changed = status != previous
    if row is None:
        row = Rsvp(event_id=event.id, user_id=user_id, status=status, responded_at=now)
        session.add(row)
    elif changed:
        row.status, row.responded_at = status, now
    await session.flush()
    promoted = await promote(session, event, now) if previous == GOING and changed else ()
    position = None
    if status == WAITLIST:
        position = (await members_with(session, event.id, [WAITLIST])).index(user_id) + 1
    return RsvpResult(status, changed, promoted, position)
