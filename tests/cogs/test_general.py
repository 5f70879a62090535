"""/help, /about and the global error handler, end to end through SimCord."""

from __future__ import annotations

import re
import sys

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.client import discover_cogs
from tests.helpers import Sim


def _text(embed: discord.Embed) -> str:
    return "\n".join(
        [embed.title or "", embed.description or ""]
        + [f"{f.name}\n{f.value}" for f in embed.fields]
        + [embed.footer.text or ""]
    )


async def test_help_lists_every_command_grouped(sim: Sim) -> None:
    result = await sim.actors["alice"].slash(sim.general, "help")
    assert result.ephemeral
    text = _text(result.response.embeds[0])
    for leaf in sim.bot.tree.walk_commands():
        if isinstance(leaf, app_commands.Command):
            assert f"`/{leaf.qualified_name}`" in text
    assert "General" in text and "/config" in text
    assert "× difficulty" in text and "streak bonus" in text  # the points formula
    assert "Server admins: `/setup`" in text  # the first step of a new server


async def test_help_follows_the_user_locale_then_the_guild_language(sim: Sim, user_locale) -> None:
    user_locale("zh-CN")
    text = _text((await sim.actors["alice"].slash(sim.general, "help")).response.embeds[0])
    assert "一起练习" in text and "服务器设置" in text
    # the names the Chinese picker shows, with the English ones that also work when typed
    assert "`/初始设置` (`/setup`)" in text and "`/设置 查看` (`/config show`)" in text
    assert "`/gan 插值` (`/gan interpolate`)" in text
    for leaf in sim.bot.tree.walk_commands():  # nothing cut by Discord's field limits
        if isinstance(leaf, app_commands.Command):
            assert f"`/{leaf.qualified_name}`" in text

    user_locale("fr")  # a language we don't speak: the guild's language (English by default)
    text = _text((await sim.actors["alice"].slash(sim.general, "help")).response.embeds[0])
    assert "practise AI/ML together" in text

    await sim.actors["admin"].slash(sim.general, "config language", language="zh")
    text = _text((await sim.actors["alice"].slash(sim.general, "help")).response.embeds[0])
    assert "一起练习" in text


async def test_about_reports_version_uptime_backend_models_and_tf(sim: Sim) -> None:
    result = await sim.actors["bob"].slash(sim.general, "about")
    embed = result.response.embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", fields["Version"])
    assert fields["Database"] == sim.bot.db.backend
    assert "loaded: none" in fields["Models"]
    assert fields["TensorFlow"].startswith("not loaded")
    assert "tensorflow" not in sys.modules


async def test_every_cog_loads_and_command_names_do_not_collide(sim: Sim) -> None:
    assert set(discover_cogs()) <= set(sim.bot.extensions)
    names = [c.qualified_name for c in sim.bot.tree.walk_commands()]
    assert len(names) == len(set(names))


class Boom(commands.Cog):
    @app_commands.command(name="boom", description="Raise an unexpected error")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom")


async def test_unexpected_errors_get_an_error_id_and_a_logged_traceback(
    sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    await sim.bot.add_cog(Boom())
    await sim.bot.tree.sync()
    result = await sim.actors["alice"].slash(sim.general, "boom")
    assert result.ephemeral
    match = re.search(r"error id `([0-9a-f]{8})`", result.response.content)
    assert match, result.response.content
    record = next(r for r in caplog.records if match.group(1) in r.getMessage())
    assert record.exc_info and "kaboom" in str(record.exc_info[1])
    sim.acknowledge_errors()  # the handler answered the user


async def test_unknown_option_values_are_refused_before_the_bot_sees_them(sim: Sim) -> None:
    import simcord

    with pytest.raises(simcord.OptionError):
        await sim.actors["admin"].slash(sim.general, "config language", language="fr")
