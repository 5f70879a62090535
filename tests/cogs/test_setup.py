"""/setup end to end: a fresh server configured in one private form, then its first post on time;
the greeting when the bot joins a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest
import simcord
from sqlalchemy import select

from bot.db.events import DigestConfig, EventConfig
from bot.db.models import BotState, GuildSettings
from bot.db.questions import DailyConfig, QuestionPost
from tests.helpers import Sim

FIRST_POST = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, the day after START


def ts(when: datetime, style: str) -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


def labels(result: simcord.InteractionResult) -> list[str]:
    assert result.response is not None
    return [
        c.get("label") or c.get("placeholder")
        for row in result.response.components
        for c in row["components"]
    ]


def fields(embed: discord.Embed) -> dict[str, str]:
    return {f.name or "": f.value or "" for f in embed.fields}


async def rows(sim: Sim, model: type) -> list:
    async with sim.bot.db.session() as session:
        return list(await session.scalars(select(model)))


async def test_a_fresh_server_is_set_up_in_one_form_and_gets_its_first_question_on_time(
    sim: Sim,
) -> None:
    admin = sim.actors["admin"]
    expert = sim.guild.create_role("Experts")
    form = await admin.slash(sim.general, "setup", timezone="asia/shanghai")
    assert form.ephemeral and form.response is not None
    assert "Step 1 of 3" in form.response.embeds[0].description
    assert "Asia/Shanghai" in form.response.embeds[0].description
    assert labels(form) == [
        "Daily question channel",
        "Weekly digest channel",
        "Events channel",
        "Create missing channels",
        "Next ▶",
    ]
    await admin.select(form.response, [sim.channels["daily-question"]], custom_id="setup:daily")
    await admin.select(form.response, [sim.general], custom_id="setup:digest")
    await admin.select(form.response, [sim.channels["events"]], custom_id="setup:events")
    step2 = await admin.click(form.response, label="Next ▶")
    assert "Step 2 of 3" in step2.response.embeds[0].description

    created = await admin.click(form.response, label="Create missing channels")
    assert "Created" in created.response.embeds[0].description
    channels = sim.guild.channels
    assert {"aiclub-alerts", "answer-reviews"} <= channels.keys()
    alerts = sim.env.backend.channels[channels["aiclub-alerts"].id]
    hidden = [o for o in alerts.overwrites if o.target_id == sim.guild.id]
    assert hidden and hidden[0].deny & discord.Permissions(view_channel=True).value
    again = await admin.click(form.response, label="Create missing channels")
    assert "nothing to create" in again.response.embeds[0].description
    assert len(sim.guild.channels) == len(channels)

    await admin.click(form.response, label="Next ▶")
    await admin.select(form.response, [expert], custom_id="setup:expert_role")
    done = await admin.click(form.response, label="Save")
    summary = done.response.embeds[0]
    assert summary.title == "✅ aiclub is set up" and done.response.components == []
    assert "Everything is set up" in summary.description
    daily = sim.channels["daily-question"]
    assert (
        f"Next daily question: {ts(FIRST_POST, 'F')} ({ts(FIRST_POST, 'R')}) in <#{daily.id}>"
        in summary.description
    )
    shown = fields(summary)
    assert shown["Timezone"] == "Asia/Shanghai" and shown["Expert role"] == f"<@&{expert.id}>"
    assert "⚠️" not in "".join(shown.values())

    (settings,) = await rows(sim, GuildSettings)
    (config,) = await rows(sim, DailyConfig)
    (digest,) = await rows(sim, DigestConfig)
    (events,) = await rows(sim, EventConfig)
    assert settings.timezone == "Asia/Shanghai"
    assert settings.alert_channel_id == channels["aiclub-alerts"].id
    assert config.channel_id == daily.id and config.expert_role_id == expert.id
    assert config.review_channel_id == channels["answer-reviews"].id
    assert digest.channel_id == sim.general.id and events.channel_id == sim.channels["events"].id

    await sim.advance(FIRST_POST - timedelta(minutes=1) - sim.bot.clock.now())
    assert not await rows(sim, QuestionPost)
    await sim.advance(timedelta(minutes=2))
    (post,) = await rows(sim, QuestionPost)
    assert post.channel_id == daily.id and post.posted_at.replace(tzinfo=UTC) == FIRST_POST
    assert any(m.embeds for m in daily.history())


async def test_setup_keeps_what_is_not_picked_and_back_returns_to_the_channels(sim: Sim) -> None:
    admin = sim.actors["admin"]
    await admin.slash(sim.general, "config daily", channel=sim.channels["daily-question"])
    form = await admin.slash(sim.general, "setup")
    assert "UTC" in form.response.embeds[0].description
    await admin.click(form.response, label="Next ▶")
    back = await admin.click(form.response, label="◀ Back")
    assert "Step 1 of 3" in back.response.embeds[0].description
    await admin.click(form.response, label="Next ▶")
    await admin.click(form.response, label="Next ▶")
    await admin.select(form.response, ["zh"], custom_id="setup:language")
    done = await admin.click(form.response, label="Save")
    (config,) = await rows(sim, DailyConfig)
    (settings,) = await rows(sim, GuildSettings)
    assert config.channel_id == sim.channels["daily-question"].id  # kept
    assert settings.language == "zh" and settings.timezone == "UTC"
    # the digest and review channels are still missing: the summary says so and how to fix it
    text = done.response.embeds[0].description + "".join(fields(done.response.embeds[0]).values())
    assert "`/config digest channel:`" in text and "`/config daily review_channel:`" in text


async def test_create_missing_takes_a_channel_of_the_same_name_instead_of_a_twin(sim: Sim) -> None:
    admin = sim.actors["admin"]
    form = await admin.slash(sim.general, "setup")
    made = await admin.click(form.response, label="Create missing channels")
    note = made.response.embeds[0].description
    daily, events = sim.channels["daily-question"], sim.channels["events"]
    assert f"Picked the existing <#{daily.id}>, <#{events.id}>." in note
    digest = sim.guild.channels["weekly-digest"]
    assert f"Created <#{digest.id}>." in note
    assert len(sim.guild.channels) == 4  # general, daily-question, events + weekly-digest
    await admin.click(form.response, label="Next ▶")
    await admin.click(form.response, label="Next ▶")
    await admin.click(form.response, label="Save")
    (config,) = await rows(sim, DailyConfig)
    assert config.channel_id == daily.id


async def test_picking_a_channel_the_bot_cannot_post_in_is_flagged_at_once(sim: Sim) -> None:
    admin = sim.actors["admin"]
    locked = sim.guild.create_text_channel(
        "locked", overwrites={sim.bot.user: discord.PermissionOverwrite(send_messages=False)}
    )
    form = await admin.slash(sim.general, "setup")
    picked = await admin.select(form.response, [locked], custom_id="setup:digest")
    assert f"I can't post in <#{locked.id}>" in picked.response.embeds[0].description
    fine = await admin.select(form.response, [sim.general], custom_id="setup:digest")
    assert "I can't post" not in fine.response.embeds[0].description


async def test_setup_refuses_an_unknown_timezone_and_shows_no_form(sim: Sim) -> None:
    result = await sim.actors["admin"].slash(sim.general, "setup", timezone="Mars/Base")
    assert result.ephemeral and "not a timezone" in result.response.content
    assert result.response.components == []
    assert not await rows(sim, DailyConfig)


async def test_setup_suggests_timezones(sim: Sim) -> None:
    choices = await sim.actors["admin"].autocomplete(sim.general, "setup", "timezone", "shang")
    assert "Asia/Shanghai" in [c["value"] for c in choices]


async def test_members_cannot_run_setup_even_when_an_admin_exposes_it(sim: Sim) -> None:
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await sim.actors["alice"].slash(sim.general, "setup")
    command = next(c for c in await sim.bot.tree.fetch_commands() if c.name == "setup")
    sim.guild.set_command_permissions(command, {sim.actors["alice"]: True})
    result = await sim.actors["alice"].slash(sim.general, "setup")
    assert result.ephemeral and "Manage Server" in result.response.content
    assert result.response.components == []


async def _take_manage_channels(sim: Sim) -> None:
    guild = sim.env.backend.guilds[sim.guild.id]
    bot_role = next(r for r in guild.roles.values() if r.managed)
    perms = discord.Permissions(bot_role.permissions)
    perms.manage_channels = False
    sim.env.backend.edit_role(sim.guild.id, bot_role.id, {"permissions": perms.value})
    await sim.env.settle()


async def test_without_manage_channels_setup_offers_no_channel_creation(sim: Sim) -> None:
    await _take_manage_channels(sim)
    form = await sim.actors["admin"].slash(sim.general, "setup")
    assert "Create missing channels" not in labels(form)


async def test_losing_manage_channels_mid_form_says_so_and_creates_nothing(sim: Sim) -> None:
    form = await sim.actors["admin"].slash(sim.general, "setup")
    before = set(sim.guild.channels)
    await _take_manage_channels(sim)
    refused = await sim.actors["admin"].click(form.response, label="Create missing channels")
    assert "I need the **Manage Channels** permission" in refused.response.embeds[0].description
    assert set(sim.guild.channels) == before


async def test_config_show_marks_what_does_not_work_yet_with_the_fixing_command(sim: Sim) -> None:
    admin = sim.actors["admin"]
    shown = (await admin.slash(sim.general, "config show")).response.embeds[0]
    assert "3 settings need attention" in shown.description
    assert "No daily question is posted until a daily channel is set" in shown.description
    values = fields(shown)
    assert (
        "⚠️" in values["Daily question"] and "`/config daily channel:`" in values["Daily question"]
    )
    assert "`/config digest channel:`" in values["Weekly digest"]
    assert "`/config daily review_channel:`" in values["Review channel"]
    assert values["Alerts channel"] == "DM to the server owner"  # a default that works

    hidden = sim.guild.create_text_channel(
        "locked", overwrites={sim.bot.user: discord.PermissionOverwrite(send_messages=False)}
    )
    await admin.slash(sim.general, "config daily", channel=hidden, review_channel=sim.general)
    await admin.slash(sim.general, "config digest", channel=sim.general)
    shown = (await admin.slash(sim.general, "config show")).response.embeds[0]
    assert "1 setting needs attention" in shown.description
    assert f"I can't post in <#{hidden.id}>" in fields(shown)["Daily question"]


async def test_config_daily_says_when_the_next_question_goes_out_or_that_none_does(
    sim: Sim,
) -> None:
    admin = sim.actors["admin"]
    result = await admin.slash(sim.general, "config daily", timezone="Asia/Shanghai")
    text = result.response.embeds[0].description
    assert "No question is posted until a channel is set" in text and "09:00" not in text
    daily = sim.channels["daily-question"]
    result = await admin.slash(sim.general, "config daily", channel=daily)
    text = result.response.embeds[0].description
    assert f"{ts(FIRST_POST, 'F')} ({ts(FIRST_POST, 'R')}) in <#{daily.id}>" in text


async def test_question_today_and_answer_on_an_unconfigured_server_point_to_setup(
    sim: Sim,
) -> None:
    alice = sim.actors["alice"]
    for command, options in (
        ("question today", {}),
        ("answer", {"text": "Use more data."}),
        ("answer", {}),
    ):
        result = await alice.slash(sim.general, command, **options)
        assert result.ephemeral and "must run `/setup`" in result.response.content, command
    await sim.actors["admin"].slash(
        sim.general, "config daily", channel=sim.channels["daily-question"], time="23:00"
    )
    for command, options in (("question today", {}), ("answer", {"text": "Use more data."})):
        result = await alice.slash(sim.general, command, **options)
        assert "no open question" in result.response.content, command


# ------------------------------------------------------------------------- the greeting
def greetings(sim: Sim) -> list[discord.Message]:
    owner = sim.actors["admin"].user.dm_channel.history()
    system = sim.general.history()
    return [m for m in owner + system if "/setup" in m.content and m.author.id == sim.bot.user.id]


async def test_joining_a_server_greets_its_owner_once_without_pinging_anyone(sim: Sim) -> None:
    guild = sim.bot.get_guild(sim.guild.id)
    assert guild is not None
    # SimCord marks every GUILD_CREATE available, so discord.py never dispatches guild_join:
    # call the listener as discord.py does for a server that invites the bot.
    await sim.bot.on_guild_join(guild)
    await sim.bot.on_guild_join(guild)  # kicked and invited again: no second greeting
    await sim.env.settle()
    (greeting,) = greetings(sim)
    assert greeting.channel.id == sim.actors["admin"].user.dm_channel.id
    assert "Thanks for adding **aiclub**" in greeting.content
    stored = sim.env.backend.messages[greeting.channel.id][greeting.id]
    assert not stored.mention_everyone and stored.ping_role_ids == [] == stored.ping_user_ids
    assert [row.key for row in await rows(sim, BotState)].count(f"greeted:{guild.id}") == 1


async def test_the_greeting_goes_to_the_system_channel_in_the_servers_language(sim: Sim) -> None:
    sim.env.backend.edit_guild(
        sim.guild.id, {"system_channel_id": sim.general.id, "preferred_locale": "zh-CN"}
    )
    await sim.env.settle()
    guild = sim.bot.get_guild(sim.guild.id)
    assert guild is not None and guild.system_channel is not None
    await sim.bot.on_guild_join(guild)
    await sim.env.settle()
    (greeting,) = greetings(sim)
    assert greeting.channel.id == sim.general.id and "感谢添加" in greeting.content


async def test_config_show_and_setup_speak_chinese_to_chinese_clients(
    sim: Sim, user_locale
) -> None:
    user_locale("zh-CN")
    shown = (await sim.actors["admin"].slash(sim.general, "config show")).response.embeds[0]
    assert shown.title == "服务器设置" and "还有 3 项设置需要处理" in shown.description
    assert "解决办法：`/setup` 或 `/config daily channel:`" in fields(shown)["每日题"]
    form = await sim.actors["admin"].slash(sim.general, "setup")
    assert "第 1 步（共 3 步）" in form.response.embeds[0].description
    assert labels(form)[-2:] == ["创建缺少的频道", "下一步 ▶"]


async def test_an_abandoned_form_expires_and_saves_nothing(sim: Sim) -> None:
    admin = sim.actors["admin"]
    form = await admin.slash(sim.general, "setup")
    await admin.select(form.response, [sim.channels["daily-question"]], custom_id="setup:daily")
    await sim.advance(timedelta(minutes=15))
    shown = sim.env.backend.messages[form.response.channel_id][form.response.id]
    assert "expired" in shown.embeds[0]["description"] and not shown.components
    assert not [row for row in await rows(sim, DailyConfig) if row.channel_id is not None]


async def test_config_show_names_delivery_problems_in_the_readers_language(
    sim: Sim, user_locale
) -> None:
    daily = sim.channels["daily-question"]
    await sim.actors["admin"].slash(sim.general, "config daily", channel=daily, time="09:00")
    sim.env.inject_error("POST", f"/channels/{daily.id}/messages", status=403, code=50013)
    await sim.advance(timedelta(hours=1, minutes=5))
    user_locale("zh-CN")
    shown = (await sim.actors["admin"].slash(sim.general, "config show")).response.embeds[0]
    problems = fields(shown)["最近的投递问题"]
    assert "2026-12-01 的每日题：失败" in problems and "failed" not in problems


async def test_a_greeting_nobody_can_receive_is_logged_not_raised(
    sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    locked = sim.guild.create_text_channel(
        "welcome", overwrites={sim.bot.user: discord.PermissionOverwrite(send_messages=False)}
    )
    sim.env.backend.edit_guild(sim.guild.id, {"system_channel_id": locked.id})
    owner_dm = sim.actors["admin"].user.dm_channel
    sim.env.inject_error(
        "POST", f"/channels/{owner_dm.id}/messages", status=403, code=50007, times=None
    )
    await sim.env.settle()
    guild = sim.bot.get_guild(sim.guild.id)
    assert guild is not None
    await sim.bot.on_guild_join(guild)
    await sim.env.settle()
    assert not greetings(sim) and not locked.history()
    assert any("greeting guild" in r.getMessage() for r in caplog.records)
