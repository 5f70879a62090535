"""/event: create (preview, then publish), RSVP, edit, cancel, list, info, iCal; reminders,
the live/ended state of announcements and change notices (each through the delivery ledger)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import discord
from apscheduler.triggers.date import DateTrigger
from discord import app_commands
from discord.ext import commands

from bot import ledger
from bot.client import AiclubBot, component_guard, send_ephemeral
from bot.db.events import Event
from bot.delivery import Kind, Undeliverable, is_transient
from bot.errors import UserError
from bot.events import reminders, service
from bot.events.ical import build_calendar
from bot.events.rules import MAX_CAPACITY
from bot.events.service import GOING, MAYBE, WAITLIST, Draft, place_text
from bot.formatting import discord_timestamp, human_duration
from bot.guilds import get_settings
from bot.i18n import t
from bot.interactions import guild_id_of
from bot.ledger import Occurrence
from bot.mentions import MAX_PINGS, ping_users, pings_in
from cogs._event_ui import (
    MAX_NAMED,
    PreviewView,
    RsvpButton,
    event_embed,
    list_embed,
    mentions,
    preview_embed,
    rsvp_view,
    when_text,
)

log = logging.getLogger(__name__)
KIND_CHOICES = [app_commands.Choice(name=kind, value=kind) for kind in service.KINDS]
REPEAT_CHOICES = [
    app_commands.Choice(name="weekly", value="weekly"),
    app_commands.Choice(name="every two weeks", value="biweekly"),
    app_commands.Choice(name="monthly", value="monthly"),
]
RANGE_CHOICES = [
    app_commands.Choice(name="next 7 days", value="week"),
    app_commands.Choice(name="next 30 days", value="month"),
    app_commands.Choice(name="all upcoming", value="upcoming"),
]
RANGES = {"week": timedelta(days=7), "month": timedelta(days=30), "upcoming": None}


MESSAGE_LIMIT = 2000


def mention_chunks(
    render: Callable[[str], str], user_ids: list[int]
) -> list[tuple[str, list[int]]]:
    """Messages mentioning ``user_ids`` (``render`` puts the space-separated mentions into
    the text), each within 2,000 characters and Discord's 100 pings, with whom each names."""
    chunks: list[tuple[str, list[int]]] = []
    batch: list[int] = []
    for user_id in user_ids:
        full = len(batch) >= MAX_PINGS or len(render(mentions([*batch, user_id]))) > MESSAGE_LIMIT
        if batch and full:
            chunks.append((render(mentions(batch))[:MESSAGE_LIMIT], batch))
            batch = []
        batch.append(user_id)
    if batch:
        chunks.append((render(mentions(batch))[:MESSAGE_LIMIT], batch))
    return chunks


def fallback_messages(lang: str, user_ids: list[int], text: str) -> list[str]:
    """The thread messages mentioning members with closed DMs, each under 2,000 characters."""
    return [
        chunk
        for chunk, _ids in mention_chunks(
            lambda names: t(lang, "events.dm_fallback", mentions=names, text=text), user_ids
        )
    ]


