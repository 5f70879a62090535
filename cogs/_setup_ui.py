"""/setup's guided form and the settings overview shared with /config show."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import discord

from bot.client import component_guard, permission_names
from bot.formatting import discord_timestamp
from bot.i18n import LANGUAGES, t
from bot.onboarding import Blocker, Overview, SetupChoice, blockers, next_post_at
from bot.questions.topics import TOPICS
from cogs._style import BRAND, SUCCESS, WARNING

# The channel settings, in the order of the form's steps, and the roles of the last step.
STEPS: tuple[tuple[str, ...], ...] = (("daily", "digest", "events"), ("alerts", "review"), ())
ROLES = ("ping_role", "expert_role", "organiser_role")
# Channels only admins (alerts) or experts (review) need to see are created private.
PRIVATE = frozenset({"alerts", "review"})
POSTABLE = [discord.ChannelType.text, discord.ChannelType.news]
EXPIRES_AFTER = 14 * 60  # seconds; Discord's interaction token lasts 15 minutes

log = logging.getLogger(__name__)


def usable_in(guild: discord.Guild | None) -> Callable[[int], bool]:
    """Whether a channel of ``guild`` exists and the bot may post embeds in it."""

    def usable(channel_id: int) -> bool:
        if guild is None:
            return True
        channel = guild.get_channel(channel_id)
        if channel is None:
            return False
        perms = channel.permissions_for(guild.me)
        return perms.view_channel and perms.send_messages and perms.embed_links

    return usable


def _mention(prefix: str, item_id: int | None, none: str) -> str:
    return f"<{prefix}{item_id}>" if item_id else none


def settings_embed(
    lang: str, view: Overview, usable: Callable[[int], bool], now: datetime, title_key: str
) -> discord.Embed:
    """Every setting, a ⚠️ and the fixing command on what will not work yet, the next post."""
    none = t(lang, "daily.none")
    found = blockers(view, usable)
    notes: dict[str, list[str]] = {}
    for blocker in found:
        notes.setdefault(blocker.setting, []).append(_blocker_text(lang, blocker))
    topic = TOPICS[view.topic].label(lang) if view.topic else t(lang, "daily.any_topic")
    day = t(lang, f"digest.day.{view.digest_weekday}")
    rows = (
        ("language", t(lang, "config.language"), t(lang, f"language_names.{view.language}")),
        ("timezone", t(lang, "config.timezone"), view.timezone),
        (
            "daily",
            t(lang, "config.daily"),
            t(
                lang,
                "config.daily_value",
                channel=_mention("#", view.daily_channel_id, none),
                time=view.post_time,
                timezone=view.timezone,
                topic=topic,
            ),
        ),
        ("ping_role", t(lang, "config.ping_role"), _mention("@&", view.ping_role_id, none)),
        ("expert_role", t(lang, "config.expert_role"), _mention("@&", view.expert_role_id, none)),
        ("review", t(lang, "review.channel_field"), _mention("#", view.review_channel_id, none)),
        (
            "digest",
            t(lang, "config.digest"),
            t(
                lang,
                "config.digest_value",
                channel=_mention("#", view.digest_channel_id, none),
                day=day,
                time=view.digest_time,
                timezone=view.timezone,
            ),
        ),
        (
            "events",
            t(lang, "config.events_channel"),
            _mention("#", view.events_channel_id, t(lang, "events.settings_channel_default")),
        ),
        (
            "events_timezone",
            t(lang, "config.events_timezone"),
            view.events_timezone
            or t(lang, "events.settings_timezone_server", timezone=view.timezone),
        ),
        (
            "organiser_role",
            t(lang, "config.organiser_role"),
            _mention("@&", view.organiser_role_id, none),
        ),
        ("reminders", t(lang, "config.reminders"), view.reminders),
        (
            "alerts",
            t(lang, "config.alerts_channel"),
            _mention("#", view.alerts_channel_id, t(lang, "config.alerts_owner_dm")),
        ),
    )
    embed = discord.Embed(title=t(lang, title_key), color=WARNING if found else SUCCESS)
    lines = [t(lang, "config.attention", count=len(found)) if found else t(lang, "config.all_set")]
    lines.append(_first_question(lang, view, now))
    embed.description = "\n".join(lines)
    for setting, name, value in rows:
        text = "\n".join([value, *notes.get(setting, [])])
        embed.add_field(name=name, value=text[:1024], inline=setting not in notes)
    return embed


def _blocker_text(lang: str, blocker: Blocker) -> str:
    return t(lang, f"config.blocker.{blocker.reason}", channel=f"<#{blocker.channel_id}>")


def _first_question(lang: str, view: Overview, now: datetime) -> str:
    return next_question_line(
        lang,
        (view.timezone, view.post_time, view.daily_channel_id, now),
        "config.first_question",
        "setup.no_first_question",
    )


def next_question_line(
    lang: str, schedule: tuple[str, str, int | None, datetime], key: str, missing_key: str
) -> str:
    """When the next daily question goes out (`key`), or that none does (`missing_key`);
    `schedule` is (timezone, local post time, daily channel, now)."""
    timezone, post_time, channel_id, now = schedule
    when = next_post_at(timezone, post_time, channel_id, now)
    if when is None:
        return t(lang, missing_key)
    return t(
        lang,
        key,
        when=discord_timestamp(when, "F"),
        relative=discord_timestamp(when, "R"),
        channel=f"<#{channel_id}>",
    )


@dataclass
class SetupDraft:
    """What the form holds so far: a channel per setting, roles and language (None: keep)."""

    channels: dict[str, int | None] = field(default_factory=dict)
    roles: dict[str, int | None] = field(default_factory=dict)
    language: str | None = None
    timezone: str | None = None

    def choice(self) -> SetupChoice:
        """The service's view of the draft."""
        channel, role = self.channels.get, self.roles.get
        return SetupChoice(
            daily_channel_id=channel("daily"),
            digest_channel_id=channel("digest"),
            events_channel_id=channel("events"),
            alerts_channel_id=channel("alerts"),
            review_channel_id=channel("review"),
            ping_role_id=role("ping_role"),
            expert_role_id=role("expert_role"),
            organiser_role_id=role("organiser_role"),
            timezone=self.timezone,
            language=self.language,
        )


