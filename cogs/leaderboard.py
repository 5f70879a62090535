"""/leaderboard (private, paged, with your own rank and Share), /profile view and privacy."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import AiclubBot, component_guard, send_ephemeral
from bot.errors import UserError
from bot.i18n import t
from bot.interactions import request_of
from bot.questions import leaderboard as boards
from cogs._leaderboard_ui import (
    NO_PINGS,
    PERIOD_CHOICES,
    TOPIC_CHOICES,
    PageButton,
    ShareButton,
    board_embed,
    board_view,
    profile_embed,
)


# ---------------------------------------------------------------------------- cog
class Leaderboard(commands.Cog):
    """Standings and personal progress."""

    profile_group = app_commands.Group(
        name="profile", description="Your progress, and whether you may be named", guild_only=True
    )

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Kept after an unload, so old buttons answer that this part is switched off.
        self.bot.add_dynamic_items(PageButton, ShareButton)

    @app_commands.command(name="leaderboard", description="Top members by points, with your rank")
    @app_commands.describe(
        period="This week, this month or all time (default)", topic="Only points from this topic"
    )
    @app_commands.choices(period=PERIOD_CHOICES, topic=TOPIC_CHOICES)
    @app_commands.guild_only()
    async def leaderboard(
        self, interaction: discord.Interaction, period: str = "all", topic: str | None = None
    ) -> None:
        """Privately, with Prev/Next and a Share button that posts it for everyone."""
        lang, shown, me = await self._board(interaction, period, topic, 0, interaction.user.id)
        await interaction.response.send_message(
            embed=board_embed(lang, period, topic, shown, me, interaction.user.id),
            view=board_view(lang, period, topic, shown, interaction.user.id),
            allowed_mentions=NO_PINGS,
            ephemeral=True,
        )

    @component_guard
    async def page_clicked(
        self,
        interaction: discord.Interaction,
        period: str,
        topic: str | None,
        page: int,
        viewer_id: int,
    ) -> None:
        """Prev/Next: only the member who opened the board may turn its pages."""
        if interaction.user.id != viewer_id:
            raise UserError("leaderboard.not_yours", member=f"<@{viewer_id}>")
        lang, shown, me = await self._board(interaction, period, topic, page, viewer_id)
        await interaction.response.edit_message(
            embed=board_embed(lang, period, topic, shown, me, viewer_id),
            view=board_view(lang, period, topic, shown, viewer_id),
            allowed_mentions=NO_PINGS,
        )

    @component_guard
    async def share_clicked(
        self, interaction: discord.Interaction, period: str, topic: str | None, page: int
    ) -> None:
        """Share: the same page, as it is now, posted in the channel (no pings, no buttons)."""
        lang, shown, _me = await self._board(interaction, period, topic, page, interaction.user.id)
        await interaction.response.send_message(
            t(lang, "leaderboard.shared", member=interaction.user.mention),
            embed=board_embed(lang, period, topic, shown, None, None),
            allowed_mentions=NO_PINGS,
        )

    async def _board(
        self,
        interaction: discord.Interaction,
        period: str,
        topic: str | None,
        page: int,
        viewer_id: int,
    ) -> tuple[str, boards.Page, boards.RankInfo | None]:
        request = await request_of(interaction)
        board = await self.bot.services.standings.board(
            request.guild_id, period, topic, page, viewer_id
        )
        return request.lang, board.page, board.viewer_rank

    @profile_group.command(name="view", description="Points, rank, streaks and weakest topic")
    @app_commands.describe(member="Whose profile (default: yours)")
    async def profile(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        target = member or interaction.user
        request = await request_of(interaction)
        data = await self.bot.services.standings.profile(request.guild_id, target.id)
        lang = request.lang
        if data.empty:
            await send_ephemeral(interaction, t(lang, "profile.empty", member=target.mention))
            return
        await send_ephemeral(interaction, embed=profile_embed(lang, target.display_name, data))

    @profile_group.command(
        name="privacy", description="Whether answer reveals and digests may name you"
    )
    @app_commands.describe(named="True: you may be named (default); False: you stay anonymous")
    async def privacy(self, interaction: discord.Interaction, named: bool | None = None) -> None:
        """Without ``named``: show the current choice."""
        request = await request_of(interaction)
        named_now = await self.bot.services.standings.naming(
            request.guild_id, request.user_id, named
        )
        key = "profile.privacy_named" if named_now else "profile.privacy_hidden"
        await send_ephemeral(interaction, t(request.lang, key))


async def setup(bot: AiclubBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Leaderboard(bot))
