"""Typed views of a discord.py interaction that every cog needs.

discord.py types ``Interaction.guild_id`` as ``int | None`` (an interaction may come from a DM)
and ``Interaction.client`` as a plain ``discord.Client``; these helpers state what aiclub knows
about both, once, instead of each cog checking or casting on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserError
from bot.i18n import pick_lang

if TYPE_CHECKING:
    from bot.client import AiclubBot


def guild_id_of(interaction: discord.Interaction[Any]) -> int:
    """The id of the server ``interaction`` came from.

    Outside a server it raises ``NoPrivateMessage``, which the bot's error handler answers with
    the localized "this command only works inside a server" message.
    """
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def client_of(interaction: discord.Interaction[Any]) -> AiclubBot:
    """The aiclub bot that received ``interaction`` (the only client that registers handlers)."""
    return cast("AiclubBot", interaction.client)


CogT = TypeVar("CogT", bound=commands.Cog)


def cog_for(interaction: discord.Interaction[Any], cog_type: type[CogT]) -> CogT:
    """The loaded cog that handles a persistent button or menu; a polite UserError when that
    part of the bot is switched off (the component outlives its cog)."""
    cog = client_of(interaction).get_cog(cog_type.__cog_name__)
    if not isinstance(cog, cog_type):
        raise UserError("errors.switched_off")
    return cog


@dataclass(frozen=True)
class Request:
    """Who asked, in which server, in which language and when: read once per command."""

    guild_id: int
    user_id: int
    locale: str
    lang: str
    now: datetime

    def lang_with(self, guild_language: str) -> str:
        """The reply language once the server's language is ``guild_language`` (after
        a command changed it)."""
        return pick_lang(self.locale, guild_language)


async def request_of(interaction: discord.Interaction[Any]) -> Request:
    """The ``Request`` of a command used in a server (``NoPrivateMessage`` elsewhere)."""
    bot = client_of(interaction)
    return Request(
        guild_id=guild_id_of(interaction),
        user_id=interaction.user.id,
        locale=str(interaction.locale),
        lang=await bot.lang_for(interaction),
        now=bot.clock.now(),
    )