Handler = Callable[[discord.Interaction], Awaitable[None]]


class _Button(discord.ui.Button["SetupView"]):
    def __init__(
        self, label: str, style: discord.ButtonStyle, custom_id: str, handler: Handler
    ) -> None:
        super().__init__(label=label, style=style, custom_id=custom_id)
        self._handler = handler

    async def callback(self, interaction: discord.Interaction) -> None:
        await self._handler(interaction)


class SetupView(discord.ui.View):
    """The three steps of /setup in one private message; Save hands the draft to ``on_save``."""

    def __init__(
        self,
        lang: str,
        view: Overview,
        on_save: Callable[[discord.Interaction, SetupDraft], Awaitable[None]],
        can_create: bool,
        *,
        timezone: str | None = None,
        language: str | None = None,
    ) -> None:
        super().__init__(timeout=EXPIRES_AFTER)
        self.lang, self.step, self.can_create, self._on_save = lang, 0, can_create, on_save
        self.origin: discord.Interaction | None = None  # the /setup call, to mark it expired
        self.timezone = timezone or view.timezone
        self.draft = SetupDraft(
            channels=dict(view.channel_ids()),
            roles={
                "ping_role": view.ping_role_id,
                "expert_role": view.expert_role_id,
                "organiser_role": view.organiser_role_id,
            },
            language=language or view.language,
            timezone=timezone,
        )
        self.render()

    # ------------------------------------------------------------------ rendering
    def embed(self, note: str | None = None) -> discord.Embed:
        """The current step's explanation (and the last action's note)."""
        key = ("setup.step_posts", "setup.step_admin", "setup.step_roles")[self.step]
        text = t(self.lang, key, timezone=self.timezone)
        return discord.Embed(
            title=t(self.lang, "setup.title"),
            description=f"{text}\n\n{note}" if note else text,
            color=BRAND,
        )

    def render(self) -> None:
        """Rebuild the components of the current step."""
        self.clear_items()
        for name in STEPS[self.step]:
            self.add_item(self._channel_select(name))
        if self.step == len(STEPS) - 1:
            self.add_item(self._language_select())
            for name in ROLES:
                self.add_item(self._role_select(name))
        row = 4
        if STEPS[self.step] and self.can_create:
            self.add_item(self._button("create", discord.ButtonStyle.secondary, self._create, row))
        if self.step > 0:
            self.add_item(self._button("back", discord.ButtonStyle.secondary, self._back, row))
        if self.step < len(STEPS) - 1:
            self.add_item(self._button("next", discord.ButtonStyle.primary, self._next, row))
        else:
            self.add_item(self._button("save", discord.ButtonStyle.success, self._save, row))

    def _button(self, name: str, style: discord.ButtonStyle, handler: Handler, row: int) -> _Button:
        button = _Button(t(self.lang, f"setup.{name}"), style, f"setup:{name}", handler)
        button.row = row
        return button

    def _channel_select(self, name: str) -> discord.ui.ChannelSelect[SetupView]:
        chosen = self.draft.channels.get(name)
        select: discord.ui.ChannelSelect[SetupView] = discord.ui.ChannelSelect(
            custom_id=f"setup:{name}",
            placeholder=t(self.lang, f"setup.placeholder.{name}"),
            channel_types=POSTABLE,
            min_values=0,
            max_values=1,
            default_values=[discord.Object(chosen, type=discord.abc.GuildChannel)]
            if chosen
            else [],
        )

        async def picked(interaction: discord.Interaction) -> None:
            channel_id = select.values[0].id if select.values else None
            self.draft.channels[name] = channel_id
            note = None  # kept, but said at once: the admin may fix the permissions afterwards
            if channel_id is not None and not usable_in(interaction.guild)(channel_id):
                note = _blocker_text(self.lang, Blocker(name, "cant_post", channel_id))
            await self._show(interaction, note)

        select.callback = picked  # type: ignore[method-assign]
        return select

    def _role_select(self, name: str) -> discord.ui.RoleSelect[SetupView]:
        chosen = self.draft.roles.get(name)
        select: discord.ui.RoleSelect[SetupView] = discord.ui.RoleSelect(
            custom_id=f"setup:{name}",
            placeholder=t(self.lang, f"setup.placeholder.{name}"),
            min_values=0,
            max_values=1,
            default_values=[discord.Object(chosen, type=discord.Role)] if chosen else [],
        )

        async def picked(interaction: discord.Interaction) -> None:
            self.draft.roles[name] = select.values[0].id if select.values else None
            await self._show(interaction)

        select.callback = picked  # type: ignore[method-assign]
        return select

    def _language_select(self) -> discord.ui.Select[SetupView]:
        select: discord.ui.Select[SetupView] = discord.ui.Select(
            custom_id="setup:language",
            placeholder=t(self.lang, "setup.placeholder.language"),
            options=[
                discord.SelectOption(
                    label=t(lang, f"language_names.{lang}"),
                    value=lang,
                    default=lang == self.draft.language,
                )
                for lang in LANGUAGES
            ],
        )

        async def picked(interaction: discord.Interaction) -> None:
            self.draft.language = select.values[0]
            await self._show(interaction)

        select.callback = picked  # type: ignore[method-assign]
        return select

    async def _show(self, interaction: discord.Interaction, note: str | None = None) -> None:
        self.render()
        await interaction.response.edit_message(embed=self.embed(note), view=self)

    async def on_timeout(self) -> None:
        """Say the form expired (before Discord's 15-minute interaction token does)."""
        if self.origin is None:
            return
        expired = discord.Embed(
            title=t(self.lang, "setup.title"), description=t(self.lang, "setup.expired")
        )
        try:
            await self.origin.edit_original_response(embed=expired, view=None)
        except discord.HTTPException as exc:
            log.warning("expired /setup form not updated: %s", exc)

    # ------------------------------------------------------------------ actions
    @component_guard
    async def _next(self, interaction: discord.Interaction) -> None:
        self.step += 1
        await self._show(interaction)

    @component_guard
    async def _back(self, interaction: discord.Interaction) -> None:
        self.step -= 1
        await self._show(interaction)

    @component_guard
    async def _create(self, interaction: discord.Interaction) -> None:
        """Create a channel for every setting of this step that has none (Manage Channels)."""
        guild = interaction.guild
        assert guild is not None, "/setup is guild-only"
        refused = t(
            self.lang,
            "setup.cannot_create",
            permission=permission_names(self.lang, ["manage_channels"]),
        )
        if not guild.me.guild_permissions.manage_channels:
            await self._show(interaction, refused)
            return
        missing = [n for n in STEPS[self.step] if self.draft.channels.get(n) is None]
        if not missing:
            await self._show(interaction, t(self.lang, "setup.nothing_to_create"))
            return
        made: dict[str, list[str]] = {"setup.created": [], "setup.reused": []}
        for name in missing:
            wanted = t(self.lang, f"setup.channel_name.{name}")
            channel = discord.utils.get(guild.text_channels, name=wanted)
            if channel is not None:  # a channel of that name exists: take it, don't add a twin
                made["setup.reused"].append(channel.mention)
            else:
                try:
                    channel = await guild.create_text_channel(
                        wanted,
                        overwrites=self._overwrites(guild, interaction.user)
                        if name in PRIVATE
                        else {},
                    )
                except discord.Forbidden:  # the permission was taken away since /setup started
                    await self._show(interaction, refused)
                    return
                made["setup.created"].append(channel.mention)
            self.draft.channels[name] = channel.id
        notes = [t(self.lang, key, channels=", ".join(ch)) for key, ch in made.items() if ch]
        await self._show(interaction, " ".join(notes))

    def _overwrites(
        self, guild: discord.Guild, admin: discord.Member | discord.User
    ) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
        """Hidden from everyone but the bot, the admin running /setup and the expert role."""
        see = discord.PermissionOverwrite(view_channel=True, send_messages=True, embed_links=True)
        overwrites: dict[
            discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite
        ] = {
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            guild.me: see,
        }
        if isinstance(admin, discord.Member):
            overwrites[admin] = discord.PermissionOverwrite(view_channel=True)
        expert = guild.get_role(self.draft.roles.get("expert_role") or 0)
        if expert is not None:
            overwrites[expert] = see
        return overwrites

    @component_guard
    async def _save(self, interaction: discord.Interaction) -> None:
        self.stop()
        await self._on_save(interaction, self.draft)
