"""/config: server settings (Manage Server only)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import ledger
from bot.client import ALERT_KINDS, AiclubBot
from bot.events import digest as digests
from bot.events import service as event_service
from bot.guilds import get_settings, set_language
from bot.i18n import t
from bot.interactions import guild_id_of
from bot.questions import review
from bot.questions import service as questions
from bot.questions.schedule import suggest_timezones
from bot.questions.topics import TOPICS

LANGUAGE_CHOICES = [
    app_commands.Choice(name="English", value="en"),
    app_commands.Choice(name="中文", value="zh"),
]
TOPIC_CHOICES = [app_commands.Choice(name="any", value="any")] + [
    app_commands.Choice(name=topic.en, value=topic.id) for topic in TOPICS.values()
]
DAY_CHOICES = [app_commands.Choice(name=day.title(), value=day) for day in digests.WEEKDAYS]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ConfigGroup(app_commands.Group, name="config", description="Server settings (Manage Server)"):
    """Settings commands; every subcommand re-checks Manage Server on the server side."""

    def __init__(self, bot: AiclubBot) -> None:
        super().__init__()
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        perms = interaction.permissions
        if not perms.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    @app_commands.command(name="show", description="Show this server's settings")
    async def show(self, interaction: discord.Interaction) -> None:
        lang = await self.bot.lang_for(interaction)
        async with self.bot.db.session() as session:
            settings = await get_settings(session, guild_id_of(interaction), self.bot.clock.now())
            daily = await questions.get_daily_config(
                session, guild_id_of(interaction), self.bot.clock.now()
            )
            problems = await ledger.last_problems(session, guild_id_of(interaction))
            await session.commit()
        embed = discord.Embed(title=t(lang, "config.show_title"), color=0x5865F2)
        embed.add_field(
            name=t(lang, "config.language"), value=t(lang, f"language_names.{settings.language}")
        )
        embed.add_field(name=t(lang, "config.timezone"), value=settings.timezone)
        embed.add_field(
            name=t(lang, "review.channel_field"),
            value=f"<#{daily.review_channel_id}>"
            if daily.review_channel_id
            else t(lang, "daily.none"),
        )
        embed.add_field(
            name=t(lang, "config.alerts_channel"),
            value=f"<#{settings.alert_channel_id}>"
            if settings.alert_channel_id
            else t(lang, "config.alerts_owner_dm"),
        )
        if problems:
            lines = [
                t(
                    lang,
                    "config.problem_line",
                    what=t(lang, f"alerts.kind.{kind}", key=row.occurrence_key),
                    status=row.status,
                    error=(row.error or "")[:150],
                )
                for kind, row in sorted(problems.items())
                if kind in ALERT_KINDS
            ]
            embed.add_field(
                name=t(lang, "config.problems"),
                value="\n".join(lines)[:1024] or t(lang, "config.no_problems"),
                inline=False,
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="alerts", description="Where to tell admins of failed posts")
    @app_commands.describe(channel="Channel for delivery alerts (default: a DM to the owner)")
    async def alerts(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            settings = await get_settings(session, guild_id_of(interaction), now)
            settings.alert_channel_id, settings.updated_at = channel.id, now
            await session.commit()
        lang = await self.bot.lang_for(interaction)
        await interaction.response.send_message(
            t(lang, "config.alerts_saved", channel=channel.mention), ephemeral=True
        )

    @app_commands.command(name="language", description="Set this server's default language")
    @app_commands.describe(language="en or zh")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(self, interaction: discord.Interaction, language: str) -> None:
        async with self.bot.db.session() as session:
            await set_language(session, guild_id_of(interaction), language, self.bot.clock.now())
            await session.commit()
        lang = await self.bot.lang_for(interaction)
        await interaction.response.send_message(
            t(lang, "config.language_set", language=t(language, f"language_names.{language}")),
            ephemeral=True,
        )

    @app_commands.command(name="daily", description="Daily question: channel, time, timezone…")
    @app_commands.describe(
        channel="Where the daily question is posted",
        time="Local time HH:MM (24 h), default 09:00",
        timezone="IANA timezone, e.g. Asia/Shanghai",
        language="Main language of the posts",
        topic="Only post this topic ('any' rotates through all)",
        role="Role to ping with each question",
        expert_role="Members with this role may adjust scores",
        review_channel="Where members' review requests go (experts decide there)",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES, topic=TOPIC_CHOICES)
    async def daily(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        time: app_commands.Range[str, 1, 10] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        language: str | None = None,
        topic: str | None = None,
        role: discord.Role | None = None,
        expert_role: discord.Role | None = None,
        review_channel: discord.TextChannel | None = None,
    ) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            settings, config = await questions.configure_daily(
                session,
                guild_id_of(interaction),
                now,
                channel_id=channel.id if channel else None,
                post_time=time,
                timezone=timezone,
                language=language,
                topic=topic,
                ping_role_id=role.id if role else None,
                expert_role_id=expert_role.id if expert_role else None,
            )
            if review_channel is not None:
                await review.set_review_channel(
                    session, guild_id_of(interaction), review_channel.id, now
                )
            await session.commit()
        lang = await self.bot.lang_for(interaction)
        none = t(lang, "daily.none")
        embed = discord.Embed(title=t(lang, "daily.settings_title"), color=0x5865F2)
        embed.add_field(
            name=t(lang, "daily.channel"),
            value=f"<#{config.channel_id}>" if config.channel_id else none,
        )
        embed.add_field(name=t(lang, "daily.time"), value=f"{config.post_time} {settings.timezone}")
        embed.add_field(
            name=t(lang, "config.language"), value=t(lang, f"language_names.{settings.language}")
        )
        embed.add_field(
            name=t(lang, "daily.topic"),
            value=TOPICS[config.topic].label(lang) if config.topic else t(lang, "daily.any_topic"),
        )
        embed.add_field(
            name=t(lang, "daily.role"),
            value=f"<@&{config.ping_role_id}>" if config.ping_role_id else none,
        )
        embed.add_field(
            name=t(lang, "daily.expert_role"),
            value=f"<@&{config.expert_role_id}>" if config.expert_role_id else none,
        )
        embed.add_field(
            name=t(lang, "review.channel_field"),
            value=f"<#{config.review_channel_id}>" if config.review_channel_id else none,
        )
        if review_channel is not None and not _can_post(interaction, review_channel):
            embed.add_field(
                name="⚠️",
                inline=False,
                value=t(lang, "review.channel_cant_post", channel=review_channel.mention),
            )
        changed = any(
            v is not None
            for v in (channel, time, timezone, language, topic, role, expert_role, review_channel)
        )
        if changed:
            self.bot.dispatch("daily_config_changed", interaction.guild_id)
            embed.description = t(
                lang, "daily.saved", time=config.post_time, timezone=settings.timezone
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="events", description="Events: reminders, organiser role, channel")
    @app_commands.describe(
        reminders="When to remind members before each event, e.g. 24h,15m ('none' for no DMs)",
        organiser_role="Members with this role may create events",
        channel="Where events are announced",
    )
    async def events(
        self,
        interaction: discord.Interaction,
        reminders: app_commands.Range[str, 1, 60] | None = None,
        organiser_role: discord.Role | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            config = await event_service.configure_events(
                session,
                guild_id_of(interaction),
                now,
                reminders=reminders,
                organiser_role_id=organiser_role.id if organiser_role else None,
                channel_id=channel.id if channel else None,
            )
            settings = await get_settings(session, guild_id_of(interaction), now)
            await session.commit()
        lang = await self.bot.lang_for(interaction)
        none = t(lang, "daily.none")
        embed = discord.Embed(title=t(lang, "events.settings_title"), color=0x5865F2)
        embed.add_field(
            name=t(lang, "events.settings_channel"),
            value=f"<#{config.channel_id}>"
            if config.channel_id
            else t(lang, "events.settings_channel_default"),
        )
        embed.add_field(
            name=t(lang, "events.settings_role"),
            value=f"<@&{config.organiser_role_id}>" if config.organiser_role_id else none,
        )
        embed.add_field(
            name=t(lang, "events.settings_reminders"), value=event_service.describe_offsets(config)
        )
        embed.add_field(name=t(lang, "config.timezone"), value=settings.timezone)
        if any(v is not None for v in (reminders, organiser_role, channel)):
            self.bot.dispatch("event_config_changed", interaction.guild_id)
            embed.description = t(lang, "events.settings_saved")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="digest", description="Weekly digest: channel, day and local time")
    @app_commands.describe(
        channel="Where the weekly digest is posted",
        day="Day of the week (default Monday)",
        time="Local time HH:MM (24 h), default 09:00",
    )
    @app_commands.choices(day=DAY_CHOICES)
    async def digest(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        day: str | None = None,
        time: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            config = await digests.configure_digest(
                session,
                guild_id_of(interaction),
                now,
                channel_id=channel.id if channel else None,
                weekday=day,
                post_time=time,
            )
            settings = await get_settings(session, guild_id_of(interaction), now)
            await session.commit()
        lang = await self.bot.lang_for(interaction)
        embed = discord.Embed(title=t(lang, "digest.settings_title"), color=0x5865F2)
        embed.add_field(
            name=t(lang, "digest.settings_channel"),
            value=f"<#{config.channel_id}>" if config.channel_id else t(lang, "daily.none"),
        )
        embed.add_field(
            name=t(lang, "digest.settings_when"),
            value=t(
                lang,
                "digest.settings_when_value",
                day=t(lang, f"digest.day.{config.weekday}"),
                time=config.post_time,
                timezone=settings.timezone,
            ),
        )
        if any(v is not None for v in (channel, day, time)):
            self.bot.dispatch("digest_config_changed", interaction.guild_id)
            embed.description = t(lang, "digest.settings_saved")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @daily.autocomplete("timezone")
    async def _timezones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in suggest_timezones(current)]


def _can_post(interaction: discord.Interaction, channel: discord.abc.GuildChannel) -> bool:
    """Whether the bot may post embeds in ``channel`` (True when it cannot tell)."""
    me = interaction.guild.me if interaction.guild else None
    if me is None:
        return True
    perms = channel.permissions_for(me)
    return perms.view_channel and perms.send_messages and perms.embed_links


class Config(commands.Cog):
    """Holds the /config group."""

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot
        bot.tree.add_command(ConfigGroup(bot))

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command("config")


async def setup(bot: AiclubBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Config(bot))
