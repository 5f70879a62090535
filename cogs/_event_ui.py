"""Embeds and buttons of community events: preview, announcement, list, RSVP buttons."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, cast

import discord

from bot.client import component_guard
from bot.db.events import CANCELLED, Event
from bot.events.recurrence import Repeat
from bot.events.service import Draft, RsvpCounts, Upcoming
from bot.formatting import discord_timestamp, human_duration
from bot.i18n import t
from bot.interactions import client_of

if TYPE_CHECKING:
    from cogs.events import Events

BLUE, GREEN, GREY = 0x5865F2, 0x57F287, 0x95A5A6
KIND_EMOJI = {"talk": "🎤", "contest": "🏁", "seminar": "📚", "ama": "🙋", "meetup": "🤝"}
RSVP_STYLES = {
    "going": discord.ButtonStyle.success,
    "maybe": discord.ButtonStyle.secondary,
    "not_going": discord.ButtonStyle.danger,
}


def when_text(start: datetime) -> str:
    """``<t:…:F> (<t:…:R>)``: absolute and relative, in each reader's own timezone."""
    return f"{discord_timestamp(start, 'F')} ({discord_timestamp(start, 'R')})"


def where_text(location: str | None, voice_channel_id: int | None) -> str:
    """The event's place: a channel mention, a link or an address."""
    return f"<#{voice_channel_id}>" if voice_channel_id is not None else location or "—"


def repeat_text(lang: str, rrule: str | None) -> str | None:
    """'Weekly (6 times)' style description of a repeat, or None for one-off events."""
    repeat = Repeat.from_rrule(rrule)
    if repeat is Repeat.NONE:
        return None
    text = t(lang, f"events.repeat.{repeat.value}")
    count = re.search(r"COUNT=(\d+)", rrule or "")
    return t(lang, "events.repeat.times", repeat=text, count=count[1]) if count else text


def _fields(
    embed: discord.Embed,
    lang: str,
    *,
    start: datetime,
    duration: timedelta,
    kind: str,
    location: str | None,
    voice_channel_id: int | None,
    rrule: str | None,
) -> None:
    embed.add_field(name=t(lang, "events.field.when"), value=when_text(start), inline=False)
    embed.add_field(name=t(lang, "events.field.duration"), value=human_duration(lang, duration))
    embed.add_field(name=t(lang, "events.field.kind"), value=t(lang, f"events.kind.{kind}"))
    embed.add_field(
        name=t(lang, "events.field.where"), value=where_text(location, voice_channel_id)
    )
    repeats = repeat_text(lang, rrule)
    if repeats:
        embed.add_field(name=t(lang, "events.field.repeats"), value=repeats)


def preview_embed(draft: Draft, lang: str) -> discord.Embed:
    """What the organiser checks before publishing: the parsed time first."""
    embed = discord.Embed(
        title=f"{KIND_EMOJI[draft.kind]} {draft.title}",
        description=t(lang, "events.preview_intro", when=when_text(draft.start_at)),
        color=BLUE,
    )
    _fields(
        embed,
        lang,
        start=draft.start_at,
        duration=draft.duration,
        kind=draft.kind,
        location=draft.location,
        voice_channel_id=draft.voice_channel_id,
        rrule=draft.rrule,
    )
    if draft.capacity is not None:
        embed.add_field(name=t(lang, "events.field.capacity"), value=str(draft.capacity))
    if draft.description:
        embed.add_field(
            name=t(lang, "events.field.description"), value=draft.description, inline=False
        )
    embed.set_footer(text=t(lang, "events.preview_footer"))
    return embed


