"""Community events over the database: configure, prepare, publish, RSVP, edit, cancel, list.

Every function takes a session and an explicit ``now`` and never commits: each runs inside
the caller's unit of work (``EventsService`` opens one transaction per change). Rows stay in
``bot.events``; embeds, DMs and calendars get an ``EventView``. Problems the organiser or
member can fix raise ``UserError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import ledger
from bot.db.events import CANCELLED, SCHEDULED, Event, EventChange, EventConfig
from bot.db.models import ScheduledPost
from bot.errors import UserError
from bot.events.ical import IcalEvent
from bot.events.recurrence import Repeat, next_occurrence, occurrences
from bot.events.reminders import format_offsets, parse_offsets
from bot.events.rsvp import GOING, MAYBE, RsvpResult, answer, locked_event, members_with, promote
from bot.events.rules import (
    MAX_CAPACITY,
    MAX_TITLE,
    UNBOUNDED_REPEAT_LIMIT,
    EventRuleError,
    validate_event_fields,
)
from bot.events.timeparse import TimeParseError, parse_duration, read_start
from bot.formatting import discord_timestamp
from bot.guilds import config_for_change, read_config, read_settings
from bot.questions.schedule import ScheduleError, parse_timezone

KINDS: tuple[str, ...] = ("talk", "contest", "seminar", "ama", "meetup")
DEFAULT_DURATION = timedelta(hours=1)
MAX_NAMED = 15  # attendees named on an announcement; the rest are counted
UPCOMING, LIVE, ENDED = "upcoming", "live", "ended"  # what an announcement shows (or CANCELLED)
CHANGE_KIND = "event_change"  # ledger kind: members told of a time or place change
CHANGE_WINDOW = timedelta(days=1)
SERVER_TIMEZONE = "server"  # /config events timezone: back to the server's timezone


# ---------------------------------------------------------------------------- configuration
def _default_event_config(guild_id: int, now: datetime) -> EventConfig:
    return EventConfig(
        guild_id=guild_id, reminder_offsets="1440,15", native_warned=False, updated_at=now
    )


async def read_event_config(session: AsyncSession, guild_id: int, now: datetime) -> EventConfig:
    """The guild's event settings, or the defaults (not added: reads never write)."""
    return await read_config(session, EventConfig, guild_id, now, _default_event_config)


async def get_event_config(session: AsyncSession, guild_id: int, now: datetime) -> EventConfig:
    """The guild's event settings for a change, created with defaults on first use."""
    return await config_for_change(session, EventConfig, guild_id, now, _default_event_config)


async def configure_events(
    session: AsyncSession,
    guild_id: int,
    now: datetime,
    *,
    reminders: str | None = None,
    organiser_role_id: int | None = None,
    channel_id: int | None = None,
    timezone: str | None = None,
) -> EventConfig:
    """Change what was given (reminder offsets like ``"24h,15m"``, an IANA timezone or
    ``"server"`` for the server's); validates everything first."""
    offsets = parse_offsets(reminders) if reminders is not None else None
    zone = None
    if timezone is not None and timezone.strip().lower() != SERVER_TIMEZONE:
        try:
            zone = parse_timezone(timezone).key
        except ScheduleError as exc:
            raise UserError("daily.unknown_timezone", value=exc.value) from None
    config = await get_event_config(session, guild_id, now)
    if timezone is not None:
        config.timezone = zone
    if offsets is not None:
        config.reminder_offsets = ",".join(map(str, offsets))
    if organiser_role_id is not None:
        config.organiser_role_id = organiser_role_id
    if channel_id is not None:
        config.channel_id = channel_id
    config.updated_at = now
    return config


def offsets_of(config: EventConfig) -> tuple[int, ...]:
    """The configured reminder offsets in minutes, largest first."""
    return tuple(int(part) for part in config.reminder_offsets.split(",") if part)


def describe_offsets(config: EventConfig) -> str:
    """The offsets as typed (``24h, 15m``)."""
    return format_offsets(offsets_of(config))