class Events(commands.Cog):
    """Community events with RSVPs, reminders and Discord scheduled events."""

    event = app_commands.Group(
        name="event", guild_only=True, description="Community events: talks, contests, meetups"
    )

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RsvpButton)
        self.bot.delivery.register(Kind(reminders.LEDGER_KIND, self._deliver_reminder))
        self.bot.delivery.register(Kind(service.CHANGE_KIND, self._deliver_change))
        await self.rebuild_jobs()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RsvpButton)

    # ------------------------------------------------------------------ reminders
    @commands.Cog.listener()
    async def on_daily_config_changed(self, guild_id: int) -> None:
        """The timezone may have changed: repeating events expand in local time."""
        await self.rebuild_jobs(guild_id)

    @commands.Cog.listener()
    async def on_event_config_changed(self, guild_id: int) -> None:
        """/config events changed the reminder offsets or the events' timezone."""
        await self.rebuild_jobs(guild_id)

    async def rebuild_jobs(self, guild_id: int | None = None) -> None:
        """Catch up on reminders due within the grace window and schedule each event's next."""
        async with self.bot.db.session() as session:
            event_ids = await reminders.active_event_ids(session, self.bot.clock.now(), guild_id)
        for event_id in event_ids:
            await self.run_reminders(event_id)

    async def run_reminders(self, event_id: int) -> None:
        """Send the event's due reminders, start and end (each exactly once), then schedule
        its next one."""
        now = self.bot.clock.now()
        job_id = f"events:reminders:{event_id}"
        async with self.bot.db.session() as session:
            event = await session.get(Event, event_id)
            if (
                event is None
                or event.status != service.SCHEDULED
                or not service.is_announced(event)  # never announced: no reminders
            ):
                self.bot.scheduler.remove_job(job_id)
                return
            tz = await service.event_zone(session, event.guild_id, now)
            offsets = service.offsets_of(
                await service.get_event_config(session, event.guild_id, now)
            )
            await session.commit()
            claimed = await reminders.claim_due(session, event, tz, offsets, now)
        for due in claimed:
            await self.bot.delivery.deliver(
                Occurrence(event.guild_id, reminders.LEDGER_KIND, due.key(event.id))
            )
        every = reminders.with_end(offsets, event.duration_minutes)
        upcoming = reminders.next_due(event.start_at, tz, event.rrule, every, now)
        if upcoming is None:
            self.bot.scheduler.remove_job(job_id)
            return

        async def fire() -> None:
            await self.run_reminders(event_id)

        self.bot.scheduler.add_job(job_id, DateTrigger(upcoming.due_at), fire)

    async def _deliver_reminder(self, occurrence: Occurrence) -> int | None:
        """Send one claimed reminder, start or end (first attempt or retry); raises on a fault.

        The start redraws the announcement (🔴 live) and then posts "starting now", pinging
        the members going; the end redraws it (ended, or the next occurrence). A redraw is
        idempotent (it shows the state at the time it runs), so a retry repeats it safely.
        """
        event_id, due = reminders.parse_key(occurrence.key)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            event = await session.get(Event, event_id)
            if event is None or event.status != service.SCHEDULED:
                raise Undeliverable(f"event {event_id} is no longer scheduled")
            lang = (await get_settings(session, event.guild_id, now)).language
            tz = await service.event_zone(session, event.guild_id, now)
            statuses = [GOING] if due.offset == 0 else [GOING, MAYBE]
            recipients = await service.members_with(session, event_id, statuses)
            await session.commit()
        if due.offset > 0:
            text = t(
                lang,
                "events.reminder",
                title=event.title,
                when=when_text(due.occurrence),
                where=place_text(event.location, event.voice_channel_id),
                link=service.jump_url(event) or "",
            )
            return await self._notify(event, recipients, text, lang, occurrence)
        await self._redraw(event, tz, lang)
        if due.offset < 0:
            return None  # the end: redrawing is all there is to do
        following = service.next_start(event, tz, now) if event.rrule else None
        if following is not None:
            await self._sync_native(event, following)  # the series' next Discord event
        return await self._post_start(event, recipients, lang, occurrence)

    async def _post_start(
        self, event: Event, going: list[int], lang: str, occurrence: Occurrence
    ) -> int:
        """The "starting now" post, pinging exactly the members going (in as many messages
        as 2,000 characters and 100 pings a message need); the first one's id."""
        text = t(
            lang,
            "events.starting_now",
            title=event.title,
            where=place_text(event.location, event.voice_channel_id),
            link=service.jump_url(event) or "",
        )
        chunks = mention_chunks(lambda names: f"{text}\n{names}", going) or [(text, [])]
        first: int | None = None
        for part, (content, user_ids) in enumerate(chunks):
            message = await self._post(
                event.channel_id,
                content if part == 0 else mentions(user_ids),  # the text once, then names
                allowed_mentions=ping_users(user_ids),
                nonce=ledger.nonce(occurrence, part),
            )
            first = first or message.id
        assert first is not None
        return first

    async def _deliver_change(self, occurrence: Occurrence) -> int | None:
        """Tell the members going or waitlisted what changed (time, length, place) by DM,
        in the thread for closed DMs; raises on a fault (the delivery retries)."""
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            found = await service.get_change(session, occurrence.key)
            if found is None:
                raise Undeliverable(f"change {occurrence.key} is gone")
            event, change = found
            lang = (await get_settings(session, event.guild_id, now)).language
            recipients = await service.members_with(session, event.id, [GOING, WAITLIST])
            await session.commit()
        lines = [t(lang, "events.changed_dm", title=event.title)]
        if change.old_start_at != change.new_start_at:
            old, new = (
                discord_timestamp(moment) for moment in (change.old_start_at, change.new_start_at)
            )
            lines.append(t(lang, "events.changed_when", old=old, new=new))
        if change.old_duration_minutes != change.new_duration_minutes:
            old, new = (
                human_duration(lang, timedelta(minutes=minutes))
                for minutes in (change.old_duration_minutes, change.new_duration_minutes)
            )
            lines.append(t(lang, "events.changed_duration", old=old, new=new))
        if change.old_place != change.new_place:
            lines.append(
                t(lang, "events.changed_where", old=change.old_place, new=change.new_place)
            )
        lines.append(service.jump_url(event) or "")
        return await self._notify(event, recipients, "\n".join(lines).strip(), lang, occurrence)

    # ------------------------------------------------------------------ Discord calls
    async def _post(self, channel_id: int, content: str | None, **kwargs: Any) -> discord.Message:
        channel = await self.bot.post_channel(channel_id)
        return await channel.send(content, **kwargs)

    async def _notify(
        self,
        event: Event,
        user_ids: list[int],
        text: str,
        lang: str,
        occurrence: Occurrence | None = None,
    ) -> int | None:
        """DM each member; those whose DMs are closed are mentioned in the event's thread,
        in as many messages as Discord's 2,000-character limit needs.

        Returns the id of the first thread post, if one was needed. A fault of the thread
        post, and a transient fault of a DM, propagate (the delivery retries or tells the
        admins); each send carries the occurrence's nonce so a retry does not repeat what
        already went out.
        """
        unreachable = []
        for user_id in user_ids:
            try:
                user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
                if occurrence is None:
                    await user.send(text)
                else:
                    await user.send(text, nonce=ledger.nonce(occurrence, f"dm:{user_id}"))
            except discord.HTTPException as exc:
                if occurrence is not None and is_transient(exc):
                    raise  # retried whole; the DMs that went out carry nonces, so none repeats
                if not isinstance(exc, discord.Forbidden):
                    log.warning("DM to %s failed: %s", user_id, exc)
                unreachable.append(user_id)
        if not unreachable:
            return None
        first: int | None = None
        for part, chunk in enumerate(fallback_messages(lang, unreachable, text)):
            extra: dict[str, Any] = {}
            if occurrence is not None:
                extra["nonce"] = ledger.nonce(occurrence, f"fallback:{part}")
            message = await self._post(
                event.thread_id or event.channel_id,
                chunk,
                allowed_mentions=pings_in(chunk, unreachable),
                **extra,
            )
            first = first or message.id
        return first

    async def _embed(self, event: Event, tz: ZoneInfo, lang: str) -> tuple[discord.Embed, str]:
        """The event's embed as it stands now (state, counts, who is going) and its state."""
        state, start = service.shown_state(event, tz, self.bot.clock.now())
        async with self.bot.db.session() as session:
            counts = (await service.rsvp_counts(session, [event.id]))[event.id]
            going = await service.members_with(session, event.id, [GOING], limit=MAX_NAMED)
        return event_embed(event, state, start, counts, lang, going), state

    async def _redraw(self, event: Event, tz: ZoneInfo, lang: str) -> None:
        """Edit the announcement to show the event as it stands now (idempotent).

        A deleted announcement or a lost permission is only logged (nothing to redraw); a
        transient fault propagates, so that a delivery retries it.
        """
        if event.message_id is None:
            return
        embed, state = await self._embed(event, tz, lang)
        view = rsvp_view(event.id, lang) if state in (service.UPCOMING, service.LIVE) else None
        try:
            channel = await self.bot.post_channel(event.channel_id)
            await channel.get_partial_message(event.message_id).edit(embed=embed, view=view)
        except (discord.NotFound, discord.Forbidden) as exc:
            log.warning("announcement of event %s not updated: %s", event.id, exc)

    async def _refresh(self, event: Event, tz: ZoneInfo, lang: str) -> bool:
        """Redraw the announcement and mirror the Discord event (best effort).

        False when the Discord event could not be mirrored for want of Manage Events.
        """
        try:
            await self._redraw(event, tz, lang)
        except discord.HTTPException as exc:
            log.warning("announcement of event %s not updated: %s", event.id, exc)
        start = service.next_start(event, tz, self.bot.clock.now())
        if event.status == service.SCHEDULED and start is not None:
            return await self._sync_native(event, start)
        return True

    async def _native(self, guild: discord.Guild, event: Event) -> discord.ScheduledEvent | None:
        if event.native_event_id is None:
            return None
        native = guild.get_scheduled_event(event.native_event_id)
        if native is None:
            try:
                native = await guild.fetch_scheduled_event(event.native_event_id)
            except discord.NotFound:
                return None
        return native

    async def _sync_native(self, event: Event, start: datetime) -> bool:
        """Mirror the event as a Discord scheduled event; False without Manage Events."""
        guild = self.bot.get_guild(event.guild_id)
        if guild is None:
            return True
        if not guild.me.guild_permissions.manage_events:
            return False
        fields: dict[str, Any] = {
            "name": event.title,
            "description": event.description[:1000],
            "start_time": start,
            "end_time": start + service.duration_of(event),
        }
        voice = guild.get_channel(event.voice_channel_id) if event.voice_channel_id else None
        if isinstance(voice, discord.StageChannel | discord.VoiceChannel):
            fields["channel"] = voice
            fields["entity_type"] = (
                discord.EntityType.stage_instance
                if isinstance(voice, discord.StageChannel)
                else discord.EntityType.voice
            )
        else:
            fields["entity_type"] = discord.EntityType.external
            fields["location"] = event.location or place_text(None, event.voice_channel_id)
        try:
            native = await self._native(guild, event)
            # A Discord event whose start has come belongs to an earlier occurrence: keep it.
            if (
                native is not None
                and native.status is discord.EventStatus.scheduled
                and native.start_time > self.bot.clock.now()
            ):
                await native.edit(**fields)
                return True
            native = await guild.create_scheduled_event(
                privacy_level=discord.PrivacyLevel.guild_only, **fields
            )
        except discord.Forbidden:
            return False
        except discord.HTTPException as exc:
            log.warning("scheduled event for event %s not synced: %s", event.id, exc)
            return True
        event.native_event_id = native.id
        async with self.bot.db.session() as session:
            await service.record_announcement(session, event.id, native_event_id=native.id)
        return True

    async def _cancel_native(self, event: Event) -> None:
        guild = self.bot.get_guild(event.guild_id)
        if guild is None or not guild.me.guild_permissions.manage_events:
            return
        try:
            native = await self._native(guild, event)
            if native is None:
                return
            if native.status is discord.EventStatus.scheduled:
                await native.cancel()
            else:
                await native.delete()
        except discord.HTTPException as exc:
            log.warning("scheduled event of event %s not cancelled: %s", event.id, exc)

    async def _native_warning(self, guild_id: int, mirrored: bool, lang: str) -> str:
        """The one-time note that the bot lacks Manage Events ('' once said, or when mirrored)."""
        if mirrored:
            return ""
        async with self.bot.db.session() as session:
            first = await service.mark_native_warned(session, guild_id, self.bot.clock.now())
        return "\n" + t(lang, "events.no_manage_events") if first else ""

    # ------------------------------------------------------------------ permissions
    async def _require_organiser(self, interaction: discord.Interaction) -> None:
        async with self.bot.db.session() as session:
            config = await service.get_event_config(
                session, guild_id_of(interaction), self.bot.clock.now()
            )
            await session.commit()
        roles = [role.id for role in getattr(interaction.user, "roles", [])]
        service.require_organiser(config, roles, interaction.permissions.manage_events)

    # ------------------------------------------------------------------ create
    @event.command(name="create", description="Plan an event; check a preview before it is posted")
    @app_commands.describe(
        title="Title (up to 100 characters)",
        start="When: 'next friday 8pm', '明天晚上8点', '2026-12-05 14:00' (events timezone)",
        duration="How long, e.g. 90m or 2h (default 1h, at most 7 days)",
        end="Or when it ends (instead of a duration)",
        kind="What kind of event",
        where="A link or an address (or pick a voice/stage channel instead)",
        channel="A voice or stage channel where it happens",
        description="What it is about",
        capacity="Places, 1 to 100,000 (extra members go on a waitlist)",
        repeat="Repeat the event",
        repeat_count="How many times in all (no end when empty)",
    )
    @app_commands.choices(kind=KIND_CHOICES, repeat=REPEAT_CHOICES)
    async def create(
        self,
        interaction: discord.Interaction,
        title: str,
        start: str,
        duration: str | None = None,
        end: str | None = None,
        kind: str = "talk",
        where: str | None = None,
        channel: discord.VoiceChannel | discord.StageChannel | None = None,
        description: str | None = None,
        capacity: app_commands.Range[int, 1, MAX_CAPACITY] | None = None,
        repeat: str | None = None,
        repeat_count: app_commands.Range[int, 1, 260] | None = None,
    ) -> None:
        await self._require_organiser(interaction)
        lang = await self.bot.lang_for(interaction)
        native_count = len(interaction.guild.scheduled_events) if interaction.guild else 0
        async with self.bot.db.session() as session:
            tz = await service.event_zone(session, guild_id_of(interaction), self.bot.clock.now())
            draft = await service.prepare_event(
                session,
                guild_id_of(interaction),
                self.bot.clock.now(),
                title=title,
                start=start,
                duration=duration,
                end=end,
                kind=kind,
                where=where,
                voice_channel_id=channel.id if channel else None,
                description=description,
                capacity=capacity,
                repeat=repeat,
                repeat_count=repeat_count,
                native_count=native_count,
            )
            await session.commit()

        async def publish(clicked: discord.Interaction, chosen: Draft) -> None:
            await self._publish(clicked, chosen, lang)

        async def discard(clicked: discord.Interaction) -> None:
            await clicked.response.edit_message(
                content=t(lang, "events.discarded"), embed=None, view=None
            )

        await interaction.response.send_message(
            embed=preview_embed(draft, lang),
            view=PreviewView(draft, lang, tz, publish, discard),
            ephemeral=True,
        )

    async def _publish(self, interaction: discord.Interaction, draft: Draft, lang: str) -> None:
        now = self.bot.clock.now()
        guild_id = interaction.guild_id
        assert guild_id is not None
        native_count = len(interaction.guild.scheduled_events) if interaction.guild else 0
        async with self.bot.db.session() as session:
            config = await service.get_event_config(session, guild_id, now)
            guild_lang = (await get_settings(session, guild_id, now)).language
            channel_id = config.channel_id or interaction.channel_id
            assert channel_id is not None  # guild interactions always come from a channel
            event = await service.create_event(
                session,
                guild_id,
                interaction.user.id,
                draft,
                now,
                channel_id=channel_id,
                native_count=native_count,
            )
        await interaction.response.edit_message(
            content=t(lang, "events.publishing"), embed=None, view=None
        )
        try:
            message = await self._post(
                event.channel_id,
                None,
                view=rsvp_view(event.id, guild_lang),
                embed=event_embed(
                    event, service.UPCOMING, event.start_at, service.RsvpCounts(), guild_lang, []
                ),
            )
            thread = await message.create_thread(name=event.title[:100])
        except discord.HTTPException as exc:
            log.warning("announcement of event %s failed: %s", event.id, exc)
            async with self.bot.db.session() as session:
                await service.delete_event(session, event.id)
            await interaction.edit_original_response(
                content=t(lang, "events.post_failed", channel=f"<#{event.channel_id}>")
            )
            return
        event.message_id, event.thread_id = message.id, thread.id
        async with self.bot.db.session() as session:
            await service.record_announcement(
                session, event.id, message_id=message.id, thread_id=thread.id
            )
        warning = await self._native_warning(
            guild_id, await self._sync_native(event, event.start_at), lang
        )
        await interaction.edit_original_response(
            content=t(lang, "events.published", title=event.title, link=message.jump_url) + warning
        )
        await self.run_reminders(event.id)

    # ------------------------------------------------------------------ RSVP
    @component_guard
    async def rsvp_clicked(
        self, interaction: discord.Interaction, event_id: int, choice: str
    ) -> None:
        """A Going / Maybe / Not going button: record it, answer privately, redraw counts."""
        lang = await self.bot.lang_for(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            result = await service.set_rsvp(session, event_id, interaction.user.id, choice, now)
            event = await service.get_event(session, guild_id_of(interaction), event_id)
            guild_lang = (await get_settings(session, event.guild_id, now)).language
            tz = await service.event_zone(session, event.guild_id, now)
            await session.commit()
        key = f"rsvp.now_{result.status}" if result.changed else f"rsvp.still_{result.status}"
        await send_ephemeral(
            interaction, t(lang, key, title=event.title, position=result.waitlist_position or 0)
        )
        await self._refresh(event, tz, guild_lang)
        await self._tell_promoted(event, result.promoted, guild_lang)

    async def _tell_promoted(self, event: Event, user_ids: tuple[int, ...], lang: str) -> None:
        if user_ids:
            await self._notify(
                event,
                list(user_ids),
                t(lang, "rsvp.promoted", title=event.title, link=service.jump_url(event) or ""),
                lang,
            )

    # ------------------------------------------------------------------ list, info, iCal
    @event.command(name="list", description="Upcoming events with their RSVP counts")
    @app_commands.describe(range="Which events (default: next 7 days)")
    @app_commands.choices(range=RANGE_CHOICES)
    async def list_events(self, interaction: discord.Interaction, range: str = "week") -> None:
        lang = await self.bot.lang_for(interaction)
        now = self.bot.clock.now()
        span = RANGES[range]
        async with self.bot.db.session() as session:
            items = await service.upcoming_events(
                session, guild_id_of(interaction), now, until=now + span if span else None
            )
            counts = await service.rsvp_counts(session, [item.event.id for item in items])
            await session.commit()
        await interaction.response.send_message(
            embed=list_embed(items, counts, lang, t(lang, f"events.list_title.{range}")),
            ephemeral=True,
        )

    @event.command(name="info", description="Details of an event")
    @app_commands.describe(event="The event (start typing its title)")
    async def info(self, interaction: discord.Interaction, event: int) -> None:
        lang = await self.bot.lang_for(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            found = await service.get_event(session, guild_id_of(interaction), event)
            tz = await service.event_zone(session, found.guild_id, now)
            await session.commit()
        embed, _state = await self._embed(found, tz, lang)
        link = service.jump_url(found)
        if link:
            embed.add_field(name=t(lang, "events.field.announcement"), value=link, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @event.command(name="ical", description="Download an .ics calendar file (one event or all)")
    @app_commands.describe(event="One event (default: every upcoming event)")
    async def ical(self, interaction: discord.Interaction, event: int | None = None) -> None:
        lang = await self.bot.lang_for(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            tz = await service.event_zone(session, guild_id_of(interaction), now)
            config = await service.get_event_config(session, guild_id_of(interaction), now)
            alarms = service.offsets_of(config)
            if event is not None:
                events = [await service.get_event(session, guild_id_of(interaction), event)]
            else:
                events = [
                    item.event
                    for item in await service.upcoming_events(
                        session, guild_id_of(interaction), now, limit=100
                    )
                ]
            await session.commit()
        if not events:
            raise UserError("events.list_empty")
        guild = interaction.guild
        data = build_calendar(
            [
                service.to_ical(item, tz, location_name=self._channel_name(item), alarms=alarms)
                for item in events
            ],
            name=guild.name if guild else None,
        )
        filename = f"event-{event}.ics" if event is not None else "aiclub-events.ics"
        await interaction.response.send_message(
            t(lang, "events.ical_ready", count=len(events)),
            file=discord.File(io.BytesIO(data), filename=filename),
            ephemeral=True,
        )

    def _channel_name(self, event: Event) -> str:
        channel = self.bot.get_channel(event.voice_channel_id) if event.voice_channel_id else None
        return f"#{channel.name}" if isinstance(channel, discord.abc.GuildChannel) else ""

    # ------------------------------------------------------------------ edit, cancel
    @event.command(name="edit", description="Change an event (creator or Manage Events)")
    @app_commands.describe(
        event="The event (start typing its title)",
        title="New title",
        start="New start",
        duration="New length, e.g. 90m",
        kind="New kind",
        where="New link or address",
        channel="New voice or stage channel",
        description="New description",
        capacity="New number of places (1 to 100,000)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction,
        event: int,
        title: str | None = None,
        start: str | None = None,
        duration: str | None = None,
        kind: str | None = None,
        where: str | None = None,
        channel: discord.VoiceChannel | discord.StageChannel | None = None,
        description: str | None = None,
        capacity: app_commands.Range[int, 1, MAX_CAPACITY] | None = None,
    ) -> None:
        await self._require_organiser(interaction)
        changes = (title, start, duration, kind, where, channel, description, capacity)
        if all(value is None for value in changes):
            raise UserError("events.nothing_to_change")
        lang = await self.bot.lang_for(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            result = await service.edit_event(
                session,
                guild_id_of(interaction),
                event,
                interaction.user.id,
                interaction.permissions.manage_events,
                now,
                title=title,
                start=start,
                duration=duration,
                kind=kind,
                where=where,
                voice_channel_id=channel.id if channel else None,
                description=description,
                capacity=capacity,
            )
            guild_lang = (await get_settings(session, result.event.guild_id, now)).language
            tz = await service.event_zone(session, result.event.guild_id, now)
            await session.commit()
        edited = result.event
        mirrored = await self._refresh(edited, tz, guild_lang)
        warning = await self._native_warning(edited.guild_id, mirrored, lang)
        told = "\n" + t(lang, "events.edited_telling") if result.change_notice else ""
        await interaction.response.send_message(
            t(lang, "events.edited", title=edited.title) + told + warning, ephemeral=True
        )
        if result.change_notice is not None:
            await self.bot.delivery.deliver(result.change_notice)
        await self._tell_promoted(edited, result.promoted, guild_lang)
        await self.run_reminders(edited.id)

    @event.command(name="cancel", description="Cancel an event and tell its members")
    @app_commands.describe(event="The event (start typing its title)")
    async def cancel(self, interaction: discord.Interaction, event: int) -> None:
        await self._require_organiser(interaction)
        lang = await self.bot.lang_for(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            cancelled, attendees = await service.cancel_event(
                session,
                guild_id_of(interaction),
                event,
                interaction.user.id,
                interaction.permissions.manage_events,
                now,
            )
            guild_lang = (await get_settings(session, cancelled.guild_id, now)).language
            tz = await service.event_zone(session, cancelled.guild_id, now)
            await session.commit()
        await interaction.response.send_message(
            t(lang, "events.cancelled", title=cancelled.title, count=len(attendees)), ephemeral=True
        )
        self.bot.scheduler.remove_job(f"events:reminders:{cancelled.id}")
        await self._refresh(cancelled, tz, guild_lang)
        await self._cancel_native(cancelled)
        await self._notify(
            cancelled,
            attendees,
            t(guild_lang, "events.cancelled_dm", title=cancelled.title),
            guild_lang,
        )

    # ------------------------------------------------------------------ autocomplete
    async def _event_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            items = await service.upcoming_events(session, guild_id_of(interaction), now, limit=100)
            tz = await service.event_zone(session, guild_id_of(interaction), now)
            await session.commit()
        needle = current.strip().lower().lstrip("#")
        choices = []
        for item in items:
            local = item.start.astimezone(tz)
            label = f"#{item.event.id} {item.event.title} · {local:%Y-%m-%d %H:%M}"
            if needle in label.lower():
                choices.append(app_commands.Choice(name=label[:100], value=item.event.id))
        return choices[:25]

    info.autocomplete("event")(_event_choices)
    ical.autocomplete("event")(_event_choices)
    edit.autocomplete("event")(_event_choices)
    cancel.autocomplete("event")(_event_choices)


async def setup(bot: AiclubBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Events(bot))