def event_embed(
    event: Event, start: datetime | None, counts: RsvpCounts, lang: str
) -> discord.Embed:
    """The announcement (and /event info): next occurrence, place, live RSVP counts."""
    cancelled = event.status == CANCELLED
    title = f"{KIND_EMOJI[event.kind]} {event.title}"
    embed = discord.Embed(
        title=t(lang, "events.cancelled_title", title=title) if cancelled else title,
        description=event.description or None,
        color=GREY if cancelled else GREEN,
    )
    _fields(
        embed,
        lang,
        start=start or event.start_at,
        duration=timedelta(minutes=event.duration_minutes),
        kind=event.kind,
        location=event.location,
        voice_channel_id=event.voice_channel_id,
        rrule=event.rrule,
    )
    embed.add_field(name=t(lang, "events.field.organiser"), value=f"<@{event.creator_id}>")
    going = f"{counts.going}/{event.capacity}" if event.capacity is not None else str(counts.going)
    embed.add_field(name=t(lang, "rsvp.label.going"), value=going)
    embed.add_field(name=t(lang, "rsvp.label.maybe"), value=str(counts.maybe))
    embed.add_field(name=t(lang, "rsvp.label.not_going"), value=str(counts.not_going))
    if counts.waitlist:
        embed.add_field(name=t(lang, "rsvp.label.waitlist"), value=str(counts.waitlist))
    embed.set_footer(text=t(lang, "events.footer", id=event.id))
    return embed


def list_embed(
    items: list[Upcoming], counts: dict[int, RsvpCounts], lang: str, title: str
) -> discord.Embed:
    """Upcoming events, one line each with time and RSVP counts."""
    lines = []
    for item in items:
        event, count = item.event, counts[item.event.id]
        going = f"{count.going}/{event.capacity}" if event.capacity is not None else count.going
        lines.append(
            t(
                lang,
                "events.list_line",
                id=event.id,
                emoji=KIND_EMOJI[event.kind],
                title=event.title,
                when=when_text(item.start),
                going=going,
                maybe=count.maybe,
            )
        )
    description = "\n".join(lines) if lines else t(lang, "events.list_empty")
    return discord.Embed(title=title, description=description[:4000], color=BLUE)


# ---------------------------------------------------------------------------- components
def _cog(interaction: discord.Interaction) -> Events:
    cog = client_of(interaction).get_cog("Events")
    assert cog is not None
    return cast("Events", cog)


class RsvpButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"aiclub:rsvp:(?P<event>\d+):(?P<choice>going|maybe|not_going)",
):
    """Going / Maybe / Not going under an announcement; keeps working after a restart."""

    def __init__(self, event_id: int, choice: str, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or choice,
                style=RSVP_STYLES[choice],
                custom_id=f"aiclub:rsvp:{event_id}:{choice}",
            )
        )
        self.event_id, self.choice = event_id, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["event"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).rsvp_clicked(interaction, self.event_id, self.choice)


def rsvp_view(event_id: int, lang: str) -> discord.ui.View:
    """The three RSVP buttons of an announcement."""
    view = discord.ui.View(timeout=None)
    for choice in RSVP_STYLES:
        view.add_item(RsvpButton(event_id, choice, t(lang, f"rsvp.label.{choice}")))
    return view


class _HandlerButton(discord.ui.Button["PreviewView"]):
    """A button whose press calls ``handler``."""

    def __init__(
        self,
        label: str,
        style: discord.ButtonStyle,
        handler: Callable[[discord.Interaction], Awaitable[object]],
    ) -> None:
        super().__init__(label=label, style=style)
        self._handler = handler

    async def callback(self, interaction: discord.Interaction) -> None:
        await self._handler(interaction)


class PreviewView(discord.ui.View):
    """Publish / Cancel under a preview; only the organiser who asked sees it (ephemeral)."""

    def __init__(
        self,
        lang: str,
        on_publish: Callable[[discord.Interaction], Awaitable[None]],
        on_discard: Callable[[discord.Interaction], Awaitable[None]],
    ) -> None:
        super().__init__(timeout=900)
        self._on_publish, self._on_discard = on_publish, on_discard
        for key, style, handler in (
            ("events.publish", discord.ButtonStyle.success, self._publish),
            ("events.discard", discord.ButtonStyle.secondary, self._discard),
        ):
            self.add_item(_HandlerButton(t(lang, key), style, handler))

    @component_guard
    async def _publish(self, interaction: discord.Interaction) -> None:
        self.stop()
        await self._on_publish(interaction)

    @component_guard
    async def _discard(self, interaction: discord.Interaction) -> None:
        self.stop()
        await self._on_discard(interaction)
