"""Community events as one service: each method is one unit of work of ``/event`` or of a job.

Every change runs in one ``db.transaction()``; reads use a plain session and write nothing;
no method waits on Discord. What comes back is a frozen dataclass (``EventView`` and what the
embeds and DMs need next to it), never an ORM row. Claiming reminders is the one exception to
the single transaction: the ledger commits each claim on its own, so that a reminder belongs
to whoever inserted it before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.events import SCHEDULED, Event
from bot.errors import UserError
from bot.events import reminders, service
from bot.events.rsvp import (
    GOING,
    MAYBE,
    WAITLIST,
    RsvpCounts,
    RsvpResult,
    members_with,
    rsvp_counts,
)
from bot.events.service import Draft, EventView, Upcoming
from bot.guilds import read_settings
from bot.ledger import Occurrence


@dataclass(frozen=True)
class Member:
    """Who acts on an event: their id, their roles and whether they have Manage Events."""

    user_id: int
    role_ids: frozenset[int]
    manage_events: bool


@dataclass(frozen=True)
class Preview:
    """A checked draft and the events' timezone its other readings are shown in."""

    draft: Draft
    tz: ZoneInfo


@dataclass(frozen=True)
class Saved:
    """An event after a change, and the server's language (its announcement and DMs)."""

    event: EventView
    lang: str


@dataclass(frozen=True)
class Rsvped(Saved):
    """A member's answer and the event it changed."""

    result: RsvpResult


@dataclass(frozen=True)
class Edited(Saved):
    """An edited event, who moved up from the waitlist, and the claimed notice of a change
    of time or place (None when neither changed)."""

    promoted: tuple[int, ...]
    change_notice: Occurrence | None


@dataclass(frozen=True)
class Cancelled(Saved):
    """A cancelled event and the members going or maybe going, to tell."""

    attendees: tuple[int, ...]


@dataclass(frozen=True)
class Announcement:
    """An event as its announcement shows it now: state (``service.UPCOMING``…), the
    occurrence shown, the next start to mirror as a Discord event (None when cancelled or
    over), RSVP counts, the first members going, and the server's language."""

    event: EventView
    state: str
    start: datetime
    next_start: datetime | None
    counts: RsvpCounts
    going: tuple[int, ...]
    lang: str


@dataclass(frozen=True)
class Listing:
    """Upcoming events with their RSVP counts, and the events' timezone."""

    items: tuple[Upcoming, ...]
    counts: dict[int, RsvpCounts]
    tz: ZoneInfo


@dataclass(frozen=True)
class CalendarData:
    """Events for an .ics file, their timezone and the server's reminder offsets (minutes)."""

    events: tuple[EventView, ...]
    tz: ZoneInfo
    alarms: tuple[int, ...]


@dataclass(frozen=True)
class ReminderClaims:
    """The reminders of an event claimed now, and when its next one falls due (None: the
    series is over, or the event is gone, cancelled or was never announced)."""

    occurrences: tuple[Occurrence, ...]
    next_due_at: datetime | None


@dataclass(frozen=True)
class Reminder:
    """A claimed reminder, start or end to send: the event, which one, to whom, in what
    language."""

    event: EventView
    due: reminders.Due
    recipients: tuple[int, ...]
    lang: str


@dataclass(frozen=True)
class ChangeNotice:
    """What changed about an event (old and new occurrence, length, place), whom to tell
    and in what language."""

    event: EventView
    old_start_at: datetime
    new_start_at: datetime
    old_duration_minutes: int
    new_duration_minutes: int
    old_place: str
    new_place: str
    recipients: tuple[int, ...]
    lang: str