async def event_zone(session: AsyncSession, guild_id: int, now: datetime) -> ZoneInfo:
    """The timezone of the guild's events: their own (``/config events timezone:``), else
    the server's."""
    config = await read_event_config(session, guild_id, now)
    return ZoneInfo(config.timezone or (await read_settings(session, guild_id, now)).timezone)


async def mark_native_warned(session: AsyncSession, guild_id: int, now: datetime) -> bool:
    """Remember that the guild was told about Manage Events; True only the first time."""
    config = await get_event_config(session, guild_id, now)
    first = not config.native_warned
    config.native_warned = True
    return first


# ---------------------------------------------------------------------------- permissions
def require_organiser(config: EventConfig, role_ids: Iterable[int], manage_events: bool) -> None:
    """Manage Events or the configured organiser role, else UserError."""
    if manage_events or (
        config.organiser_role_id is not None and config.organiser_role_id in set(role_ids)
    ):
        return
    raise UserError("events.not_organiser")


def require_owner(event: Event, user_id: int, manage_events: bool) -> None:
    """Only the creator or Manage Events may change an event."""
    if not manage_events and event.creator_id != user_id:
        raise UserError("events.not_yours", creator=f"<@{event.creator_id}>")


# ---------------------------------------------------------------------------- drafts
@dataclass(frozen=True)
class Draft:
    """A parsed, validated event not stored yet (shown as a preview before publishing)."""

    title: str
    start_at: datetime
    duration: timedelta
    kind: str
    location: str | None
    voice_channel_id: int | None
    description: str
    capacity: int | None
    rrule: str | None
    alternatives: tuple[datetime, ...] = ()  # other readings of the typed start

    def choose(self, start: datetime) -> Draft:
        """The draft starting at another reading of its start (same length)."""
        readings = sorted({self.start_at, *self.alternatives})
        if start not in readings:
            raise ValueError(f"{start} is not a reading of the draft's start")
        return replace(self, start_at=start, alternatives=tuple(r for r in readings if r != start))


def _time_error(exc: TimeParseError, typed: str) -> UserError:
    readings = " / ".join(
        f"{discord_timestamp(moment, 'F')} ({discord_timestamp(moment, 'R')})"
        for moment in exc.readings
    )
    if exc.code == "ambiguous" and readings:
        return UserError("events.time.ambiguous_readings", readings=readings)
    if exc.code == "ambiguous_date":
        first, second = exc.readings
        return UserError(
            "events.time.ambiguous_date",
            value=typed,
            first=discord_timestamp(first, "D"),
            second=discord_timestamp(second, "D"),
            first_iso=exc.dates[0].isoformat(),
            second_iso=exc.dates[1].isoformat(),
        )
    if exc.code in ("in_past", "too_far"):
        return UserError(f"events.time.{exc.code}", when=readings or f"`{typed}`")
    return UserError(f"events.time.{exc.code}", value=typed)


def _rule_error(exc: EventRuleError) -> UserError:
    limits = {"title_too_long": f"{MAX_TITLE}", "capacity_too_large": f"{MAX_CAPACITY:,}"}
    limit = limits.get(exc.code, f"{UNBOUNDED_REPEAT_LIMIT}")
    return UserError(f"events.rule.{exc.code}", limit=limit)


def _validate(draft: Draft, now: datetime, active_count: int) -> None:
    try:
        validate_event_fields(
            draft.title,
            draft.start_at,
            draft.duration,
            draft.capacity,
            draft.rrule,
            now,
            active_count,
            draft.location,
        )
    except EventRuleError as exc:
        raise _rule_error(exc) from None


def read_start_text(
    text: str, tz: ZoneInfo, now: datetime
) -> tuple[datetime, tuple[datetime, ...]]:
    """A start typed in the events' timezone: the UTC start and its other plausible readings
    (``next friday`` on a Tuesday); raises UserError."""
    try:
        reading = read_start(text, tz, now)
    except TimeParseError as exc:
        raise _time_error(exc, text) from None
    return reading.start, reading.alternatives


