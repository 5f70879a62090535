"""/config: server settings (Manage Server only)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import AiclubBot
from bot.guilds import get_settings, set_language
from bot.i18n import t


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
            settings = await get_settings(session, interaction.guild_id, self.bot.clock.now())
            await session.commit()
        embed = discord.Embed(title=t(lang, "config.show_title"), color=0x5865F2)
        embed.add_field(
            name=t(lang, "config.language"), value=t(lang, f"language_names.{settings.language}")
        )
        embed.add_field(name=t(lang, "config.timezone"), value=settings.timezone)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="language", description="Set this server's default language")
    @app_commands.describe(language="en or zh")
    @app_commands.choices(
        language=[
            app_commands.Choice(name="English", value="en"),
            app_commands.Choice(name="中文", value="zh"),
        ]
    )
    async def language(self, interaction: discord.Interaction, language: str) -> None:
        async with self.bot.db.session() as session:
            await set_language(session, interaction.guild_id, language, self.bot.clock.now())
            await session.commit()
        lang = await self.bot.lang_for(interaction)
        await interaction.response.send_message(
            t(lang, "config.language_set", language=t(language, f"language_names.{language}")),
            ephemeral=True,
        )


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
