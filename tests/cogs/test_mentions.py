"""Nobody is pinged by text members wrote; a send that pings says exactly whom.

SimCord resolves every message the way Discord does: the mentions in its text, filtered by
the ``allowed_mentions`` the bot sent (and by permissions, role settings), become the
message's ``ping_user_ids``, ``ping_role_ids`` and ``mention_everyone``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest
import simcord
from simcord.backend.models.message import Message

from bot.questions.bank import QuestionBank
from tests.cogs.test_events import publish, setup_events
from tests.helpers import Sim, lite_bank


def bot_messages(sim: Sim) -> list[Message]:
    """Every message the bot sent, in every channel, thread and DM.

    System messages are left out: "started a thread" (type 18) carries the thread's name,
    which Discord shows but never reads as mentions (SimCord resolves them all the same).
    """
    assert sim.bot.user is not None
    return [
        message
        for channel in sim.env.backend.messages.values()
        for message in channel.values()
        if message.author_id == sim.bot.user.id
        and message.type in (discord.MessageType.default.value, discord.MessageType.reply.value)
    ]


def pings(message: Message) -> tuple[bool, list[int], list[int]]:
    return message.mention_everyone, message.ping_role_ids, message.ping_user_ids


def close_dms(sim: Sim, actor: simcord.MemberActor) -> None:
    sim.env.inject_error(
        "POST",
        f"/channels/{actor.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )


async def test_an_event_titled_everyone_role_here_pings_only_who_is_going_when_it_starts(
    sim: Sim,
) -> None:
    role = sim.guild.create_role("Members", mentionable=True)
    alice, bob, carol = (sim.actors[name] for name in ("alice", "bob", "carol"))
    title = f"@everyone <@&{role.id}> @here"
    where = f"Lobby, ask <@{bob.id}>"
    await setup_events(sim, reminders="1h")
    post = await publish(
        sim,
        title=title,
        where=where,
        description=f"@here <@&{role.id}> <@{carol.id}> @everyone",
        start="2026-12-03 19:00",
    )
    await alice.click(post, label="Going")
    await carol.click(post, label="Maybe")
    close_dms(sim, alice)  # her 1-hour reminder goes to the event's thread instead
    await sim.advance(datetime(2026, 12, 3, 19, 1, tzinfo=UTC) - sim.bot.clock.now())

    sent = bot_messages(sim)
    (starting,) = [m for m in sent if "starting now" in m.content]
    assert title in starting.content and where in starting.content
    (fallback,) = [m for m in sent if "your DMs are closed" in m.content]
    assert title in fallback.content and f"<@{alice.id}>" in fallback.content
    assert any(title in m.content for m in sent if m.channel_id == carol.user.dm_channel.id)
    for message in sent:
        expected = [alice.id] if message in (fallback, starting) else []
        assert pings(message) == (False, [], expected), message.content
        assert not message.allowed_mentions.everyone
        assert message.allowed_mentions.roles == frozenset()
    assert fallback.allowed_mentions.users == frozenset({alice.id})
    assert starting.allowed_mentions.users == frozenset({alice.id})  # going, not carol (maybe)

    # The check can see pings: the same text sent with every mention allowed pings them all.
    channel = sim.bot.get_channel(sim.channels["events"].id)
    assert isinstance(channel, discord.TextChannel)
    control = await channel.send(starting.content, allowed_mentions=discord.AllowedMentions.all())
    stored = sim.env.backend.messages[channel.id][control.id]
    assert pings(stored) == (True, [role.id], [bob.id, alice.id])


async def test_an_event_announcement_edit_and_cancel_ping_nobody(sim: Sim) -> None:
    role = sim.guild.create_role("Members", mentionable=True)
    bob = sim.actors["bob"]
    await setup_events(sim)
    post = await publish(sim, title=f"<@&{role.id}> talk", where=f"Room 1, <@{bob.id}>")
    await bob.click(post, label="Going")
    close_dms(sim, bob)  # the cancellation note falls back to a mention in the thread
    await sim.actors["admin"].slash(sim.general, "event edit", event=1, title="@everyone hi")
    await sim.actors["admin"].slash(
        sim.general, "event edit", event=1, start="2026-12-04 20:00"
    )  # the change notice falls back to a mention in the thread
    await sim.actors["admin"].slash(sim.general, "event cancel", event=1)
    sent = bot_messages(sim)
    told = [m for m in sent if "your DMs are closed" in m.content]
    assert [("has changed" in m.content, "cancelled" in m.content) for m in told] == [
        (True, False),
        (False, True),
    ]
    assert all("@everyone hi" in m.content for m in told)
    for message in sent:
        expected = [bob.id] if message in told else []
        assert pings(message) == (False, [], expected), message.content


@pytest.mark.question_bank(factory=lite_bank)
async def test_the_daily_post_pings_exactly_its_role(sim: Sim, bank: QuestionBank) -> None:
    daily = sim.guild.create_role("Daily", mentionable=True)
    await sim.actors["admin"].slash(
        sim.general,
        "config daily",
        channel=sim.channels["daily-question"],
        time="09:00",
        timezone="Europe/Berlin",
        role=daily,
    )
    await sim.advance(timedelta(minutes=1))
    (post,) = [m for m in bot_messages(sim) if m.embeds and m.content == f"<@&{daily.id}>"]
    assert pings(post) == (False, [daily.id], [])
    assert post.allowed_mentions.roles == frozenset({daily.id})
    assert post.allowed_mentions.users == frozenset() and not post.allowed_mentions.everyone
