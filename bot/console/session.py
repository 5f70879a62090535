"""The local simulated guild: the real bot and every cog over SimCord, driven line by line."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import discord
import simcord
from discord import AppCommandOptionType as OptionType
from discord import app_commands
from simcord.results import ResponseMessage

from bot.client import AiclubBot
from bot.console.script import (
    Advance,
    Choose,
    Click,
    ConsoleCommand,
    In,
    Now,
    Quit,
    SetLocale,
    SetTimezone,
    Show,
    Slash,
    Submit,
)
from bot.console.timestamps import Viewer, render_timestamps
from bot.console.transcript import render_message
from bot.console.world import OWNER, DemoWorld
from bot.errors import is_answered_error
from bot.scheduling import SimulatedScheduler

log = logging.getLogger(__name__)
_MENTION = re.compile(r"<(@&|@!?|#)(\d+)>")
_JUMP = re.compile(r"https://discord\.com/channels/(\d+)/(\d+)(?:/(\d+))?")
_SHOWN_TYPES = {0, 19, 20, 23}  # default, reply, slash-command and context-menu responses
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


class ConsoleInputError(Exception):
    """Input that Discord's client would refuse; printed, and the console carries on."""


class ChannelPage(Protocol):
    """A page that shows one channel at a time (`aiclub console --web`)."""

    async def show(self, channel: simcord.ChannelHandle, profile: Viewer) -> None:
        """Show ``channel``, with times in ``profile``'s language and timezone."""

    async def refresh(self) -> None:
        """Publish what changed since the last refresh."""


