"""/config: server settings (Manage Server only)."""

from __future__ import annotations

from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot import onboarding
from bot.client import ALERT_KINDS, AiclubBot
from bot.digest import service as digests
from bot.errors import UserError
from bot.events.timeparse import TimeParseError, parse_time_of_day
from bot.i18n import t
from bot.interactions import request_of
from bot.questions.schedule import suggest_timezones
from bot.questions.topics import TOPICS
from bot.signals import (
    DAILY_CONFIG_CHANGED,
    DIGEST_CONFIG_CHANGED,
    EVENT_CONFIG_CHANGED,
    SETTINGS_SIGNALS,
)
from cogs._setup_ui import (
    SetupDraft,
    SetupView,
    next_question_line,
    settings_embed,
    usable_in,
)
from cogs._style import BRAND

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
        request = await request_of(interaction)
        view = await self.bot.services.settings.overview(request.guild_id)
        lang, now = request.lang, request.now
        embed = settings_embed(lang, view, usable_in(interaction.guild), now, "config.show_title")
        if view.problems:
            lines = [
                t(
                    lang,
                    "config.problem_line",
                    what=t(lang, f"alerts.kind.{kind}", key=row.occurrence_key),
                    status=t(lang, f"config.status.{row.status}"),
                    error=(row.error or "")[:150],
                )
                for kind, row in sorted(view.problems.items())
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
        request = await request_of(interaction)
        await self.bot.services.settings.set_alerts_channel(request.guild_id, channel.id)
        lang = request.lang
        await interaction.response.send_message(
            t(lang, "config.alerts_saved", channel=channel.mention), ephemeral=True
        )

    @app_commands.command(name="language", description="Set this server's default language")
    @app_commands.describe(language="en or zh")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(self, interaction: discord.Interaction, language: str) -> None:
        request = await request_of(interaction)
        view = await self.bot.services.settings.set_language(request.guild_id, language)
        lang = request.lang_with(view.language)
        await interaction.response.send_message(
            t(lang, "config.language_set", language=t(language, f"language_names.{language}")),
            ephemeral=True,
        )

    @app_commands.command(name="daily", description="Daily question: channel, time, timezone…")
    @app_commands.describe(
        channel="Where the daily question is posted",
        time="Local time, e.g. 9am, 9:30 pm or 21:00 (default 09:00)",
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
        request = await request_of(interaction)
        view = await self.bot.services.settings.configure_daily(
            request.guild_id,
            channel_id=channel.id if channel else None,
            post_time=_time_of_day(time),
            timezone=timezone,
            language=language,
            topic=topic,
            ping_role_id=role.id if role else None,
            expert_role_id=expert_role.id if expert_role else None,
            review_channel_id=review_channel.id if review_channel else None,
        )
        lang, now = request.lang_with(view.language), request.now
        none = t(lang, "daily.none")
        embed = discord.Embed(title=t(lang, "daily.settings_title"), color=BRAND)
        embed.add_field(
            name=t(lang, "daily.channel"),
            value=f"<#{view.daily_channel_id}>" if view.daily_channel_id else none,
        )
        embed.add_field(name=t(lang, "daily.time"), value=f"{view.post_time} {view.timezone}")
        embed.add_field(
            name=t(lang, "config.language"), value=t(lang, f"language_names.{view.language}")
        )
        embed.add_field(
            name=t(lang, "daily.topic"),
            value=TOPICS[view.topic].label(lang) if view.topic else t(lang, "daily.any_topic"),
        )
        embed.add_field(
            name=t(lang, "daily.role"),
            value=f"<@&{view.ping_role_id}>" if view.ping_role_id else none,
        )
        embed.add_field(
            name=t(lang, "daily.expert_role"),
            value=f"<@&{view.expert_role_id}>" if view.expert_role_id else none,
        )
        embed.add_field(
            name=t(lang, "review.channel_field"),
            value=f"<#{view.review_channel_id}>" if view.review_channel_id else none,
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
            self.bot.dispatch(DAILY_CONFIG_CHANGED, request.guild_id)
            embed.description = _saved_text(
                lang, view.timezone, view.post_time, view.daily_channel_id, now
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(
        name="events", description="Events: reminders, organiser role, channel, timezone"
    )
    @app_commands.describe(
        reminders="When to remind members before each event, e.g. 24h,15m ('none' for no DMs)",
        organiser_role="Members with this role may create events",
        channel="Where events are announced",
        timezone="Timezone of event times, e.g. Europe/Berlin ('server': the server's)",
    )
    async def events(
        self,
        interaction: discord.Interaction,
        reminders: app_commands.Range[str, 1, 60] | None = None,
        organiser_role: discord.Role | None = None,
        channel: discord.TextChannel | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        request = await request_of(interaction)
        view = await self.bot.services.settings.configure_events(
            request.guild_id,
            reminders=reminders,
            organiser_role_id=organiser_role.id if organiser_role else None,
            channel_id=channel.id if channel else None,
            timezone=timezone,
        )
        lang = request.lang
        none = t(lang, "daily.none")
        embed = discord.Embed(title=t(lang, "events.settings_title"), color=BRAND)
        embed.add_field(
            name=t(lang, "events.settings_channel"),
            value=f"<#{view.events_channel_id}>"
            if view.events_channel_id
            else t(lang, "events.settings_channel_default"),
        )
        embed.add_field(
            name=t(lang, "events.settings_role"),
            value=f"<@&{view.organiser_role_id}>" if view.organiser_role_id else none,
        )
        embed.add_field(name=t(lang, "events.settings_reminders"), value=view.reminders)
        embed.add_field(
            name=t(lang, "config.timezone"),
            value=view.events_timezone
            or t(lang, "events.settings_timezone_server", timezone=view.timezone),
        )
        if any(v is not None for v in (reminders, organiser_role, channel, timezone)):
            self.bot.dispatch(EVENT_CONFIG_CHANGED, request.guild_id)
            embed.description = t(lang, "events.settings_saved")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="digest", description="Weekly digest: channel, day and local time")
    @app_commands.describe(
        channel="Where the weekly digest is posted",
        day="Day of the week (default Monday)",
        time="Local time, e.g. 9am, 9:30 pm or 21:00 (default 09:00)",
    )
    @app_commands.choices(day=DAY_CHOICES)
    async def digest(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        day: str | None = None,
        time: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        request = await request_of(interaction)
        view = await self.bot.services.settings.configure_digest(
            request.guild_id,
            channel_id=channel.id if channel else None,
            weekday=day,
            post_time=_time_of_day(time),
        )
        lang = request.lang
        embed = discord.Embed(title=t(lang, "digest.settings_title"), color=BRAND)
        embed.add_field(
            name=t(lang, "digest.settings_channel"),
            value=f"<#{view.digest_channel_id}>"
            if view.digest_channel_id
            else t(lang, "daily.none"),
        )
        embed.add_field(
            name=t(lang, "digest.settings_when"),
            value=t(
                lang,
                "digest.settings_when_value",
                day=t(lang, f"digest.day.{view.digest_weekday}"),
                time=view.digest_time,
                timezone=view.timezone,
            ),
        )
        if any(v is not None for v in (channel, day, time)):
            self.bot.dispatch(DIGEST_CONFIG_CHANGED, request.guild_id)
            embed.description = t(lang, "digest.settings_saved")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @daily.autocomplete("timezone")
    @events.autocomplete("timezone")
    async def _timezones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in suggest_timezones(current)]


def _saved_text(
    lang: str, timezone: str, post_time: str, channel_id: int | None, now: datetime
) -> str:
    """'Saved' and when the next question goes out, or that none does without a channel."""
    schedule = (timezone, post_time, channel_id, now)
    return next_question_line(lang, schedule, "daily.saved", "daily.saved_no_channel")


def _time_of_day(text: str | None) -> str | None:
    """A typed daily time (``9am``, ``9:30 pm``, ``21:00``, ``晚上9点``) as ``HH:MM``; raises
    UserError for anything else."""
    if text is None:
        return None
    try:
        return f"{parse_time_of_day(text):%H:%M}"
    except TimeParseError as exc:
        ambiguous = exc.code == "ambiguous"  # a bare 1-12 hour
        key = "config.ambiguous_time_of_day" if ambiguous else "config.unparseable_time_of_day"
        raise UserError(key, value=text) from None


def _can_post(interaction: discord.Interaction, channel: discord.abc.GuildChannel) -> bool:
    """Whether the bot may post embeds in ``channel`` (True when it cannot tell)."""
    me = interaction.guild.me if interaction.guild else None
    if me is None:
        return True
    perms = channel.permissions_for(me)
    return perms.view_channel and perms.send_messages and perms.embed_links


class Config(commands.Cog):
    """Holds the /config group and /setup."""

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot
        bot.tree.add_command(ConfigGroup(bot))

    @app_commands.command(
        name="setup", description="Set aiclub up: channels, timezone, language, roles"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        timezone="IANA timezone, e.g. Asia/Shanghai (default: keep the current one)",
        language="Main language of the server's posts",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def setup_form(
        self,
        interaction: discord.Interaction,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        language: str | None = None,
    ) -> None:
        zone = onboarding.check_timezone(timezone) if timezone is not None else None
        request = await request_of(interaction)
        view = await self.bot.services.settings.overview(request.guild_id)
        lang = request.lang
        guild = interaction.guild
        can_create = guild is not None and guild.me.guild_permissions.manage_channels
        form = SetupView(lang, view, self._save_setup, can_create, timezone=zone, language=language)
        await interaction.response.send_message(embed=form.embed(), view=form, ephemeral=True)
        form.origin = interaction

    @setup_form.autocomplete("timezone")
    async def _setup_timezones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in suggest_timezones(current)]

    async def _save_setup(self, interaction: discord.Interaction, draft: SetupDraft) -> None:
        """Save the form, move the scheduled jobs, and show the summary with the first post."""
        request = await request_of(interaction)
        view = await self.bot.services.settings.apply_setup(request.guild_id, draft.choice())
        for event in SETTINGS_SIGNALS:
            self.bot.dispatch(event, request.guild_id)
        lang = request.lang_with(view.language)
        usable = usable_in(interaction.guild)
        embed = settings_embed(lang, view, usable, request.now, "setup.saved_title")
        await interaction.response.edit_message(embed=embed, view=None)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command("config")


async def setup(bot: AiclubBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Config(bot))
