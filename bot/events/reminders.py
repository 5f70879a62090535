"""Event reminders: offsets, when each reminder falls due, and claiming them exactly once.

A reminder is one ``(occurrence, offset)`` pair: ``offset`` minutes before an occurrence
starts. Offset 0 is the "starting now" post (the announcement turns live); a negative offset,
minus the event's length, is its end (the announcement turns "ended", or shows the next
occurrence of a repeat). Occurrences of a repeating event come from
``bot.events.recurrence`` (expanded in the guild's local time, so DST moves their UTC time);
the ledger key ``<event_id>:<occurrence UTC>:<offset>`` makes each one go out at most once,
whatever restarts, duplicate triggers or clock changes happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import ledger
from bot.db.events import SCHEDULED, Event
from bot.errors import UserError
from bot.events.recurrence import next_occurrence, occurrences
from bot.events.rules import MAX_DURATION
from bot.events.timeparse import TimeParseError, parse_duration

LEDGER_KIND = "event_reminder"
GRACE = timedelta(minutes=30)
MAX_OFFSETS = 5
MAX_OFFSET = timedelta(days=7)
_TICK = timedelta(microseconds=1)


# ---------------------------------------------------------------------------- offsets
def parse_offsets(text: str) -> tuple[int, ...]:
    """``"24h,15m"`` → (1440, 15) minutes, largest first; ``"none"`` → (); raises UserError."""
    parts = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    if [part.lower() for part in parts] in (["none"], ["off"]):
        return ()
    minutes: set[int] = set()
    for part in parts:
        try:
            length = parse_duration(part)
        except TimeParseError:
            raise UserError("events.bad_reminders", value=text) from None
        if length > MAX_OFFSET or length < timedelta(minutes=1):
            raise UserError("events.bad_reminders", value=text)
        minutes.add(int(length.total_seconds() // 60))
    if not minutes or len(minutes) > MAX_OFFSETS:
        raise UserError("events.bad_reminders", value=text)
    return tuple(sorted(minutes, reverse=True))


def format_offsets(offsets: tuple[int, ...]) -> str:
    """(1440, 90, 15) → ``"24h, 1h30m, 15m"``; () → ``"none"``."""
    parts = []
    for offset in offsets:
        hours, minutes = divmod(offset, 60)
        parts.append((f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else ""))
    return ", ".join(parts) or "none"


def with_end(offsets: tuple[int, ...], duration_minutes: int) -> tuple[int, ...]:
    """The reminder offsets and the occurrence's end (``-duration_minutes``)."""
    return (*offsets, -duration_minutes)


# ---------------------------------------------------------------------------- due times
@dataclass(frozen=True, order=True)
class Due:
    """One reminder: when it is due, for which occurrence, how many minutes before it."""

    due_at: datetime
    occurrence: datetime
    offset: int

    def key(self, event_id: int) -> str:
        """The ledger key ``<event_id>:<occurrence ISO UTC>:<offset minutes>``."""
        return f"{event_id}:{self.occurrence:%Y-%m-%dT%H:%M}Z:{self.offset}"


def due_between(
    start_utc: datetime,
    tz: ZoneInfo,
    rrule: str | None,
    offsets: tuple[int, ...],
    after: datetime,
    until: datetime,
) -> list[Due]:
    """Every reminder (the offsets and "starting now") with ``after < due_at <= until``."""
    found = []
    for offset in (*offsets, 0):
        delta = timedelta(minutes=offset)
        for occurrence in occurrences(
            start_utc, tz, rrule, after + delta + _TICK, until + delta + _TICK
        ):
            found.append(Due(occurrence - delta, occurrence, offset))
    return sorted(found)


def next_due(
    start_utc: datetime,
    tz: ZoneInfo,
    rrule: str | None,
    offsets: tuple[int, ...],
    after: datetime,
) -> Due | None:
    """The first reminder due strictly after ``after``, or None when the series is over."""
    candidates = []
    for offset in (*offsets, 0):
        delta = timedelta(minutes=offset)
        occurrence = next_occurrence(start_utc, tz, rrule, after + delta)
        if occurrence is not None:
            candidates.append(Due(occurrence - delta, occurrence, offset))
    return min(candidates, default=None)


def sendable(due: Due, now: datetime, grace: timedelta = GRACE) -> bool:
    """Whether a due reminder still makes sense at ``now``.

    Within ``grace`` of its time, and an advance reminder only while the occurrence has not
    started (no "starts in 15 minutes" after the start).
    """
    return now - grace < due.due_at <= now and (due.offset <= 0 or due.occurrence > now)


def window_end(due: Due, grace: timedelta = GRACE) -> datetime:
    """Until when a reminder may still go out: an advance one until the occurrence starts,
    the "starting now" post and the end within ``grace`` of their time."""
    return due.due_at + grace if due.offset <= 0 else due.occurrence


def parse_key(key: str) -> tuple[int, Due]:
    """``<event_id>:<occurrence ISO UTC>:<offset>`` → (event id, the Due it names)."""
    event_id, rest = key.split(":", 1)
    stamp, offset = rest.rsplit(":", 1)
    occurrence = datetime.strptime(stamp, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    minutes = int(offset)
    return int(event_id), Due(occurrence - timedelta(minutes=minutes), occurrence, minutes)


# ---------------------------------------------------------------------------- database
async def active_event_ids(
    session: AsyncSession, now: datetime, guild_id: int | None = None
) -> list[int]:
    """Announced, scheduled events that may still have reminders (repeating, or not long
    ended); an event whose announcement never went out gets none."""
    query = select(Event.id).where(
        Event.status == SCHEDULED,
        Event.message_id.is_not(None),
        or_(Event.rrule.is_not(None), Event.start_at > now - GRACE - MAX_DURATION),
    )
    if guild_id is not None:
        query = query.where(Event.guild_id == guild_id)
    return list(await session.scalars(query.order_by(Event.id)))


async def claim_due(
    session: AsyncSession,
    event: Event,
    tz: ZoneInfo,
    offsets: tuple[int, ...],
    now: datetime,
    grace: timedelta = GRACE,
) -> list[Due]:
    """Claim (and commit) every reminder of ``event`` that is due and not claimed yet, its
    start and its end included (see ``with_end``).

    Reminders due before the event was created, or more than ``grace`` ago, are skipped.
    """
    after = max(now - grace, event.created_at)
    claimed = []
    every = with_end(offsets, event.duration_minutes)
    for due in due_between(event.start_at, tz, event.rrule, every, after, now):
        if sendable(due, now, grace) and await ledger.claim(
            session,
            event.guild_id,
            LEDGER_KIND,
            due.key(event.id),
            now,
            channel_id=event.thread_id or event.channel_id,
            expires_at=window_end(due, grace),
        ):
            claimed.append(due)
    return claimed
