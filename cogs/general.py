"""/help and /about."""

from __future__ import annotations

import math
import sys

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.client import AiclubBot
from bot.formatting import human_duration
from bot.help import help_sections
from bot.i18n import t
from bot.questions import semantic
from cogs._style import BRAND


class General(commands.Cog):
    """What the bot is and how it is doing."""

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What aiclub does, and every command")
    async def help(self, interaction: discord.Interaction) -> None:
        lang = await self.bot.lang_for(interaction)
        embed = discord.Embed(
            title=t(lang, "help.title"), description=t(lang, "help.intro"), color=BRAND
        )
        embed.add_field(name=t(lang, "help.start_title"), value=t(lang, "help.start"), inline=False)
        for section in help_sections(self.bot.tree.get_commands(), lang):
            embed.add_field(name=section.title, value="\n".join(section.lines)[:1024], inline=False)
        embed.add_field(
            name=t(lang, "help.points_title"), value=t(lang, "help.points"), inline=False
        )
        embed.set_footer(text=t(lang, "help.footer", version=__version__))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="about", description="Version, uptime, latency, database and models")
    async def about(self, interaction: discord.Interaction) -> None:
        lang = await self.bot.lang_for(interaction)
        latency = self.bot.latency
        latency_text = (
            f"{latency * 1000:.0f} ms"
            if math.isfinite(latency) and latency > 0
            else t(lang, "about.latency_unknown")
        )
        available = sorted(p.stem for p in self.bot.settings.models_dir.glob("*.keras"))
        none = t(lang, "about.models_none")
        models = "\n".join(
            (
                t(lang, "about.models_loaded", loaded=", ".join(self.bot.loaded_models()) or none),
                t(lang, "about.models_available", available=", ".join(available) or none),
            )
        )
        tf_loaded = "tensorflow" in sys.modules
        embed = discord.Embed(title=t(lang, "about.title"), color=BRAND)
        embed.add_field(name=t(lang, "about.version"), value=__version__)
        embed.add_field(
            name=t(lang, "about.uptime"),
            value=human_duration(lang, self.bot.clock.now() - self.bot.started_at),
        )
        embed.add_field(name=t(lang, "about.latency"), value=latency_text)
        embed.add_field(name=t(lang, "about.database"), value=self.bot.db.backend)
        embed.add_field(
            name=t(lang, "about.tensorflow"),
            value=t(lang, "about.tf_loaded" if tf_loaded else "about.tf_not_loaded"),
        )
        embed.add_field(name=t(lang, "about.models"), value=models, inline=False)
        embed.add_field(name=t(lang, "about.grading"), value=_grading(lang), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)


def _grading(lang: str) -> str:
    """How answers are graded now: with the sentence encoder (loaded or not yet) or lexically."""
    status = semantic.status()
    if not status.available:
        return t(lang, "about.grading_lexical", reason=status.detail)
    key = "about.grading_loaded" if status.loaded else "about.grading_lazy"
    return t(lang, key, encoder=semantic.ENCODER_NAME)


async def setup(bot: AiclubBot) -> None:
    """Extension entry point."""
    await bot.add_cog(General(bot))
