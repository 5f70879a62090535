"""/leaderboard and /profile end to end in the simulated guild (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import simcord
from sqlalchemy import select

from bot.db.questions import QuestionPost
from bot.questions.bank import Question
from bot.questions.topics import TOPICS
from tests.cogs.test_questions import encoder_loaded  # noqa: F401  (autouse)
from tests.helpers import Sim


async def _post_daily(sim: Sim) -> tuple[QuestionPost, Question]:
    admin = sim.actors["admin"]
    await admin.slash(sim.general, "config daily", channel=sim.channels["daily-question"])
    await admin.slash(sim.general, "question post")
    async with sim.bot.db.session() as session:
        post = await session.scalar(select(QuestionPost).order_by(QuestionPost.id.desc()))
    assert post is not None
    question = sim.bot.services.bank.get(post.slug)
    assert question is not None
    return post, question


async def _answer(
    sim: Sim, name: str, post: QuestionPost, question: Question, *, good: bool
) -> None:
    """Answer the daily question: every key point (good) or only the first one."""
    actor = sim.actors[name]
    if question.type == "choice":
        correct = set(question.correct or ())
        option = next(o.id for o in question.options or () if (o.id in correct) is good)
        channel = sim.bot.get_channel(post.channel_id)  # type: ignore[arg-type]
        message = await channel.fetch_message(post.message_id)  # type: ignore[union-attr,arg-type]
        await actor.click(message, label=option.upper())
        return
    points = question.key_points or ()
    chosen = points if good else points[:1]
    text = " ".join(f"I would use {p.aliases.en[0]} here." for p in chosen)
    result = await actor.slash(sim.general, "answer", text=text)
    assert result.ephemeral


async def _give_points(sim: Sim, count: int) -> list[simcord.MemberActor]:
    """``count`` new members with 100, 99, … points through /score adjust."""
    members = []
    for index in range(count):
        member = sim.guild.add_member(sim.env.create_user(f"member{index}"))
        await sim.actors["admin"].slash(
            sim.general, "score adjust", member=member, points=100 - index, reason="seed"
        )
        members.append(member)
    return members


def _description(result) -> str:  # type: ignore[no-untyped-def]
    return result.response.embeds[0].description


async def test_pages_and_the_callers_own_rank(sim: Sim) -> None:
    members = await _give_points(sim, 11)
    post, question = await _post_daily(sim)
    await _answer(sim, "alice", post, question, good=False)

    result = await sim.actors["alice"].slash(sim.general, "leaderboard")
    assert result.ephemeral  # private by default: a busy channel is not flooded
    text = _description(result)
    assert text.splitlines()[0].startswith(f"**#1** <@{members[0].id}> · 100 pts")
    assert f"<@{members[10].id}>" not in text and "**You** (<@" in text
    assert f"**You** (<@{sim.actors['alice'].id}>): #12 · " in text
    assert result.response.embeds[0].footer.text == "Page 1"

    page2 = await sim.actors["alice"].click(result.response, label="Next ▶")
    text = _description(page2)
    assert text.startswith(f"**#11** <@{members[10].id}> · 90 pts")
    assert f"**#12** <@{sim.actors['alice'].id}>" in text and "#12 · " in text
    assert page2.response.embeds[0].footer.text == "Page 2"
    back = await sim.actors["alice"].click(page2.response, label="◀ Prev")
    assert _description(back).startswith(f"**#1** <@{members[0].id}>")


async def test_share_posts_the_page_for_everyone_without_pings(sim: Sim) -> None:
    members = await _give_points(sim, 11)
    alice = sim.actors["alice"]
    result = await alice.slash(sim.general, "leaderboard")
    with pytest.raises(simcord.SetupError, match="not visible"):
        await sim.actors["bob"].click(result.response, label="Next ▶")  # private to alice
    page2 = await alice.click(result.response, label="Next ▶")
    shared = await alice.click(page2.response, label="Share")
    assert not shared.ephemeral
    assert shared.response.content == f"<@{alice.id}> shared this leaderboard."
    embed = shared.response.embeds[0]
    assert embed.description.startswith(f"**#11** <@{members[10].id}> · 90 pts")
    assert "**You**" not in embed.description and embed.footer.text == "Page 2"
    public = sim.general.history()[-1]
    assert public.embeds[0].description == embed.description and not public.components
    stored = sim.env.backend.messages[sim.general.id][public.id]
    assert stored.ping_user_ids == []  # names, never pings


async def test_share_in_chinese(sim: Sim, user_locale) -> None:  # type: ignore[no-untyped-def]
    user_locale("zh-CN")
    await _give_points(sim, 2)
    result = await sim.actors["alice"].slash(sim.general, "leaderboard", period="week")
    shared = await sim.actors["alice"].click(result.response, label="分享到频道")
    assert shared.response.content.endswith("分享了这个排行榜。")
    assert shared.response.embeds[0].title == "🏆 排行榜 — 本周"


async def test_buttons_keep_working_after_the_cog_reloads(sim: Sim) -> None:
    await _give_points(sim, 11)
    result = await sim.actors["alice"].slash(sim.general, "leaderboard")
    await sim.bot.reload_extension("cogs.leaderboard")
    page2 = await sim.actors["alice"].click(result.response, label="Next ▶")
    assert "**#11**" in _description(page2)


async def test_weekly_topic_board_and_a_new_week(sim: Sim) -> None:
    post, question = await _post_daily(sim)
    await _answer(sim, "alice", post, question, good=True)
    await _answer(sim, "bob", post, question, good=False)
    alice, bob = sim.actors["alice"].id, sim.actors["bob"].id

    result = await sim.actors["carol"].slash(
        sim.general, "leaderboard", period="week", topic=question.topic
    )
    text = _description(result)
    assert text.index(f"<@{alice}>") < text.index(f"<@{bob}>")
    assert "not on this board yet" in text
    assert result.response.embeds[0].footer.text == "Page 1"  # no internal scope key
    other_topic = "generative" if question.topic != "generative" else "cnn-vision"
    empty = await sim.actors["carol"].slash(
        sim.general, "leaderboard", period="week", topic=other_topic
    )
    assert "Nobody has points on this board yet" in _description(empty)

    await sim.advance(timedelta(days=7))
    week = await sim.actors["alice"].slash(sim.general, "leaderboard", period="week")
    assert "Nobody has points" in _description(week)
    all_time = await sim.actors["alice"].slash(sim.general, "leaderboard", period="all")
    assert f"**#1** <@{alice}>" in _description(all_time)


async def test_profile_of_yourself_and_of_another_member(sim: Sim) -> None:
    post, question = await _post_daily(sim)
    await _answer(sim, "alice", post, question, good=True)
    await _answer(sim, "bob", post, question, good=False)

    mine = await sim.actors["alice"].slash(sim.general, "profile view")
    assert mine.ephemeral
    embed = mine.response.embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == "📊 Profile of alice"
    assert fields["Rank"] == "#1" and fields["Daily answers"] == "1"
    assert fields["Streak (days)"] == "1 (best 1)" and fields["Practice answers"] == "0"
    assert "Weakest topic" not in fields  # one topic alone is never "weakest"

    theirs = await sim.actors["alice"].slash(sim.general, "profile view", member=sim.actors["bob"])
    fields = {f.name: f.value for f in theirs.response.embeds[0].fields}
    assert theirs.response.embeds[0].title == "📊 Profile of bob" and fields["Rank"] == "#2"


async def test_profile_of_a_member_without_answers_is_friendly(sim: Sim) -> None:
    result = await sim.actors["alice"].slash(
        sim.general, "profile view", member=sim.actors["carol"]
    )
    assert result.ephemeral and not result.response.embeds
    assert "has not answered any question yet" in result.response.content
    assert f"<@{sim.actors['carol'].id}>" in result.response.content


async def test_chinese_users_get_chinese_boards(sim: Sim, user_locale) -> None:  # type: ignore[no-untyped-def]
    user_locale("zh-CN")
    await _give_points(sim, 11)
    result = await sim.actors["alice"].slash(sim.general, "leaderboard")
    assert result.response.embeds[0].title == "🏆 排行榜 — 总榜"
    page2 = await sim.actors["alice"].click(result.response, label="下一页 ▶")
    assert page2.response.embeds[0].footer.text == "第 2 页"


async def test_profile_names_a_weakest_topic_only_when_it_is_clearly_weaker(sim: Sim) -> None:
    from bot.db.questions import Answer, MemberStats
    from bot.guilds import get_settings

    alice = sim.actors["alice"]
    now = sim.bot.clock.now()
    async with sim.bot.db.session() as session:
        await get_settings(session, sim.guild.id, now)
        session.add_all(
            Answer(
                guild_id=sim.guild.id,
                user_id=alice.id,
                post_id=None,
                slug=f"{topic}-{index}",
                topic=topic,
                text="…",
                score=score,
                points=0.0,
                covered="",
                local_date=now.date(),
                created_at=now,
            )
            for index, (topic, score) in enumerate(
                (("ml-fundamentals", 10.0), ("ml-fundamentals", 10.0), ("dl-training", 3.0))
            )
        )
        session.add(MemberStats(guild_id=sim.guild.id, user_id=alice.id, practice_answers=3))
        await session.commit()
    result = await alice.slash(sim.general, "profile view")
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["Weakest topic"] == (
        f"**{TOPICS['dl-training'].en}** (3/10). "
        "Practise it with `/question practice topic:dl-training`."
    )


async def test_a_profile_with_adjusted_points_only_shows_no_empty_score(sim: Sim) -> None:
    (member,) = await _give_points(sim, 1)
    result = await sim.actors["alice"].slash(sim.general, "profile view", member=member)
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["Points (all time)"] == "100" and "Average score" not in fields
    assert all("—" not in value for value in fields.values())


async def test_a_button_of_an_unloaded_part_answers_politely(sim: Sim) -> None:
    await _give_points(sim, 2)
    shown = await sim.actors["alice"].slash(sim.general, "leaderboard")
    await sim.bot.unload_extension("cogs.leaderboard")
    clicked = await sim.actors["alice"].click(shown.response, label="Share")
    assert clicked.ephemeral
    assert "switched off right now" in clicked.response.content
    assert not sim.general.history()  # nothing was shared
