"""Embeds and buttons of community events: preview (with the other readings of its start),
announcement, list, RSVP buttons."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self
from zoneinfo import ZoneInfo

import discord
from babel.dates import format_date

from bot.client import component_guard
from bot.db.events import CANCELLED
from bot.events.events_service import Announcement
from bot.events.recurrence import Repeat
from bot.events.rsvp import RsvpCounts
from bot.events.service import ENDED, LIVE, MAX_NAMED, Draft, EventView, Upcoming, place_text
from bot.formatting import discord_timestamp, human_duration
from bot.i18n import babel_locale, t
from bot.interactions import cog_for
from cogs._style import BRAND, DANGER, MUTED, SUCCESS

if TYPE_CHECKING:
    from cogs.events import Events

KIND_EMOJI = {"talk": "🎤", "contest": "🏁", "seminar": "📚", "ama": "🙋", "meetup": "🤝"}
RSVP_STYLES = {
    "going": discord.ButtonStyle.success,
    "maybe": discord.ButtonStyle.secondary,
    "not_going": discord.ButtonStyle.danger,
}


def when_text(start: datetime) -> str:
    """``<t:…:F> (<t:…:R>)``: absolute and relative, in each reader's own timezone."""
    return f"{discord_timestamp(start, 'F')} ({discord_timestamp(start, 'R')})"


def day_label(lang: str, start: datetime, tz: ZoneInfo) -> str:
    """The local day of a start as a button shows it: ``Fri 4 Dec``, ``12月4日 周五``."""
    local = start.astimezone(tz).date()
    return format_date(local, t(lang, "events.day_button"), locale=babel_locale(lang))


def mentions(user_ids: Sequence[int]) -> str:
    """``<@1> <@2> …``."""
    return " ".join(f"<@{user_id}>" for user_id in user_ids)


def attendees_text(lang: str, going_ids: Sequence[int], going: int) -> str:
    """Mentions of the first ``MAX_NAMED`` members going, then ``+N`` (shown, never pinged:
    mentions in embeds do not notify)."""
    names = mentions(going_ids[:MAX_NAMED])
    rest = going - min(len(going_ids), MAX_NAMED)
    return f"{names} {t(lang, 'events.attendees_more', count=rest)}" if rest > 0 else names


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
        name=t(lang, "events.field.where"), value=place_text(location, voice_channel_id)
    )
    repeats = repeat_text(lang, rrule)
    if repeats:
        embed.add_field(name=t(lang, "events.field.repeats"), value=repeats)


def preview_embed(draft: Draft, lang: str) -> discord.Embed:
    """What the organiser checks before publishing: the parsed time first, and a word on
    the other readings of it when there are some."""
    intro = t(lang, "events.preview_intro", when=when_text(draft.start_at))
    if draft.alternatives:
        intro += "\n" + t(lang, "events.preview_other_days")
    embed = discord.Embed(
        title=f"{KIND_EMOJI[draft.kind]} {draft.title}", description=intro, color=BRAND
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


_STATE_LOOK = {
    CANCELLED: ("events.cancelled_title", MUTED),
    LIVE: ("events.live_title", DANGER),
    ENDED: ("events.ended_title", MUTED),
}


def event_embed(
    event: EventView,
    state: str,
    start: datetime,
    counts: RsvpCounts,
    lang: str,
    going_ids: Sequence[int],
) -> discord.Embed:
    """The announcement (and /event info): the occurrence shown, its state (upcoming, 🔴 live,
    ended, cancelled), place, RSVP counts and who is going (``going_ids``, in answer order)."""
    title = f"{KIND_EMOJI[event.kind]} {event.title}"
    key, color = _STATE_LOOK.get(state, (None, SUCCESS))
    embed = discord.Embed(
        title=t(lang, key, title=title) if key else title,
        description=event.description or None,
        color=color,
    )
    _fields(
        embed,
        lang,
        start=start,
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
    if going_ids:
        embed.add_field(
            name=t(lang, "events.field.attendees"),
            value=attendees_text(lang, going_ids, counts.going),
            inline=False,
        )
    embed.set_footer(text=t(lang, "events.footer", id=event.id))
    return embed


def announcement_embed(shown: Announcement, lang: str) -> discord.Embed:
    """``event_embed`` of an event as it stands now."""
    return event_embed(shown.event, shown.state, shown.start, shown.counts, lang, shown.going)


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
    return discord.Embed(title=title, description=description[:4000], color=BRAND)


def announcement_link(url: str | None, lang: str) -> str:
    """A link to an event's announcement as words ("Open the announcement"), not a raw
    ``discord.com/channels/…`` address; empty without one."""
    return t(lang, "events.announcement_link", url=url) if url else ""


# ---------------------------------------------------------------------------- components
def events_cog(interaction: discord.Interaction) -> Events:
    """The Events cog, for a persistent component (politely refused if it is unloaded)."""
    from cogs.events import Events  # imported here: that module imports this one

    return cog_for(interaction, Events)


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

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        await events_cog(interaction).rsvp_clicked(interaction, self.event_id, self.choice)


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
        *,
        disabled: bool = False,
        row: int | None = None,
    ) -> None:
        super().__init__(label=label, style=style, disabled=disabled, row=row)
        self._handler = handler

    async def callback(self, interaction: discord.Interaction) -> None:
        await self._handler(interaction)


class PreviewView(discord.ui.View):
    """Publish / Cancel under a preview; only the organiser who asked sees it (ephemeral).

    When the typed start has other readings (``next friday`` on a Tuesday), a row of day
    buttons (``Fri 4 Dec`` / ``Fri 11 Dec``) above them switches the draft between them.
    """

    def __init__(
        self,
        draft: Draft,
        lang: str,
        tz: ZoneInfo,
        on_publish: Callable[[discord.Interaction, Draft], Awaitable[None]],
        on_discard: Callable[[discord.Interaction], Awaitable[None]],
    ) -> None:
        super().__init__(timeout=900)
        self.draft, self._lang, self._tz = draft, lang, tz
        self._on_publish, self._on_discard = on_publish, on_discard
        self._build()

    def _build(self) -> None:
        self.clear_items()
        if self.draft.alternatives:
            for start in sorted({self.draft.start_at, *self.draft.alternatives}):
                self.add_item(self._day_button(start))
        for key, style, handler in (
            ("events.publish", discord.ButtonStyle.success, self._publish),
            ("events.discard", discord.ButtonStyle.secondary, self._discard),
        ):
            self.add_item(_HandlerButton(t(self._lang, key), style, handler, row=1))

    def _day_button(self, start: datetime) -> _HandlerButton:
        """``Fri 4 Dec``: switches the draft to that reading (the chosen one is greyed out)."""

        async def choose(interaction: discord.Interaction) -> None:
            await self._choose(interaction, start)

        chosen = start == self.draft.start_at
        style = discord.ButtonStyle.primary if chosen else discord.ButtonStyle.secondary
        label = day_label(self._lang, start, self._tz)
        return _HandlerButton(label, style, choose, disabled=chosen, row=0)

    @component_guard
    async def _choose(self, interaction: discord.Interaction, start: datetime) -> None:
        self.draft = self.draft.choose(start)
        self._build()
        await interaction.response.edit_message(
            embed=preview_embed(self.draft, self._lang), view=self
        )

    @component_guard
    async def _publish(self, interaction: discord.Interaction) -> None:
        self.stop()
        await self._on_publish(interaction, self.draft)

    @component_guard
    async def _discard(self, interaction: discord.Interaction) -> None:
        self.stop()
        await self._on_discard(interaction)
