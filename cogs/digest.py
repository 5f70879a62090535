"""The weekly digest: one post per guild and ISO week, and /digest preview."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot import ledger
from bot.client import AiclubBot
from bot.digest import service as digests
from bot.digest.service import ClaimedDigest, Digest, DigestSender
from bot.i18n import t
from bot.interactions import request_of
from bot.ledger import Occurrence
from bot.questions.topics import TOPICS
from bot.ratelimit import RateLimiter
from bot.scheduling import schedule_local_cron
from bot.signals import digest_job
from cogs._event_ui import when_text
from cogs._question_ui import clip_lines
from cogs._style import BRAND


def _points(value: float) -> str:
    """12.5 → '12.5', 30.0 → '30'."""
    return f"{round(value, 1):g}"


def week_range(lang: str, monday: date) -> str:
    """The week from ``monday`` for people: ``Nov 30 – Dec 6, 2026``, ``2026年11月30日—12月6日``."""
    sunday = monday + timedelta(days=6)
    months = t(lang, "digest.months").split()

    def day(value: date) -> str:
        return t(lang, "digest.date", month=months[value.month - 1], day=value.day)

    if monday.year == sunday.year:
        return t(lang, "digest.range", start=day(monday), end=day(sunday), year=monday.year)
    return t(
        lang,
        "digest.range_years",
        start=day(monday),
        start_year=monday.year,
        end=day(sunday),
        end_year=sunday.year,
    )


def digest_embed(digest: Digest) -> discord.Embed:
    """The digest as one embed, in the guild's language."""
    lang = digest.language

    def member(user_id: int) -> str:
        return t(lang, "profile.anonymous") if user_id in digest.hidden else f"<@{user_id}>"

    embed = discord.Embed(
        title=t(lang, "digest.title", week=week_range(lang, digest.monday)), color=BRAND
    )
    if digest.empty:
        embed.description = t(lang, "digest.quiet")
    events = [
        t(
            lang,
            "digest.event_line",
            title=e.title,
            when=when_text(e.start),
            going=f"{e.going}/{e.capacity}" if e.capacity is not None else e.going,
            maybe=e.maybe,
        )
        for e in digest.events
    ]
    embed.add_field(
        name=t(lang, "digest.events"),
        value=clip_lines(events) or t(lang, "digest.no_events"),
        inline=False,
    )
    if digest.top:
        lines = [
            t(lang, "digest.top_line", rank=rank, member=member(user_id), points=_points(points))
            for rank, (user_id, points) in enumerate(digest.top, 1)
        ]
        last_week = week_range(lang, digest.last_monday)
        embed.add_field(
            name=t(lang, "digest.top", week=last_week), value="\n".join(lines), inline=False
        )
    if digest.improved:
        lines = [
            t(lang, "digest.improved_line", member=member(user_id), points=_points(gain))
            for user_id, gain in digest.improved
        ]
        embed.add_field(name=t(lang, "digest.improved"), value="\n".join(lines), inline=False)
    if digest.questions:
        lines = []
        for question in digest.questions:
            prompt = f"[{question.prompt}]({question.url})" if question.url else question.prompt
            if question.average is None:
                line = t(lang, "digest.question_unanswered", prompt=prompt)
            else:
                line = t(
                    lang,
                    "digest.question_line",
                    prompt=prompt,
                    count=question.answers,
                    average=_points(question.average),
                )
            if question.most_missed:
                line += t(lang, "digest.most_missed", point=question.most_missed)
            lines.append(line)
        embed.add_field(name=t(lang, "digest.questions"), value=clip_lines(lines), inline=False)
    topic = TOPICS.get(digest.weakest_topic or "")
    embed.add_field(
        name=t(lang, "digest.suggestion"),
        value=t(lang, "digest.practise_topic", topic=topic.label(lang), topic_id=topic.id)
        if topic
        else t(lang, "digest.practise_any"),
        inline=False,
    )
    embed.set_footer(text=t(lang, "digest.footer"))
    return embed


class DigestCog(commands.Cog, name="Digest"):
    """Posts each guild's weekly digest at its local day and time."""

    digest = app_commands.Group(
        name="digest",
        description="The weekly digest (Manage Server)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot
        self.sender = DigestSender(
            bot.db,
            bot.clock,
            self._send,
            limiter=RateLimiter(),
            bank=bot.services.bank,
            delivery=bot.delivery,
        )

    async def cog_load(self) -> None:
        for guild_id in await self.sender.guilds():
            await self.schedule_guild(guild_id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Catch up on digests missed within the grace window (every cog is loaded by now)."""
        guild_ids = await self.sender.guilds()
        await asyncio.gather(*(self.sender.run(guild_id) for guild_id in guild_ids))

    @commands.Cog.listener()
    async def on_digest_config_changed(self, guild_id: int) -> None:
        """/config digest changed: move the guild's job."""
        await self.schedule_guild(guild_id)

    @commands.Cog.listener()
    async def on_daily_config_changed(self, guild_id: int) -> None:
        """The guild's timezone may have changed."""
        await self.schedule_guild(guild_id)

    async def schedule_guild(self, guild_id: int) -> None:
        """(Re)schedule the guild's digest at its local weekday and time."""
        schedule = await self.sender.schedule(guild_id)

        async def fire() -> None:
            await self.sender.run(guild_id)

        schedule_local_cron(self.bot.scheduler, digest_job(guild_id), schedule.local_time, fire)

    async def _send(self, claimed: ClaimedDigest, digest: Digest) -> int:
        channel = await self.bot.post_channel(claimed.channel_id)
        message = await channel.send(
            embed=digest_embed(digest),
            allowed_mentions=discord.AllowedMentions.none(),
            nonce=ledger.nonce(Occurrence(claimed.guild_id, digests.LEDGER_KIND, claimed.week)),
        )
        return message.id

    @digest.command(name="preview", description="Show this week's digest privately (not posted)")
    async def preview(self, interaction: discord.Interaction) -> None:
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        request = await request_of(interaction)
        digest = await self.sender.preview(request.guild_id)
        await interaction.response.send_message(
            embed=digest_embed(replace(digest, language=request.lang)), ephemeral=True
        )


async def setup(bot: AiclubBot) -> None:
    """Extension entry point."""
    await bot.add_cog(DigestCog(bot))