class ConsoleSession:
    """One simulated guild with an owner and three members; prints what the bot does.

    Each message is printed as its reader's Discord client would show it (``raw`` keeps
    `<t:…>` as sent): an ephemeral reply or a DM for the member it is for, any other message
    for the member who typed the last command (admin until someone else does).
    """

    def __init__(
        self,
        env: simcord.Env,
        bot: AiclubBot,
        world: DemoWorld,
        out_dir: Path,
        write: Callable[[str], None],
        *,
        viewers: Mapping[str, Viewer] | None = None,
        raw: bool = False,
    ) -> None:
        self.env = env
        self.bot = bot
        self.out_dir = out_dir
        self.write = write
        self.raw = raw
        self.guild, self.channels, self.actors = world.guild, world.channels, world.actors
        self.viewers = {name: (viewers or {}).get(name, Viewer()) for name in self.actors}
        self.channel = "general"
        self._reader = OWNER
        self._numbers: dict[int, int] = {}
        self._signatures: dict[int, tuple[Any, ...]] = {}
        self._modals: dict[str, simcord.InteractionResult] = {}
        self._error_cursor = env.error_cursor
        self.unhandled_errors = 0
        self.page: ChannelPage | None = None  # `--web`: the page shows self.shown
        self.shown = "general"
        self._mark_seen()

    # -------------------------------------------------------------- dispatch
    async def execute(self, command: ConsoleCommand) -> bool:
        """Run one parsed command; False when the console should stop."""
        try:
            if isinstance(command, Quit):
                return False
            if isinstance(command, Now):
                self.write(f"now: {self.bot.clock.now():%Y-%m-%d %H:%M:%S} UTC")
            elif isinstance(command, Advance):
                await self._advance(command.delta)
            elif isinstance(command, In):
                self._move_to(command.channel)
            elif isinstance(command, Show):
                await self.show(command.channel)
            elif isinstance(command, SetLocale | SetTimezone):
                self._set_viewer(command)
            elif isinstance(command, Slash):
                await self._slash(command)
            elif isinstance(command, Click):
                await self._click(command)
            elif isinstance(command, Choose):
                await self._choose(command)
            elif isinstance(command, Submit):
                await self._submit(command)
        except (ConsoleInputError, simcord.SetupError, simcord.OptionError) as exc:
            self.write(f"error: {exc}")
        self.flush()
        if self.page is not None:
            await self.page.refresh()
        return True

    def _actor(self, name: str | None) -> simcord.MemberActor:
        actor = self.actors.get(name or OWNER)
        if actor is None:
            raise ConsoleInputError(f"unknown member @{name}; members: {', '.join(self.actors)}")
        return actor

    def _acting(self, name: str | None) -> simcord.MemberActor:
        """The member who types this command; they read what it posts in channels."""
        actor = self._actor(name)
        self._reader = name or OWNER
        return actor

    def locale_of(self, user_id: int) -> str | None:
        """The Discord locale a member's interactions carry (None: not a console member)."""
        for name, actor in self.actors.items():
            if actor.id == user_id:
                return self.viewers[name].locale
        return None

    def _set_viewer(self, command: SetLocale | SetTimezone) -> None:
        self._actor(command.user)
        viewer = self.viewers[command.user]
        if isinstance(command, SetLocale):
            self.viewers[command.user] = replace(viewer, locale=command.locale)
            self.write(f"@{command.user}'s Discord language is now {command.locale}")
        else:
            self.viewers[command.user] = replace(viewer, timezone=command.timezone)
            self.write(f"@{command.user}'s timezone is now {command.timezone}")

    def text_channels(self) -> dict[str, simcord.ChannelHandle]:
        """The guild's text channels and threads by name (threads the bot opened included)."""
        found: dict[str, simcord.ChannelHandle] = {}
        for name, channel in self.guild.channels.items():
            found.setdefault(name, channel)
            for thread in channel.threads:
                found.setdefault(thread.name or str(thread.id), thread)
        return found

    def _listing(self, marked: str, mark: str) -> str:
        return ", ".join(
            f"#{name} ({mark})" if name == marked else f"#{name}" for name in self.text_channels()
        )

    def _channel_named(self, name: str, marked: str, mark: str) -> simcord.ChannelHandle:
        channel = self.text_channels().get(name)
        if channel is None:
            raise ConsoleInputError(f"no channel #{name}; channels: {self._listing(marked, mark)}")
        return channel

    def _move_to(self, name: str | None) -> None:
        if name is None:
            self.write(f"channels: {self._listing(self.channel, 'here')}")
            return
        self._channel_named(name, self.channel, "here")
        self.channel = name
        self.write(f"commands now run in #{name}")

    async def show(self, name: str | None) -> None:
        """Show channel ``name`` on the web page, in the owner's language and timezone (None:
        list the channels)."""
        if self.page is None:
            raise ConsoleInputError(
                ":channel picks the channel of the web page: start the console with --web"
            )
        if name is None:
            self.write(f"channels: {self._listing(self.shown, 'on the page')}")
            return
        channel = self._channel_named(name, self.shown, "on the page")
        await self.page.show(channel, self.viewers[OWNER])
        self.shown = name

    async def _advance(self, delta: timedelta) -> None:
        scheduler = self.bot.scheduler
        assert isinstance(scheduler, SimulatedScheduler)
        fired = await scheduler.advance_to(self.bot.clock.now() + delta)
        await self.env.settle()
        jobs = "1 job" if len(fired) == 1 else f"{len(fired)} jobs"
        self.write(f"advanced to {self.bot.clock.now():%Y-%m-%d %H:%M} UTC ({jobs} ran)")

    async def _slash(self, command: Slash) -> None:
        self._actor(command.user)
        app_command = self._find_command(command.name)
        options = {
            name: self._convert(app_command, name, raw) for name, raw in command.options.items()
        }
        actor = self._acting(command.user)
        channel = self.text_channels().get(self.channel) or self.channels["general"]
        result = await actor.slash(channel, command.name, **options)
        self._remember_modal(command.user, result)

    async def _click(self, command: Click) -> None:
        actor = self._acting(command.user)
        message = self._message_by_number(command.number)
        result = await actor.click(ResponseMessage(self.env, message), label=command.label)
        self._remember_modal(command.user, result)

    async def _choose(self, command: Choose) -> None:
        actor = self._acting(command.user)
        message = self._message_by_number(command.number)
        result = await actor.select(ResponseMessage(self.env, message), list(command.values))
        self._remember_modal(command.user, result)

    async def _submit(self, command: Submit) -> None:
        actor = self._acting(command.user)
        shown = self._modals.pop(command.user or OWNER, None)
        if shown is None:
            raise ConsoleInputError("no form is open for this member")
        await actor.submit_modal(shown, command.values)

    def _remember_modal(self, user: str | None, result: simcord.InteractionResult) -> None:
        if result.modal is None:
            return
        self._modals[user or OWNER] = result
        modal = result.modal
        fields = [
            c.get("custom_id", "?")
            for row in modal.get("components", [])
            for c in ([row.get("component")] if row.get("component") else row.get("components", []))
            if c
        ]
        self.write(
            f"(only you) [form] {modal.get('title', '')}: fill it with "
            f":submit {' '.join(f'{f}:…' for f in fields)}"
        )

    # -------------------------------------------------------------- options
    def _find_command(self, name: str) -> app_commands.Command:
        parts = name.split()
        item: Any = self.bot.tree.get_command(parts[0])
        for part in parts[1:]:
            item = item.get_command(part) if isinstance(item, app_commands.Group) else None
        if not isinstance(item, app_commands.Command):
            raise ConsoleInputError(f"unknown command /{name}; type /help to see every command")
        return item

    def _convert(self, command: app_commands.Command, name: str, raw: str) -> Any:
        parameter = next((p for p in command.parameters if p.name == name), None)
        if parameter is None:
            names = ", ".join(p.name for p in command.parameters) or "none"
            raise ConsoleInputError(
                f"/{command.qualified_name} has no option {name!r} (options: {names})"
            )
        if parameter.choices:
            for choice in parameter.choices:
                if raw.lower() in (str(choice.value).lower(), choice.name.lower()):
                    return choice.value
            allowed = ", ".join(str(c.value) for c in parameter.choices)
            raise ConsoleInputError(f"option {name}: choose one of {allowed}")
        kind = parameter.type
        if kind is OptionType.integer:
            try:
                return int(raw)
            except ValueError:
                raise ConsoleInputError(f"option {name}: enter a whole number") from None
        if kind is OptionType.number:
            try:
                return float(raw)
            except ValueError:
                raise ConsoleInputError(f"option {name}: enter a number") from None
        if kind is OptionType.boolean:
            if raw.lower() in _TRUE | _FALSE:
                return raw.lower() in _TRUE
            raise ConsoleInputError(f"option {name}: enter true or false")
        if kind in (OptionType.user, OptionType.mentionable):
            return self._actor(raw.lstrip("@"))
        if kind is OptionType.channel:
            channels = self.text_channels()
            channel = channels.get(raw.lstrip("#"))
            if channel is None:
                known = ", ".join(f"#{n}" for n in channels)
                raise ConsoleInputError(f"option {name}: no channel {raw}; channels: {known}")
            return channel
        if kind is OptionType.role:
            role = self.guild.roles.get(raw.lstrip("@"))
            if role is None:
                raise ConsoleInputError(f"option {name}: no role {raw}")
            return role
        if kind is OptionType.attachment:
            path = Path(raw).expanduser()
            try:
                return (path.name, path.read_bytes())
            except OSError as exc:
                reason = exc.strerror or "unreadable"
                raise ConsoleInputError(f"option {name}: cannot read {raw} ({reason})") from None
        return raw

    # -------------------------------------------------------------- output
    def _bot_messages(self) -> list[Any]:
        bot_id = self.env.backend.bot_user.id
        return sorted(
            (
                message
                for channel_messages in self.env.backend.messages.values()
                for message in channel_messages.values()
                if message.author_id == bot_id and message.type in _SHOWN_TYPES
            ),
            key=lambda m: m.id,
        )

    @staticmethod
    def _signature(message: Any) -> tuple[Any, ...]:
        return (
            message.content,
            repr(message.embeds),
            repr(message.components),
            repr(message.attachments),
        )

    def _mark_seen(self) -> None:
        for message in self._bot_messages():
            self._signatures[message.id] = self._signature(message)

    def _message_by_number(self, number: int) -> Any:
        for message_id, n in self._numbers.items():
            if n == number:
                for channel_messages in self.env.backend.messages.values():
                    if message_id in channel_messages:
                        return channel_messages[message_id]
        raise ConsoleInputError(f"there is no message #{number} (or it was deleted)")

    def _channel_label(self, channel_id: int) -> str:
        channel = self.env.backend.get_channel(channel_id)
        if channel.type == discord.ChannelType.private.value:
            recipients = [self.env.backend.get_user(uid).name for uid in channel.recipient_ids]
            return "DM @" + ",".join(recipients)
        return f"#{channel.name}"

    def flush(self) -> None:
        """Print every bot message that is new or changed since the last flush."""
        changed = [
            message
            for message in self._bot_messages()
            if self._signatures.get(message.id) != self._signature(message)
        ]
        for message in changed:  # numbered first: an edit may link to a newer message
            self._numbers.setdefault(message.id, len(self._numbers) + 1)
        for message in changed:
            edited = message.id in self._signatures
            self._signatures[message.id] = self._signature(message)
            number = self._numbers[message.id]
            paths = [self._save_attachment(number, a) for a in message.attachments]
            viewer = self.viewers.get(self._reader_of(message), Viewer())
            # `<t:…:R>` as the reader saw it when the message arrived (or was last edited)
            stamp = message.edited_timestamp or message.timestamp
            shown_at = datetime.fromisoformat(stamp) if stamp else self.bot.clock.now()
            for line in render_message(
                number,
                self._channel_label(message.channel_id),
                "aiclub",
                message,
                edited=edited,
                attachment_paths=paths,
            ):
                line = _JUMP.sub(self._jump_name, _MENTION.sub(self._mention_name, line))
                self.write(line if self.raw else render_timestamps(line, viewer, shown_at))
        self._report_errors()

    def _reader_of(self, message: Any) -> str:
        """Whose client shows ``message``: a DM's recipient, an ephemeral reply's member, or
        whoever typed the last command."""
        channel = self.env.backend.get_channel(message.channel_id)
        if message.is_ephemeral:
            user = (message.interaction_metadata or {}).get("user") or {}
            readers = {str(user.get("id"))}
        elif channel.type == discord.ChannelType.private.value:
            readers = {str(user_id) for user_id in channel.recipient_ids}
        else:
            return self._reader
        named = (name for name, actor in self.actors.items() if str(actor.id) in readers)
        return next(named, self._reader)

    def _mention_name(self, match: re.Match[str]) -> str:
        kind, snowflake = match.group(1), int(match.group(2))
        backend = self.env.backend
        try:
            if kind == "#":
                return f"#{backend.get_channel(snowflake).name}"
            if kind == "@&":
                return f"@{backend.get_guild(self.guild.id).roles[snowflake].name}"
            return f"@{backend.get_user(snowflake).name}"
        except (KeyError, AttributeError, simcord.BackendError):
            return match.group(0)

    def _jump_name(self, match: re.Match[str]) -> str:
        """A link to a channel or message, shown as Discord shows it: `#events › message #4`."""
        try:
            channel = self.env.backend.get_channel(int(match.group(2)))
        except simcord.BackendError:
            return match.group(0)
        if match.group(3) is None:
            return f"#{channel.name}"
        number = self._numbers.get(int(match.group(3)))
        return f"#{channel.name} › message" + (f" #{number}" if number else "")

    def _save_attachment(self, number: int, attachment: dict[str, Any]) -> str:
        data = self.env.backend.cdn.get(attachment["url"]) or b""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / f"{number}-{Path(attachment['filename']).name}"
        path.write_bytes(data)
        return str(path)

    def _report_errors(self) -> None:
        errors = self.env.errors_since(self._error_cursor)
        self._error_cursor = self.env.error_cursor
        for error in errors:
            if is_answered_error(error):
                continue
            self.unhandled_errors += 1
            log.error("unhandled bot error", exc_info=error)
            self.write(f"!! the bot raised an unhandled error: {type(error).__name__}: {error}")