class EventsService:
    """Plans, publishes, answers, edits, cancels and reminds of a server's events."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ------------------------------------------------------------------ planning
    async def prepare(
        self,
        guild_id: int,
        member: Member,
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
    ) -> Preview:
        """A checked draft for an organiser to preview (stores nothing); ``native_count`` is
        the server's Discord scheduled events."""
        now = self.clock.now()
        async with self.db.session() as session:
            await self._require_organiser(session, guild_id, member, now)
            draft = await service.prepare_event(
                session,
                guild_id,
                now,
                title=title,
                start=start,
                duration=duration,
                end=end,
                kind=kind,
                where=where,
                voice_channel_id=voice_channel_id,
                description=description,
                capacity=capacity,
                repeat=repeat,
                repeat_count=repeat_count,
                native_count=native_count,
            )
            return Preview(draft, await service.event_zone(session, guild_id, now))

    async def publish(
        self, guild_id: int, creator_id: int, draft: Draft, *, channel_id: int, native_count: int
    ) -> Saved:
        """Store a previewed draft, re-checked now, in the events channel (else in
        ``channel_id``, where it was planned); it exists for members once announced."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            event = await service.create_event(
                session,
                guild_id,
                creator_id,
                draft,
                now,
                channel_id=channel_id,
                native_count=native_count,
            )
            return Saved(EventView.of(event), await self._language(session, guild_id))

    async def discard(self, event_id: int) -> None:
        """Remove an event whose announcement could not be posted."""
        async with self.db.transaction() as session:
            await service.delete_event(session, event_id)

    async def record_announcement(
        self,
        event_id: int,
        *,
        message_id: int | None = None,
        thread_id: int | None = None,
        native_event_id: int | None = None,
    ) -> None:
        """Remember the announcement, its thread and the Discord scheduled event."""
        async with self.db.transaction() as session:
            await service.record_announcement(
                session,
                event_id,
                message_id=message_id,
                thread_id=thread_id,
                native_event_id=native_event_id,
            )

    async def warn_native_once(self, guild_id: int) -> bool:
        """Remember that the server was told the bot lacks Manage Events; True only the
        first time."""
        async with self.db.transaction() as session:
            return await service.mark_native_warned(session, guild_id, self.clock.now())

    # ------------------------------------------------------------------ members and organisers
    async def rsvp(self, guild_id: int, event_id: int, user_id: int, choice: str) -> Rsvped:
        """Record a member's Going / Maybe / Not going (see ``service.set_rsvp``)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            result = await service.set_rsvp(session, event_id, user_id, choice, now)
            event = await service.get_event(session, guild_id, event_id)
            return Rsvped(EventView.of(event), await self._language(session, guild_id), result)

    async def edit(
        self,
        guild_id: int,
        member: Member,
        event_id: int,
        *,
        title: str | None = None,
        start: str | None = None,
        duration: str | None = None,
        kind: str | None = None,
        where: str | None = None,
        voice_channel_id: int | None = None,
        description: str | None = None,
        capacity: int | None = None,
    ) -> Edited:
        """Change the given fields (an organiser who created it, or Manage Events)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await self._require_organiser(session, guild_id, member, now)
            changes = (title, start, duration, kind, where, voice_channel_id, description, capacity)
            if all(value is None for value in changes):
                raise UserError("events.nothing_to_change")
            result = await service.edit_event(
                session,
                guild_id,
                event_id,
                member.user_id,
                member.manage_events,
                now,
                title=title,
                start=start,
                duration=duration,
                kind=kind,
                where=where,
                voice_channel_id=voice_channel_id,
                description=description,
                capacity=capacity,
            )
            lang = await self._language(session, guild_id)
            return Edited(result.event, lang, result.promoted, result.change_notice)

    async def cancel(self, guild_id: int, member: Member, event_id: int) -> Cancelled:
        """Cancel an event (an organiser who created it, or Manage Events)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await self._require_organiser(session, guild_id, member, now)
            event, attendees = await service.cancel_event(
                session, guild_id, event_id, member.user_id, member.manage_events, now
            )
            lang = await self._language(session, guild_id)
            return Cancelled(event, lang, tuple(attendees))

    # ------------------------------------------------------------------ reading
    async def announcement(self, event_id: int) -> Announcement | None:
        """The event as its announcement should show it now (None once deleted)."""
        async with self.db.session() as session:
            event = await session.get(Event, event_id)
            return await self._announcement(session, event) if event is not None else None

    async def info(self, guild_id: int, event_id: int) -> Announcement:
        """The server's announced event ``event_id`` as it stands now (``/event info``)."""
        async with self.db.session() as session:
            return await self._announcement(
                session, await service.get_event(session, guild_id, event_id)
            )

    async def upcoming(
        self, guild_id: int, *, within: timedelta | None = None, limit: int = 25
    ) -> Listing:
        """Announced events whose next or running occurrence starts within ``within`` (all
        when None), soonest first, with their counts."""
        now = self.clock.now()
        until = now + within if within is not None else None
        async with self.db.session() as session:
            items = await service.upcoming_events(session, guild_id, now, until=until, limit=limit)
            counts = await rsvp_counts(session, [item.event.id for item in items])
            tz = await service.event_zone(session, guild_id, now)
        return Listing(tuple(items), counts, tz)

    async def calendar(self, guild_id: int, event_id: int | None = None) -> CalendarData:
        """One event, or every upcoming one (up to 100), for an .ics file."""
        now = self.clock.now()
        async with self.db.session() as session:
            config = await service.read_event_config(session, guild_id, now)
            if event_id is not None:
                events = [EventView.of(await service.get_event(session, guild_id, event_id))]
            else:
                upcoming = await service.upcoming_events(session, guild_id, now, limit=100)
                events = [item.event for item in upcoming]
            tz = await service.event_zone(session, guild_id, now)
        return CalendarData(tuple(events), tz, service.offsets_of(config))

    # ------------------------------------------------------------------ reminders
    async def reminder_event_ids(self, guild_id: int | None = None) -> list[int]:
        """Events (of one server, or all) that may still have reminders to send."""
        async with self.db.session() as session:
            return await reminders.active_event_ids(session, self.clock.now(), guild_id)

    async def claim_reminders(self, event_id: int) -> ReminderClaims:
        """Claim the event's reminders, start and end that are due now (each exactly once)
        and say when its next one falls due."""
        now = self.clock.now()
        async with self.db.session() as session:
            event = await session.get(Event, event_id)
            if event is None or event.status != SCHEDULED or not service.is_announced(event):
                return ReminderClaims((), None)
            tz = await service.event_zone(session, event.guild_id, now)
            config = await service.read_event_config(session, event.guild_id, now)
            offsets = service.offsets_of(config)
            claimed = await reminders.claim_due(session, event, tz, offsets, now)
            guild_id, start_at, rrule = event.guild_id, event.start_at, event.rrule
            every = reminders.with_end(offsets, event.duration_minutes)
        upcoming = reminders.next_due(start_at, tz, rrule, every, now)
        return ReminderClaims(
            tuple(
                Occurrence(guild_id, reminders.LEDGER_KIND, due.key(event_id)) for due in claimed
            ),
            upcoming.due_at if upcoming is not None else None,
        )

    async def reminder(self, key: str) -> Reminder | None:
        """The claimed reminder ``key`` names (None once its event is gone or not scheduled):
        the start pings the members going, a reminder also those who may come."""
        event_id, due = reminders.parse_key(key)
        async with self.db.session() as session:
            event = await session.get(Event, event_id)
            if event is None or event.status != SCHEDULED:
                return None
            statuses = [GOING] if due.offset == 0 else [GOING, MAYBE]
            recipients = await members_with(session, event_id, statuses)
            lang = await self._language(session, event.guild_id)
            return Reminder(EventView.of(event), due, tuple(recipients), lang)

    async def change_notice(self, key: str) -> ChangeNotice | None:
        """The change ``key`` names and the members going or waitlisted to tell (None once
        the event or the change is gone)."""
        async with self.db.session() as session:
            found = await service.get_change(session, key)
            if found is None:
                return None
            event, change = found
            recipients = await members_with(session, event.id, [GOING, WAITLIST])
            return ChangeNotice(
                EventView.of(event),
                change.old_start_at,
                change.new_start_at,
                change.old_duration_minutes,
                change.new_duration_minutes,
                change.old_place,
                change.new_place,
                tuple(recipients),
                await self._language(session, event.guild_id),
            )

    # ------------------------------------------------------------------ helpers
    async def _language(self, session: AsyncSession, guild_id: int) -> str:
        return (await read_settings(session, guild_id, self.clock.now())).language

    async def _require_organiser(
        self, session: AsyncSession, guild_id: int, member: Member, now: datetime
    ) -> None:
        config = await service.read_event_config(session, guild_id, now)
        service.require_organiser(config, member.role_ids, member.manage_events)

    async def _announcement(self, session: AsyncSession, row: Event) -> Announcement:
        now = self.clock.now()
        event = EventView.of(row)
        tz = await service.event_zone(session, event.guild_id, now)
        state, start = service.shown_state(event, tz, now)
        counts = (await rsvp_counts(session, [event.id]))[event.id]
        going = await members_with(session, event.id, [GOING], limit=service.MAX_NAMED)
        following = service.next_start(event, tz, now) if event.status == SCHEDULED else None
        lang = await self._language(session, event.guild_id)
        return Announcement(event, state, start, following, counts, tuple(going), lang)