def parse_start_text(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """A start typed in the events' timezone (UTC result); raises UserError."""
    return read_start_text(text, tz, now)[0]


def parse_length(
    duration: str | None, end: str | None, start_at: datetime, tz: ZoneInfo, now: datetime
) -> timedelta:
    """The length from a duration (``90m``) or an end time, default one hour; raises UserError."""
    if duration is not None and end is not None:
        raise UserError("events.duration_and_end")
    if end is not None:
        return parse_start_text(end, tz, now) - start_at
    if duration is None:
        return DEFAULT_DURATION
    try:
        return parse_duration(duration)
    except TimeParseError as exc:
        raise _time_error(exc, duration) from None


def _where(where: str | None, voice_channel_id: int | None) -> str | None:
    if where is not None and voice_channel_id is not None:
        raise UserError("events.where_both")
    if where is None and voice_channel_id is None:
        raise UserError("events.where_required")
    return where.strip() if where is not None else None


async def active_event_count(
    session: AsyncSession, guild_id: int, now: datetime, exclude: int | None = None
) -> int:
    """Scheduled events of the guild that are repeating or not over yet."""
    query = (
        select(func.count())
        .select_from(Event)
        .where(
            Event.guild_id == guild_id,
            Event.status == SCHEDULED,
            or_(Event.rrule.is_not(None), Event.start_at > now - timedelta(days=7)),
        )
    )
    if exclude is not None:
        query = query.where(Event.id != exclude)
    return int(await session.scalar(query) or 0)


async def prepare_event(
    session: AsyncSession,
    guild_id: int,
    now: datetime,
    *,
    title: str,
    start: str,
    duration: str | None = None,
    end: str | None = None,
    kind: str = "talk",
    where: str | None = None,
    voice_channel_id: int | None = None,
    description: str | None = None,
    capacity: int | None = None,
    repeat: str | None = None,
    repeat_count: int | None = None,
    native_count: int = 0,
) -> Draft:
    """Parse and validate a new event in the events' timezone; stores nothing.

    ``native_count`` is the guild's Discord scheduled events (the 100-event limit counts
    them too). Raises UserError with a key under ``events.``.
    """
    if kind not in KINDS:
        raise UserError("events.unknown_kind", kinds=", ".join(KINDS))
    tz = await event_zone(session, guild_id, now)
    start_at, alternatives = read_start_text(start, tz, now)
    length = parse_length(duration, end, start_at, tz, now)
    try:
        rrule = Repeat(repeat or "none").to_rrule(count=repeat_count if repeat else None)
    except ValueError:
        raise UserError("events.rule.bad_rrule") from None
    draft = Draft(
        title.strip(),
        start_at,
        length,
        kind,
        _where(where, voice_channel_id),
        voice_channel_id,
        (description or "").strip()[:1000],
        capacity,
        rrule,
        alternatives,
    )
    count = max(await active_event_count(session, guild_id, now), native_count)
    _validate(draft, now, count)
    return draft


async def create_event(
    session: AsyncSession,
    guild_id: int,
    creator_id: int,
    draft: Draft,
    now: datetime,
    *,
    channel_id: int,
    native_count: int = 0,
) -> Event:
    """Store a previewed draft, re-checked at ``now`` (it may have gone stale), in the
    events channel, else in ``channel_id`` (where it was planned)."""
    config = await get_event_config(session, guild_id, now)
    count = max(await active_event_count(session, guild_id, now), native_count)
    _validate(draft, now, count)
    event = Event(
        guild_id=guild_id, creator_id=creator_id, title=draft.title,
        description=draft.description, kind=draft.kind, start_at=draft.start_at,
        duration_minutes=int(draft.duration.total_seconds() // 60), location=draft.location,
        voice_channel_id=draft.voice_channel_id, capacity=draft.capacity, rrule=draft.rrule,
        status=SCHEDULED, sequence=0, channel_id=config.channel_id or channel_id,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(event)
    await session.flush()
    return event


async def delete_event(session: AsyncSession, event_id: int) -> None:
    """Remove an event whose announcement could not be posted."""
    event = await session.get(Event, event_id)
    if event is not None:
        await session.delete(event)


async def record_announcement(
    session: AsyncSession,
    event_id: int,
    *,
    message_id: int | None = None,
    thread_id: int | None = None,
    native_event_id: int | None = None,
) -> None:
    """Remember the announcement, its thread and the Discord scheduled event."""
    event = await session.get(Event, event_id)
    if event is None:
        return
    if message_id is not None:
        event.message_id = message_id
    if thread_id is not None:
        event.thread_id = thread_id
    if native_event_id is not None:
        event.native_event_id = native_event_id


# ---------------------------------------------------------------------------- reading
# An event exists for members and for the scheduler once its announcement went out: one
# saved but never announced (the process died in between) is never listed, reminded of or
# started, and `/event info` does not find it.
ANNOUNCED = Event.message_id.is_not(None)


def is_announced(event: Event) -> bool:
    """Whether the event's announcement was posted (see ``ANNOUNCED``)."""
    return event.message_id is not None


@dataclass(frozen=True)
class EventView:
    """An event as embeds, DMs, calendars and the Discord event mirror see it (a copy of its
    row, so no ORM object leaves the service)."""

    id: int
    guild_id: int
    creator_id: int
    title: str
    description: str
    kind: str
    start_at: datetime  # the first occurrence
    duration_minutes: int
    location: str | None
    voice_channel_id: int | None
    capacity: int | None
    rrule: str | None
    status: str
    sequence: int
    channel_id: int
    message_id: int | None
    thread_id: int | None
    native_event_id: int | None
    updated_at: datetime

    @classmethod
    def of(cls, event: Event) -> EventView:
        """The view of a row."""
        return cls(**{field: getattr(event, field) for field in cls.__dataclass_fields__})


def duration_of(event: EventView) -> timedelta:
    """The event's length."""
    return timedelta(minutes=event.duration_minutes)


def next_start(event: EventView, tz: ZoneInfo, after: datetime) -> datetime | None:
    """The first occurrence starting strictly after ``after``, or None when over."""
    return next_occurrence(event.start_at, tz, event.rrule, after)


def current_or_next_start(event: EventView, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The occurrence running at ``now``, else the next one; None when the series is over."""
    return next_start(event, tz, now - duration_of(event))


def shown_state(event: EventView, tz: ZoneInfo, now: datetime) -> tuple[str, datetime]:
    """What the announcement shows at ``now`` and for which occurrence: ``LIVE`` (running),
    ``UPCOMING`` (the next one), ``ENDED`` (the last one is over) or ``CANCELLED``."""
    start = current_or_next_start(event, tz, now)
    if event.status == CANCELLED:
        return CANCELLED, start or event.start_at
    if start is None:
        past = occurrences(event.start_at, tz, event.rrule, event.start_at, now)
        return ENDED, past[-1] if past else event.start_at
    return (LIVE if start <= now else UPCOMING), start


def jump_url(event: EventView) -> str | None:
    """The web link of the event's announcement (None before it is posted)."""
    if event.message_id is None:
        return None
    return f"https://discord.com/channels/{event.guild_id}/{event.channel_id}/{event.message_id}"


def place_text(location: str | None, voice_channel_id: int | None) -> str:
    """The event's place as members see it: a channel mention, a link or an address."""
    return f"<#{voice_channel_id}>" if voice_channel_id is not None else location or "—"


async def get_event(session: AsyncSession, guild_id: int, event_id: int) -> Event:
    """The guild's announced event ``event_id`` or UserError ``events.not_found``."""
    event = await session.get(Event, event_id)
    if event is None or event.guild_id != guild_id or not is_announced(event):
        raise UserError("events.not_found", id=event_id)
    return event


@dataclass(frozen=True)
class Upcoming:
    """A scheduled event and the start of its next (or running) occurrence."""

    event: EventView
    start: datetime


async def upcoming_events(
    session: AsyncSession,
    guild_id: int,
    now: datetime,
    *,
    until: datetime | None = None,
    limit: int = 25,
) -> list[Upcoming]:
    """Announced, scheduled events whose next or running occurrence starts before ``until``,
    soonest first."""
    tz = await event_zone(session, guild_id, now)
    events = await session.scalars(
        select(Event).where(
            Event.guild_id == guild_id,
            Event.status == SCHEDULED,
            ANNOUNCED,
            or_(Event.rrule.is_not(None), Event.start_at > now - timedelta(days=7)),
        )
    )
    found = []
    for event in map(EventView.of, events):
        start = current_or_next_start(event, tz, now)
        if start is not None and (until is None or start < until):
            found.append(Upcoming(event, start))
    found.sort(key=lambda item: (item.start, item.event.id))
    return found[:limit]


# ---------------------------------------------------------------------------- RSVP
async def set_rsvp(
    session: AsyncSession, event_id: int, user_id: int, choice: str, now: datetime
) -> RsvpResult:
    """Record a member's Going / Maybe / Not going while the event takes answers (see
    ``rsvp.answer``)."""
    event = await locked_event(session, event_id)
    if event is None:
        raise UserError("events.not_found", id=event_id)
    if event.status == CANCELLED:
        raise UserError("rsvp.cancelled", title=event.title)
    tz = await event_zone(session, event.guild_id, now)
    if current_or_next_start(EventView.of(event), tz, now) is None:
        raise UserError("rsvp.ended", title=event.title)
    return await answer(session, event, user_id, choice, now)


# ---------------------------------------------------------------------------- edit, cancel
@dataclass(frozen=True)
class EditResult:
    """An edited event, who moved up from the waitlist, and the claimed ledger occurrence
    that tells its members of a time or place change (None when neither changed)."""

    event: EventView
    promoted: tuple[int, ...]
    change_notice: ledger.Occurrence | None


async def edit_event(
    session: AsyncSession,
    guild_id: int,
    event_id: int,
    user_id: int,
    manage_events: bool,
    now: datetime,
    *,
    title: str | None = None,
    start: str | None = None,
    duration: str | None = None,
    kind: str | None = None,
    where: str | None = None,
    voice_channel_id: int | None = None,
    description: str | None = None,
    capacity: int | None = None,
) -> EditResult:
    """Change the given fields of an upcoming event after validating all of them."""
    event = await get_event(session, guild_id, event_id)
    require_owner(event, user_id, manage_events)
    if event.status == CANCELLED:
        raise UserError("events.cancelled_already", title=event.title)
    tz = await event_zone(session, guild_id, now)
    before = EventView.of(event)
    upcoming = current_or_next_start(before, tz, now)
    if upcoming is None:
        raise UserError("events.ended", title=event.title)
    if kind is not None and kind not in KINDS:
        raise UserError("events.unknown_kind", kinds=", ".join(KINDS))
    start_at = parse_start_text(start, tz, now) if start is not None else event.start_at
    length = parse_length(duration, None, start_at, tz, now) if duration else duration_of(before)
    location, voice = event.location, event.voice_channel_id
    if where is not None or voice_channel_id is not None:
        location, voice = _where(where, voice_channel_id), voice_channel_id
    draft = Draft(
        title.strip() if title is not None else event.title,
        start_at,
        length,
        kind or event.kind,
        location,
        voice,
        description.strip()[:1000] if description is not None else event.description,
        capacity if capacity is not None else event.capacity,
        event.rrule,
    )
    # An unchanged start is checked as its coming occurrence (a running one counts as now).
    checked = (
        draft
        if start is not None
        else replace(draft, start_at=max(upcoming, now + timedelta(minutes=1)))
    )
    _validate(checked, now, await active_event_count(session, guild_id, now, exclude=event.id))
    change = EventChange(
        event_id=event.id,
        old_start_at=upcoming,
        old_duration_minutes=event.duration_minutes,
        old_place=place_text(event.location, event.voice_channel_id),
        created_at=now,
    )
    event.title, event.start_at, event.kind = draft.title, draft.start_at, draft.kind
    event.duration_minutes = int(length.total_seconds() // 60)
    event.location, event.voice_channel_id = draft.location, draft.voice_channel_id
    event.description, event.capacity = draft.description, draft.capacity
    event.sequence += 1
    event.updated_at = now
    await session.flush()
    promoted = await promote(session, event, now)
    after = EventView.of(event)
    return EditResult(after, promoted, await _record_change(session, after, change, tz, now))


async def _record_change(
    session: AsyncSession, event: EventView, change: EventChange, tz: ZoneInfo, now: datetime
) -> ledger.Occurrence | None:
    """Store a change of time or place and claim telling the members of it, in the edit's
    transaction (the key is new, so the claim cannot conflict); None when neither changed."""
    change.new_start_at = current_or_next_start(event, tz, now) or event.start_at
    change.new_duration_minutes = event.duration_minutes
    change.new_place = place_text(event.location, event.voice_channel_id)
    if (change.old_start_at, change.old_duration_minutes, change.old_place) == (
        change.new_start_at,
        change.new_duration_minutes,
        change.new_place,
    ):
        return None
    session.add(change)
    await session.flush()
    key = f"{event.id}:{change.id}"
    ends = change.new_start_at + duration_of(event)
    window = min(now + CHANGE_WINDOW, max(ends, now + timedelta(hours=1)))
    channel_id = event.thread_id or event.channel_id
    values = ledger.claim_values(event.guild_id, CHANGE_KIND, key, now, channel_id, window)
    session.add(ScheduledPost(**values))
    return ledger.Occurrence(event.guild_id, CHANGE_KIND, key)


async def get_change(session: AsyncSession, key: str) -> tuple[Event, EventChange] | None:
    """The event and the change a ``CHANGE_KIND`` ledger key names (None once deleted)."""
    event_id, change_id = (int(part) for part in key.split(":"))
    change = await session.get(EventChange, change_id)
    event = await session.get(Event, event_id)
    if change is None or event is None or change.event_id != event.id:
        return None
    return event, change


async def cancel_event(
    session: AsyncSession,
    guild_id: int,
    event_id: int,
    user_id: int,
    manage_events: bool,
    now: datetime,
) -> tuple[EventView, list[int]]:
    """Cancel an event; returns it and the Going/Maybe members to tell."""
    event = await get_event(session, guild_id, event_id)
    require_owner(event, user_id, manage_events)
    if event.status == CANCELLED:
        raise UserError("events.cancelled_already", title=event.title)
    event.status = CANCELLED
    event.sequence += 1
    event.updated_at = now
    attendees = await members_with(session, event.id, [GOING, MAYBE])
    return EventView.of(event), attendees


# ---------------------------------------------------------------------------- iCal
def channel_url(guild_id: int, channel_id: int) -> str:
    """The web link of a Discord channel."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}"


def to_ical(
    event: EventView, tz: ZoneInfo, *, location_name: str = "", alarms: tuple[int, ...] = ()
) -> IcalEvent:
    """The iCal view of an event; ``location_name`` names its voice/stage channel, ``alarms``
    are the server's reminder offsets in minutes. Its URL leads back to the announcement."""
    url = jump_url(event)
    if url is None and event.voice_channel_id is not None:
        url = channel_url(event.guild_id, event.voice_channel_id)
    elif url is None and event.location and "://" in event.location:
        url = event.location
    return IcalEvent(
        id=event.id, guild_id=event.guild_id, title=event.title, kind=event.kind,
        start_utc=event.start_at, duration=duration_of(event), tz=tz,
        updated_at=event.updated_at,
        description="\n\n".join(part for part in (event.description, jump_url(event)) if part),
        location=event.location or location_name, url=url, rrule=event.rrule,
        cancelled=event.status == CANCELLED, sequence=event.sequence,
        alarms=tuple(timedelta(minutes=offset) for offset in alarms),
    )  # fmt: skip
