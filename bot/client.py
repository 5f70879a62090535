"""The bot: an AutoShardedBot that opens the database, loads every cog and runs the scheduler."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import pkgutil
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import discord
from apscheduler.triggers.date import DateTrigger
from discord import app_commands
from discord.ext import commands
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import cogs
from bot import ledger
from bot.clock import Clock
from bot.config import Settings
from bot.db import migrate
from bot.db.engine import Database
from bot.db.models import BotState, ScheduledPost
from bot.delivery import Delivery
from bot.errors import UserError
from bot.guilds import read_settings
from bot.i18n import catalog, normalize_lang, pick_lang, t
from bot.interactions import client_of
from bot.ledger import Occurrence
from bot.onboarding import claim_greeting
from bot.scheduling import Scheduler
from bot.signals import SWEEP_JOB
from bot.translator import CatalogTranslator

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

# The kinds of channel the bot posts in: each has send() and get_partial_message().
PostChannel = (
    discord.TextChannel
    | discord.VoiceChannel
    | discord.StageChannel
    | discord.Thread
    | discord.DMChannel
)


def discover_cogs() -> list[str]:
    """Every extension module in the ``cogs`` package (names starting with '_' are skipped)."""
    return sorted(
        f"cogs.{info.name}"
        for info in pkgutil.iter_modules(cogs.__path__)
        if not info.name.startswith("_")
    )


class AiclubTree(app_commands.CommandTree["AiclubBot"]):
    """The command tree: counts commands in flight so shutdown can let them finish."""

    def __init__(self, client: AiclubBot) -> None:
        super().__init__(client)
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def _call(self, interaction: discord.Interaction[AiclubBot]) -> None:
        self._in_flight += 1
        self._idle.clear()
        try:
            await super()._call(interaction)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def wait_idle(self, grace: float) -> bool:
        """Wait until no command runs; False if some were still running after ``grace`` s."""
        try:
            async with asyncio.timeout(grace):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True


class AiclubBot(commands.AutoShardedBot):
    """aiclub's Discord client: settings, db, clock, scheduler and the shared ``services``.

    Built by ``bot.app.build_bot``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database,
        clock: Clock,
        scheduler: Scheduler,
        services: Services,
        extensions: Iterable[str] | None = None,
        shard_count: int | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # Nothing the bot sends pings anyone unless that send names whom (the daily
            # role, members with closed DMs): event titles, places and member text are
            # never read as @everyone, @here, role or user mentions.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=AiclubTree,
            help_command=None,
            shard_count=shard_count,
        )
        self.settings = settings
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self.services = services
        self.extensions_to_load = list(extensions) if extensions is not None else discover_cogs()
        self.started_at: datetime = clock.now()
        self.delivery = Delivery(db, clock, self.alert_admins)
        self._sweep_at: datetime | None = None
        self.tree.error(self.on_app_command_error)

    # ------------------------------------------------------------------ start-up
    async def setup_hook(self) -> None:
        await self._open_database()
        await self.tree.set_translator(CatalogTranslator())
        for name in self.extensions_to_load:
            await self.load_extension(name)
        self.delivery.on_wake = self._wake_sweep
        await self.sweep()
        self.scheduler.start()
        await self.sync_commands()

    async def _open_database(self) -> None:
        if self.db.backend == "sqlite":
            await migrate.upgrade(self.db.engine)
            return
        head = migrate.alembic_config()
        from alembic.script import ScriptDirectory

        expected = ScriptDirectory.from_config(head).get_current_head()
        current = await migrate.current_revision(self.db.engine)
        if current != expected:
            raise RuntimeError(
                f"the database schema is at {current or 'nothing'}, the bot needs {expected}: "
                "run `aiclub db upgrade` first"
            )

    async def sync_commands(self) -> bool:
        """Sync the command tree if it changed since the last sync; True if it synced."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        translator = self.tree.translator
        assert translator is not None, "setup_hook sets the translator before the first sync"
        payload = [
            await command.get_translated_payload(self.tree, translator)
            for command in self.tree.get_commands(guild=guild)
        ]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"command_tree_hash:{guild.id if guild else 'global'}"
        async with self.db.session() as session:
            synced = await session.scalar(select(BotState.value).where(BotState.key == key))
        if synced == digest:
            log.info("command tree unchanged since last sync; not syncing")
            return False
        await self.tree.sync(guild=guild)
        async with self.db.transaction() as session:
            await session.merge(BotState(key=key, value=digest, updated_at=self.clock.now()))
        log.info("synced %d commands to %s", len(payload), guild.id if guild else "all guilds")
        return True

    # ------------------------------------------------------------------ helpers
    def loaded_models(self) -> list[str]:
        """Versions of the ML models in memory; none until the background load or an ML command."""
        return self.services.inference.loaded_models()

    async def guild_language(self, guild_id: int | None) -> str:
        """The guild's configured language ('en' outside guilds)."""
        if guild_id is None:
            return self.settings.language
        return await self.services.settings.language(guild_id)

    async def lang_for(self, interaction: discord.Interaction) -> str:
        """The language to answer ``interaction`` in: user's locale, else the guild's."""
        return pick_lang(str(interaction.locale), await self.guild_language(interaction.guild_id))

    async def post_channel(self, channel_id: int) -> PostChannel:
        """The channel ``channel_id`` from the cache, else from Discord.

        TypeError if it is a kind of channel that takes no messages (a category or a forum).
        """
        channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
        if not isinstance(channel, PostChannel):
            raise TypeError(f"channel {channel_id} is a {type(channel).__name__}: no messages")
        return channel

    # ------------------------------------------------------------------ delivery
    async def sweep(self) -> None:
        """Take up every scheduled post that is due again (retries, dead processes).

        Runs at start and then on a minute tick whenever anything can be due (a retry, a
        lease, and a full look at the database every 6 hours); idle minutes are skipped.
        """
        try:
            await self.delivery.sweep()
        finally:
            self._sweep_at = None
            self._wake_sweep(self.delivery.next_sweep())

    def _wake_sweep(self, when: datetime) -> None:
        if self._sweep_at is not None and self._sweep_at <= when:
            return
        self._sweep_at = when
        self.scheduler.add_job(SWEEP_JOB, DateTrigger(when), self.sweep)

    async def alert_admins(self, occurrence: Occurrence, reason: str, error: str) -> None:
        """Tell a guild's admins that a scheduled post failed: the alert channel set with
        ``/config alerts``, else a DM to the owner. Names what, why and the fixing command."""
        async with self.db.session() as session:
            settings = await read_settings(session, occurrence.guild_id, self.clock.now())
            lang, alert_channel_id = settings.language, settings.alert_channel_id
            channel_id = await ledger_channel(session, occurrence)
        where = f"<#{channel_id}>" if channel_id else "?"
        kind = occurrence.kind if occurrence.kind in ALERT_KINDS else "other"
        text = t(
            lang,
            "alerts.failed",
            what=t(lang, f"alerts.kind.{kind}", key=occurrence.key),
            why=t(lang, f"alerts.why.{reason}", channel=where, error=error[:300]),
            fix=t(lang, f"alerts.fix.{kind}"),
        )
        nonce = ledger.nonce(occurrence, "alert")
        none = discord.AllowedMentions.none()
        if alert_channel_id is not None:
            try:
                channel = await self.post_channel(alert_channel_id)
                await channel.send(text, nonce=nonce, allowed_mentions=none)
                return
            except (discord.HTTPException, TypeError) as exc:
                log.warning("alert channel of guild %s failed: %s", occurrence.guild_id, exc)
        owner_id = await self._owner_id(occurrence.guild_id)
        if owner_id is None:
            log.warning("guild %s: nobody to tell that %s failed", occurrence.guild_id, occurrence)
            return
        owner = self.get_user(owner_id) or await self.fetch_user(owner_id)
        await owner.send(text, nonce=nonce, allowed_mentions=none)

    async def _owner_id(self, guild_id: int) -> int | None:
        """The guild owner's id, asking Discord when the guild is not cached yet (a post
        caught up at start-up fails before the gateway filled the cache)."""
        guild = self.get_guild(guild_id)
        if guild is None:
            try:
                guild = await self.fetch_guild(guild_id)
            except discord.NotFound:
                return None
        return guild.owner_id

    # ------------------------------------------------------------------ new servers
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Greet a new server once, pointing at /setup: its system channel, else the owner's DMs."""
        async with self.db.session() as session:
            if not await claim_greeting(session, guild.id, self.clock.now()):
                return
        text = t(normalize_lang(str(guild.preferred_locale)), "setup.greeting")
        system = guild.system_channel
        if (
            system is not None
            and system.permissions_for(guild.me).send_messages
            and await self._greet(guild, system, text)
        ):
            return
        if guild.owner_id is not None:
            owner = guild.owner or self.get_user(guild.owner_id)
            await self._greet(guild, owner or await self.fetch_user(guild.owner_id), text)

    async def _greet(
        self, guild: discord.Guild, target: discord.abc.Messageable, text: str
    ) -> bool:
        """Send the greeting to ``target``; False (logged) if Discord refused it."""
        try:
            await target.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("greeting guild %s in %s failed: %s", guild.id, target, exc)
            return False
        return True

    # ------------------------------------------------------------------ errors
    async def on_app_command_error(
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        """One handler for every app-command and component error: a localized ephemeral reply."""
        original = getattr(error, "original", error)
        try:
            lang = await self.lang_for(interaction)
        except Exception:  # the database itself may be what failed
            lang = pick_lang(str(interaction.locale), self.settings.language)
        if isinstance(original, UserError):
            message = t(lang, original.key, **original.params)
        elif isinstance(error, app_commands.MissingPermissions):
            perms = permission_names(lang, error.missing_permissions)
            message = t(lang, "errors.missing_permissions", permissions=perms)
        elif isinstance(original, app_commands.NoPrivateMessage):
            message = t(lang, "errors.guild_only")
        elif isinstance(error, app_commands.CommandOnCooldown):
            message = t(lang, "errors.cooldown", seconds=f"{error.retry_after:.0f}")
        elif isinstance(error, app_commands.TransformerError):
            message = t(lang, "errors.bad_value", value=str(error.value)[:100])
        else:
            error_id = uuid.uuid4().hex[:8]
            log.error(
                "error %s in /%s",
                error_id,
                getattr(interaction.command, "qualified_name", "?"),
                exc_info=original,
            )
            message = t(lang, "errors.unexpected", error_id=error_id)
        await send_ephemeral(interaction, message)

    # ------------------------------------------------------------------ shutdown
    async def close(self) -> None:
        """Stop the scheduler, let in-flight commands finish, close Discord and the database."""
        self.scheduler.shutdown()
        tree = self.tree
        if isinstance(tree, AiclubTree) and not await tree.wait_idle(grace=10):
            log.warning("shutting down with commands still running")
        await super().close()
        await self.services.inference.close()
        await self.db.close()


def permission_names(lang: str, names: Iterable[str]) -> str:
    """Permissions as Discord's client names them in ``lang`` ('Manage Server', '管理服务器')."""
    labels = [
        t(lang, f"permissions.{name}")
        if f"permissions.{name}" in catalog("en")
        else name.replace("_", " ").title()
        for name in names
    ]
    return t(lang, "permissions.separator").join(labels)


ALERT_KINDS = (
    "daily_question",
    "daily_thread",
    "daily_reveal",
    "event_reminder",
    "event_change",
    "weekly_digest",
)


async def ledger_channel(session: AsyncSession, occurrence: Occurrence) -> int | None:
    """The channel a ledger row was to post in."""
    return await session.scalar(
        select(ScheduledPost.channel_id).where(
            ScheduledPost.guild_id == occurrence.guild_id,
            ScheduledPost.kind == occurrence.kind,
            ScheduledPost.occurrence_key == occurrence.key,
        )
    )


async def send_ephemeral(
    interaction: discord.Interaction, content: str | None = None, **kwargs: Any
) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    if interaction.response.is_done():
        # Webhook.send is typed ``content: str`` but takes None (no text) like send_message.
        await interaction.followup.send(content, ephemeral=True, **kwargs)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


_Owner = TypeVar("_Owner")
_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")


def component_guard(
    func: Callable[Concatenate[_Owner, discord.Interaction, _Params], Awaitable[_Result]],
) -> Callable[
    Concatenate[_Owner, discord.Interaction, _Params], Coroutine[Any, Any, _Result | None]
]:
    """Route errors of a button/modal handler to the bot's app-command error handler."""

    @functools.wraps(func)
    async def wrapper(
        self: _Owner,
        interaction: discord.Interaction,
        /,
        *args: _Params.args,
        **kwargs: _Params.kwargs,
    ) -> _Result | None:
        try:
            return await func(self, interaction, *args, **kwargs)
        except Exception as exc:  # every error is answered and, if unexpected, logged
            await client_of(interaction).on_app_command_error(interaction, exc)
            return None

    return wrapper
