"""/config: allowed for Manage Server, refused for members, persisted in the database."""

from __future__ import annotations

import pytest
import simcord

from bot.db.models import GuildSettings
from tests.helpers import Sim


async def test_admin_sees_and_changes_settings(sim: Sim) -> None:
    result = await sim.actors["admin"].slash(sim.general, "config show")
    fields = {f.name: f.value.split("\n")[0] for f in result.response.embeds[0].fields}
    assert result.ephemeral and fields == {
        "Language": "English",
        "Timezone": "UTC",
        "Daily question": "not set · 09:00 (UTC) · all topics (rotating)",
        "Role to ping": "not set",
        "Expert role": "not set",
        "Review channel": "not set",
        "Weekly digest": "not set · Monday 09:00 (UTC)",
        "Events channel": "the channel where /event create is used",
        "Events timezone": "UTC (the server's)",
        "Organiser role": "not set",
        "Event reminders": "24h, 15m",
        "Alerts channel": "DM to the server owner",
    }

    result = await sim.actors["admin"].slash(sim.general, "config language", language="zh")
    assert result.ephemeral and "中文" in result.response.content
    async with sim.bot.db.session() as session:
        row = await session.get(GuildSettings, sim.guild.id)
    assert row is not None and row.language == "zh"


async def test_members_cannot_see_config(sim: Sim) -> None:
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await sim.actors["alice"].slash(sim.general, "config show")


async def test_server_side_check_refuses_members_even_when_an_admin_exposes_the_command(
    sim: Sim, user_locale
) -> None:
    commands = await sim.bot.tree.fetch_commands()
    config = next(c for c in commands if c.name == "config")
    sim.guild.set_command_permissions(config, {sim.actors["alice"]: True})
    result = await sim.actors["alice"].slash(sim.general, "config language", language="zh")
    assert result.ephemeral
    assert "You need the **Manage Server** permission" in result.response.content
    user_locale("zh-CN")  # Discord's Chinese name of the permission, not the API's English one
    result = await sim.actors["alice"].slash(sim.general, "config language", language="zh")
    assert "需要**管理服务器**权限" in result.response.content
    async with sim.bot.db.session() as session:
        row = await session.get(GuildSettings, sim.guild.id)
    assert row is None or row.language == "en"


@pytest.mark.parametrize(
    ("options", "message"),
    [({"time": "25:00"}, "is not a time of day"), ({"timezone": "Mars/Base"}, "not a timezone")],
)
async def test_config_daily_refuses_bad_values_and_changes_nothing(
    sim: Sim, options: dict, message: str
) -> None:
    result = await sim.actors["admin"].slash(
        sim.general, "config daily", channel=sim.channels["daily-question"], **options
    )
    assert result.ephemeral and message in result.response.content
    from bot.db.questions import DailyConfig

    async with sim.bot.db.session() as session:
        config = await session.get(DailyConfig, sim.guild.id)
    assert config is None or config.channel_id is None


async def test_config_daily_suggests_timezones(sim: Sim) -> None:
    choices = await sim.actors["admin"].autocomplete(
        sim.general, "config daily", "timezone", "shang"
    )
    assert "Asia/Shanghai" in [c["value"] for c in choices]
