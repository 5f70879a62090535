"""The leaderboard and profile cards, and their Prev/Next and Share buttons."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import app_commands

from bot.client import component_guard
from bot.i18n import t
from bot.interactions import cog_for
from bot.questions import leaderboard as boards
from bot.questions import profile as profiles
from bot.questions.topics import TOPICS
from cogs._style import BRAND, GOLD

if TYPE_CHECKING:
    from cogs.leaderboard import Leaderboard

NO_PINGS = discord.AllowedMentions.none()
PERIOD_CHOICES = [
    app_commands.Choice(name="This week", value="week"),
    app_commands.Choice(name="This month", value="month"),
    app_commands.Choice(name="All time", value="all"),
]
TOPIC_CHOICES = [app_commands.Choice(name=topic.en, value=topic.id) for topic in TOPICS.values()]


def _num(value: float) -> str:
    """Points and scores with at most one decimal: 56, 12.5, -3."""
    return f"{value:.1f}".removesuffix(".0")


def _topic_label(topic_id: str, lang: str) -> str:
    topic = TOPICS.get(topic_id)
    return topic.label(lang) if topic else topic_id


# ---------------------------------------------------------------------------- leaderboard
def leaderboard_cog(interaction: discord.Interaction) -> Leaderboard:
    """The Leaderboard cog, for a persistent component (politely refused if it is unloaded)."""
    from cogs.leaderboard import Leaderboard  # imported here: that module imports this one

    return cog_for(interaction, Leaderboard)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"aiclub:lb:(?P<period>week|month|all):(?P<topic>[a-z0-9-]*):(?P<page>\d+):(?P<viewer>\d+)",
):
    """Prev/Next of a leaderboard: period, topic, target page and viewer live in the custom id."""

    def __init__(
        self,
        period: str,
        topic: str | None,
        page: int,
        viewer_id: int,
        label: str = "▶",
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"aiclub:lb:{period}:{topic or ''}:{page}:{viewer_id}",
            )
        )
        self.period, self.topic, self.page, self.viewer_id = period, topic, page, viewer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(
            match["period"], match["topic"] or None, int(match["page"]), int(match["viewer"])
        )

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        cog = leaderboard_cog(interaction)
        await cog.page_clicked(interaction, self.period, self.topic, self.page, self.viewer_id)


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"aiclub:lbshare:(?P<period>week|month|all):(?P<topic>[a-z0-9-]*):(?P<page>\d+)",
):
    """Share: post the page the member is looking at (privately) in the channel for everyone."""

    def __init__(self, period: str, topic: str | None, page: int, label: str = "Share") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                emoji="📣",
                custom_id=f"aiclub:lbshare:{period}:{topic or ''}:{page}",
            )
        )
        self.period, self.topic, self.page = period, topic, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(match["period"], match["topic"] or None, int(match["page"]))

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        cog = leaderboard_cog(interaction)
        await cog.share_clicked(interaction, self.period, self.topic, self.page)


def board_embed(
    lang: str,
    period: str,
    topic: str | None,
    page: boards.Page,
    me: boards.RankInfo | None,
    viewer_id: int | None,
) -> discord.Embed:
    """One page of the board, then the viewer's own line (none on a shared board)."""
    period_name = t(lang, f"leaderboard.period.{period}")
    title = (
        t(lang, "leaderboard.title_topic", period=period_name, topic=_topic_label(topic, lang))
        if topic
        else t(lang, "leaderboard.title", period=period_name)
    )
    lines = [
        t(
            lang,
            "leaderboard.row",
            rank=row.rank,
            member=f"<@{row.user_id}>",
            points=_num(row.points),
            answers=row.answers,
        )
        for row in page.rows
    ]
    if not lines:
        lines = [t(lang, "leaderboard.page_empty" if page.page else "leaderboard.empty")]
    if viewer_id is not None:
        mention = f"<@{viewer_id}>"
        you = (
            t(lang, "leaderboard.you", member=mention, rank=me.rank, points=_num(me.points))
            if me
            else t(lang, "leaderboard.you_unranked", member=mention)
        )
        lines += ["", you]
    embed = discord.Embed(title=title, description="\n".join(lines), color=GOLD)
    embed.set_footer(text=t(lang, "leaderboard.footer", page=page.page + 1))
    return embed


def board_view(
    lang: str, period: str, topic: str | None, page: boards.Page, viewer_id: int
) -> discord.ui.View:
    """Prev/Next buttons, disabled at either end, and Share."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        PageButton(
            period,
            topic,
            max(page.page - 1, 0),
            viewer_id,
            t(lang, "leaderboard.prev"),
            disabled=page.page == 0,
        )
    )
    view.add_item(
        PageButton(
            period,
            topic,
            page.page + 1,
            viewer_id,
            t(lang, "leaderboard.next"),
            disabled=not page.has_next,
        )
    )
    view.add_item(ShareButton(period, topic, page.page, t(lang, "leaderboard.share")))
    return view


# ---------------------------------------------------------------------------- profile
def profile_embed(lang: str, name: str, data: profiles.Profile) -> discord.Embed:
    """Points, rank, streaks, counts, averages by topic and the weakest topic."""
    embed = discord.Embed(title=t(lang, "profile.title", name=name), color=BRAND)
    rank = (
        t(lang, "profile.rank_value", rank=data.rank) if data.rank else t(lang, "profile.unranked")
    )
    fields = [
        ("profile.points", _num(data.points)),
        ("profile.rank", rank),
        (
            "profile.streak",
            t(lang, "profile.streak_value", current=data.current_streak, best=data.best_streak),
        ),
        ("profile.answers", str(data.answers)),
        ("profile.practice", str(data.practice_answers)),
    ]
    if data.average is not None:  # points from adjustments alone: no score to average
        fields.append(("profile.average", t(lang, "profile.score_value", score=_num(data.average))))
    for key, value in fields:
        embed.add_field(name=t(lang, key), value=value)
    if data.topics:
        lines = [
            t(
                lang,
                "profile.topic_line",
                topic=_topic_label(item.topic, lang),
                score=_num(item.average),
                count=item.answers,
            )
            for item in data.topics
        ]
        embed.add_field(name=t(lang, "profile.topics"), value="\n".join(lines)[:1024], inline=False)
    if data.weakest is not None:
        embed.add_field(
            name=t(lang, "profile.weakest"),
            inline=False,
            value=t(
                lang,
                "profile.suggestion",
                topic=_topic_label(data.weakest.topic, lang),
                score=_num(data.weakest.average),
                topic_id=data.weakest.topic,
            ),
        )
    return embed
