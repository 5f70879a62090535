"""The Discord scheduled event that mirrors each community event (best effort).

Members see the next occurrence in Discord's Events tab; without Manage Events nothing is
mirrored and the organiser is told once. Every fault here is logged, never raised: the
announcement, the RSVPs and the reminders do not depend on the mirror.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import discord

from bot.client import AiclubBot
from bot.events.service import EventView, duration_of, place_text
from bot.i18n import t

log = logging.getLogger(__name__)


class NativeEvents:
    """Creates, edits and cancels the Discord scheduled events of community events."""

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot

    async def sync(self, event: EventView, start: datetime) -> bool:
        """Mirror the occurrence starting at ``start``; False without Manage Events."""
        guild = self.bot.get_guild(event.guild_id)
        if guild is None:
            return True
        if not guild.me.guild_permissions.manage_events:
            return False
        try:
            native = await self._find(guild, event)
            # A Discord event whose start has come belongs to an earlier occurrence: keep it.
            if (
                native is not None
                and native.status is discord.EventStatus.scheduled
                and native.start_time > self.bot.clock.now()
            ):
                await native.edit(**_fields(guild, event, start))
                return True
            native = await guild.create_scheduled_event(
                privacy_level=discord.PrivacyLevel.guild_only, **_fields(guild, event, start)
            )
        except discord.Forbidden:
            return False
        except discord.HTTPException as exc:
            log.warning("scheduled event for event %s not synced: %s", event.id, exc)
            return True
        await self.bot.services.events.record_announcement(event.id, native_event_id=native.id)
        return True

    async def cancel(self, event: EventView) -> None:
        """Cancel the mirror (delete it once it started or ended)."""
        guild = self.bot.get_guild(event.guild_id)
        if guild is None or not guild.me.guild_permissions.manage_events:
            return
        try:
            native = await self._find(guild, event)
            if native is None:
                return
            if native.status is discord.EventStatus.scheduled:
                await native.cancel()
            else:
                await native.delete()
        except discord.HTTPException as exc:
            log.warning("scheduled event of event %s not cancelled: %s", event.id, exc)

    async def warning(self, guild_id: int, mirrored: bool, lang: str) -> str:
        """The one-time note that the bot lacks Manage Events ('' once said, or when mirrored)."""
        if mirrored or not await self.bot.services.events.warn_native_once(guild_id):
            return ""
        return "\n" + t(lang, "events.no_manage_events")

    @staticmethod
    async def _find(guild: discord.Guild, event: EventView) -> discord.ScheduledEvent | None:
        if event.native_event_id is None:
            return None
        native = guild.get_scheduled_event(event.native_event_id)
        if native is None:
            try:
                native = await guild.fetch_scheduled_event(event.native_event_id)
            except discord.NotFound:
                return None
        return native


def _fields(guild: discord.Guild, event: EventView, start: datetime) -> dict[str, Any]:
    """The scheduled event's fields: name, times, and the voice/stage channel or the place."""
    fields: dict[str, Any] = {
        "name": event.title,
        "description": event.description[:1000],
        "start_time": start,
        "end_time": start + duration_of(event),
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
    return fields
