"""/event: create (preview, then publish), RSVP, edit, cancel, list, info, iCal; reminders,
the live/ended state of announcements and change notices (each through the delivery ledger)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord
from apscheduler.triggers.date import DateTrigger
from discord import app_commands
from discord.ext import commands

from bot import ledger
from bot.client import AiclubBot, component_guard, send_ephemeral
from bot.delivery import Kind, Undeliverable, is_transient
from bot.errors import UserError
from bot.events import reminders, service
from bot.events.events_service import Announcement, Member
from bot.events.ical import build_calendar
from bot.events.rsvp import RsvpCounts
from bot.events.rules import MAX_CAPACITY
from bot.events.service import Draft, EventView, place_text
from bot.formatting import discord_timestamp, human_duration
from bot.i18n import t
from bot.interactions import guild_id_of, request_of
from bot.ledger import Occurrence
from bot.mentions import MAX_PINGS, ping_users, pings_in
from bot.signals import reminder_job
from cogs._event_sync import NativeEvents
from cogs._event_ui import (
    PreviewView,
    RsvpButton,
    announcement_embed,
    announcement_link,
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


def member_of(interaction: discord.Interaction) -> Member:
    """Who used a command, with their roles and Manage Events."""
    roles = getattr(interaction.user, "roles", [])
    return Member(
        interaction.user.id,
        frozenset(role.id for role in roles),
        interaction.permissions.manage_events,
    )


def native_count(interaction: discord.Interaction) -> int:
    """The server's Discord scheduled events (they count towards the 100-event limit)."""
    return len(interaction.guild.scheduled_events) if interaction.guild else 0


class Events(commands.Cog):
    """Community events with RSVPs, reminders and Discord scheduled events."""

    event = app_commands.Group(
        name="event", guild_only=True, description="Community events: talks, contests, meetups"
    )

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot
        self.events = bot.services.events
        self.native = NativeEvents(bot)

    async def cog_load(self) -> None:
        # Kept after an unload, so old buttons answer that this part is switched off.
        self.bot.add_dynamic_items(RsvpButton)
        self.bot.delivery.register(Kind(reminders.LEDGER_KIND, self._deliver_reminder))
        self.bot.delivery.register(Kind(service.CHANGE_KIND, self._deliver_change))
        await self.rebuild_jobs()

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
        for event_id in await self.events.reminder_event_ids(guild_id):
            await self.run_reminders(event_id)

    async def run_reminders(self, event_id: int) -> None:
        """Send the event's due reminders, start and end (each exactly once), then schedule
        its next one."""
        claims = await self.events.claim_reminders(event_id)
        for occurrence in claims.occurrences:
            await self.bot.delivery.deliver(occurrence)
        job_id = reminder_job(event_id)
        if claims.next_due_at is None:
            self.bot.scheduler.remove_job(job_id)
            return

        async def fire() -> None:
            await self.run_reminders(event_id)

        self.bot.scheduler.add_job(job_id, DateTrigger(claims.next_due_at), fire)

    async def _deliver_reminder(self, occurrence: Occurrence) -> int | None:
        """Send one claimed reminder, start or end (first attempt or retry); raises on a fault.

        The start redraws the announcement (🔴 live) and then posts "starting now", pinging
        the members going; the end redraws it (ended, or the next occurrence). A redraw is
        idempotent (it shows the state at the time it runs), so a retry repeats it safely.
        """
        reminder = await self.events.reminder(occurrence.key)
        if reminder is None:
            raise Undeliverable(f"event of reminder {occurrence.key} is no longer scheduled")
        event, due, lang = reminder.event, reminder.due, reminder.lang
        if due.offset > 0:
            text = t(
                lang,
                "events.reminder",
                title=event.title,
                when=when_text(due.occurrence),
                where=place_text(event.location, event.voice_channel_id),
                link=announcement_link(service.jump_url(event), lang),
            )
            return await self._notify(event, list(reminder.recipients), text, lang, occurrence)
        shown = await self.events.announcement(event.id)
        if shown is None:
            raise Undeliverable(f"event {event.id} is gone")
        await self._redraw(shown)
        if due.offset < 0:
            return None  # the end: redrawing is all there is to do
        if event.rrule and shown.next_start is not None:
            await self.native.sync(event, shown.next_start)  # the series' next Discord event
        return await self._post_start(event, list(reminder.recipients), lang, occurrence)

    async def _post_start(
        self, event: EventView, going: list[int], lang: str, occurrence: Occurrence
    ) -> int:
        """The "starting now" post, pinging exactly the members going (in as many messages
        as 2,000 characters and 100 pings a message need); the first one's id."""
        text = t(
            lang,
            "events.starting_now",
            title=event.title,
            where=place_text(event.location, event.voice_channel_id),
            link=announcement_link(service.jump_url(event), lang),
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
        notice = await self.events.change_notice(occurrence.key)
        if notice is None:
            raise Undeliverable(f"change {occurrence.key} is gone")
        lang = notice.lang
        lines = [t(lang, "events.changed_dm", title=notice.event.title)]
        if notice.old_start_at != notice.new_start_at:
            old, new = (
                discord_timestamp(moment) for moment in (notice.old_start_at, notice.new_start_at)
            )
            lines.append(t(lang, "events.changed_when", old=old, new=new))
        if notice.old_duration_minutes != notice.new_duration_minutes:
            old, new = (
                human_duration(lang, timedelta(minutes=minutes))
                for minutes in (notice.old_duration_minutes, notice.new_duration_minutes)
            )
            lines.append(t(lang, "events.changed_duration", old=old, new=new))
        if notice.old_place != notice.new_place:
            lines.append(
                t(lang, "events.changed_where", old=notice.old_place, new=notice.new_place)
            )
        lines.append(announcement_link(service.jump_url(notice.event), lang))
        text = "\n".join(lines).strip()
        return await self._notify(notice.event, list(notice.recipients), text, lang, occurrence)

    # ------------------------------------------------------------------ Discord calls
    async def _post(self, channel_id: int, content: str | None, **kwargs: Any) -> discord.Message:
        channel = await self.bot.post_channel(channel_id)
        return await channel.send(content, **kwargs)

    async def _notify(
        self,
        event: EventView,
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

    async def _redraw(self, shown: Announcement) -> None:
        """Edit the announcement to show the event as it stands (idempotent).

        A deleted announcement or a lost permission is only logged (nothing to redraw); a
        transient fault propagates, so that a delivery retries it.
        """
        event = shown.event
        if event.message_id is None:
            return
        embed = announcement_embed(shown, shown.lang)
        live = shown.state in (service.UPCOMING, service.LIVE)
        view = rsvp_view(event.id, shown.lang) if live else None
        try:
            channel = await self.bot.post_channel(event.channel_id)
            await channel.get_partial_message(event.message_id).edit(embed=embed, view=view)
        except (discord.NotFound, discord.Forbidden) as exc:
            log.warning("announcement of event %s not updated: %s", event.id, exc)

    async def _refresh(self, event_id: int) -> bool:
        """Redraw the announcement and mirror the Discord event (best effort).

        False when the Discord event could not be mirrored for want of Manage Events.
        """
        shown = await self.events.announcement(event_id)
        if shown is None:
            return True
        try:
            await self._redraw(shown)
        except discord.HTTPException as exc:
            log.warning("announcement of event %s not updated: %s", event_id, exc)
        if shown.next_start is None:
            return True
        return await self.native.sync(shown.event, shown.next_start)

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
        request = await request_of(interaction)
        preview = await self.events.prepare(
            request.guild_id,
            member_of(interaction),
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
            native_count=native_count(interaction),
        )
        lang = request.lang

        async def publish(clicked: discord.Interaction, chosen: Draft) -> None:
            await self._publish(clicked, chosen, lang)

        async def discard(clicked: discord.Interaction) -> None:
            await clicked.response.edit_message(
                content=t(lang, "events.discarded"), embed=None, view=None
            )

        await interaction.response.send_message(
            embed=preview_embed(preview.draft, lang),
            view=PreviewView(preview.draft, lang, preview.tz, publish, discard),
            ephemeral=True,
        )

    async def _publish(self, interaction: discord.Interaction, draft: Draft, lang: str) -> None:
        assert interaction.channel_id is not None  # guild interactions always come from a channel
        saved = await self.events.publish(
            guild_id_of(interaction),
            interaction.user.id,
            draft,
            channel_id=interaction.channel_id,
            native_count=native_count(interaction),
        )
        event = saved.event
        await interaction.response.edit_message(
            content=t(lang, "events.publishing"), embed=None, view=None
        )
        try:
            message = await self._post(
                event.channel_id,
                None,
                view=rsvp_view(event.id, saved.lang),
                embed=event_embed(
                    event, service.UPCOMING, event.start_at, RsvpCounts(), saved.lang, []
                ),
            )
            thread = await message.create_thread(name=event.title[:100])
        except discord.HTTPException as exc:
            log.warning("announcement of event %s failed: %s", event.id, exc)
            await self.events.discard(event.id)
            await interaction.edit_original_response(
                content=t(lang, "events.post_failed", channel=f"<#{event.channel_id}>")
            )
            return
        await self.events.record_announcement(event.id, message_id=message.id, thread_id=thread.id)
        mirrored = await self.native.sync(event, event.start_at)
        warning = await self.native.warning(event.guild_id, mirrored, lang)
        await interaction.edit_original_response(
            content=t(
                lang,
                "events.published",
                title=event.title,
                link=announcement_link(message.jump_url, lang),
            )
            + warning
        )
        await self.run_reminders(event.id)

    # ------------------------------------------------------------------ RSVP
    @component_guard
    async def rsvp_clicked(
        self, interaction: discord.Interaction, event_id: int, choice: str
    ) -> None:
        """A Going / Maybe / Not going button: record it, answer privately, redraw counts."""
        request = await request_of(interaction)
        answered = await self.events.rsvp(request.guild_id, event_id, request.user_id, choice)
        result = answered.result
        key = f"rsvp.now_{result.status}" if result.changed else f"rsvp.still_{result.status}"
        await send_ephemeral(
            interaction,
            t(
                request.lang,
                key,
                title=answered.event.title,
                position=result.waitlist_position or 0,
            ),
        )
        await self._refresh(event_id)
        await self._tell_promoted(answered.event, result.promoted, answered.lang)

    async def _tell_promoted(self, event: EventView, user_ids: tuple[int, ...], lang: str) -> None:
        if user_ids:
            await self._notify(
                event,
                list(user_ids),
                t(
                    lang,
                    "rsvp.promoted",
                    title=event.title,
                    link=announcement_link(service.jump_url(event), lang),
                ),
                lang,
            )

    # ------------------------------------------------------------------ list, info, iCal
    @event.command(name="list", description="Upcoming events with their RSVP counts")
    @app_commands.describe(range="Which events (default: next 7 days)")
    @app_commands.choices(range=RANGE_CHOICES)
    async def list_events(self, interaction: discord.Interaction, range: str = "week") -> None:
        request = await request_of(interaction)
        listing = await self.events.upcoming(request.guild_id, within=RANGES[range])
        lang = request.lang
        await interaction.response.send_message(
            embed=list_embed(
                list(listing.items), listing.counts, lang, t(lang, f"events.list_title.{range}")
            ),
            ephemeral=True,
        )

    @event.command(name="info", description="Details of an event")
    @app_commands.describe(event="The event (start typing its title)")
    async def info(self, interaction: discord.Interaction, event: int) -> None:
        request = await request_of(interaction)
        shown = await self.events.info(request.guild_id, event)
        lang = request.lang
        embed = announcement_embed(shown, lang)
        if link := announcement_link(service.jump_url(shown.event), lang):
            embed.add_field(name=t(lang, "events.field.announcement"), value=link, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @event.command(name="ical", description="Download an .ics calendar file (one event or all)")
    @app_commands.describe(event="One event (default: every upcoming event)")
    async def ical(self, interaction: discord.Interaction, event: int | None = None) -> None:
        request = await request_of(interaction)
        found = await self.events.calendar(request.guild_id, event)
        if not found.events:
            raise UserError("events.list_empty")
        guild = interaction.guild
        data = build_calendar(
            [
                service.to_ical(
                    item, found.tz, location_name=self._channel_name(item), alarms=found.alarms
                )
                for item in found.events
            ],
            name=guild.name if guild else None,
        )
        filename = f"event-{event}.ics" if event is not None else "aiclub-events.ics"
        await interaction.response.send_message(
            t(request.lang, "events.ical_ready", count=len(found.events)),
            file=discord.File(io.BytesIO(data), filename=filename),
            ephemeral=True,
        )

    def _channel_name(self, event: EventView) -> str:
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
        request = await request_of(interaction)
        edited = await self.events.edit(
            request.guild_id,
            member_of(interaction),
            event,
            title=title,
            start=start,
            duration=duration,
            kind=kind,
            where=where,
            voice_channel_id=channel.id if channel else None,
            description=description,
            capacity=capacity,
        )
        lang = request.lang
        mirrored = await self._refresh(edited.event.id)
        warning = await self.native.warning(request.guild_id, mirrored, lang)
        told = "\n" + t(lang, "events.edited_telling") if edited.change_notice else ""
        await interaction.response.send_message(
            t(lang, "events.edited", title=edited.event.title) + told + warning, ephemeral=True
        )
        if edited.change_notice is not None:
            await self.bot.delivery.deliver(edited.change_notice)
        await self._tell_promoted(edited.event, edited.promoted, edited.lang)
        await self.run_reminders(edited.event.id)

    @event.command(name="cancel", description="Cancel an event and tell its members")
    @app_commands.describe(event="The event (start typing its title)")
    async def cancel(self, interaction: discord.Interaction, event: int) -> None:
        request = await request_of(interaction)
        cancelled = await self.events.cancel(request.guild_id, member_of(interaction), event)
        gone = cancelled.event
        await interaction.response.send_message(
            t(request.lang, "events.cancelled", title=gone.title, count=len(cancelled.attendees)),
            ephemeral=True,
        )
        self.bot.scheduler.remove_job(reminder_job(gone.id))
        await self._refresh(gone.id)
        await self.native.cancel(gone)
        await self._notify(
            gone,
            list(cancelled.attendees),
            t(cancelled.lang, "events.cancelled_dm", title=gone.title),
            cancelled.lang,
        )

    # ------------------------------------------------------------------ autocomplete
    async def _event_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        listing = await self.events.upcoming(guild_id_of(interaction), limit=100)
        needle = current.strip().lower().lstrip("#")
        choices = []
        for item in listing.items:
            local = item.start.astimezone(listing.tz)
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
