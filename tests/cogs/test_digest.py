"""The weekly digest end to end: settings, one post per week across DST and restarts, preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest
import simcord
from sqlalchemy import select

from bot.db.models import ScheduledPost
from bot.db.questions import LeaderboardPoints
from bot.questions.bank import QuestionBank
from tests.cogs.test_events import fields, publish, restart, setup_events
from tests.helpers import Sim, lite_bank, make_bot

CASES = {  # timezone, clock start, expected post instants (Monday 09:00 local)
    "berlin-autumn": (
        "Europe/Berlin",
        datetime(2026, 10, 18, 8, tzinfo=UTC),
        [datetime(2026, 10, 19, 7, tzinfo=UTC), datetime(2026, 10, 26, 8, tzinfo=UTC)],
    ),
    "new-york-autumn": (
        "America/New_York",
        datetime(2026, 10, 25, 8, tzinfo=UTC),
        [datetime(2026, 10, 26, 13, tzinfo=UTC), datetime(2026, 11, 2, 14, tzinfo=UTC)],
    ),
    "new-york-spring": (
        "America/New_York",
        datetime(2027, 3, 7, 8, tzinfo=UTC),
        [datetime(2027, 3, 8, 14, tzinfo=UTC), datetime(2027, 3, 15, 13, tzinfo=UTC)],
    ),
    "berlin-spring": (
        "Europe/Berlin",
        datetime(2027, 3, 21, 8, tzinfo=UTC),
        [datetime(2027, 3, 22, 8, tzinfo=UTC), datetime(2027, 3, 29, 7, tzinfo=UTC)],
    ),
}


@pytest.fixture
def simcord_bot(db_url: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The bot, its clock at the case's start (else the default 2026-12-01 08:00 UTC), serving
    the bank of a ``question_bank`` mark."""
    case = CASES.get(getattr(request, "param", ""))
    marker = request.node.get_closest_marker("question_bank")
    bank = marker.kwargs["factory"]() if marker else None
    return make_bot(db_url, start=case[1], bank=bank) if case else make_bot(db_url, bank=bank)


async def configure(sim: Sim, timezone: str = "Europe/Berlin", **options: object) -> None:
    admin = sim.actors["admin"]
    await admin.slash(sim.general, "config daily", timezone=timezone)
    result = await admin.slash(sim.general, "config digest", channel=sim.general, **options)
    assert result.ephemeral and result.response.embeds[0].description == "Saved."


def digests(sim: Sim) -> list[discord.Message]:
    return [
        m
        for m in sim.general.history()
        if m.embeds and "Weekly digest" in (m.embeds[0].title or "")
    ]


async def ledger(sim: Sim) -> dict[str, datetime]:
    async with sim.bot.db.session() as session:
        rows = await session.scalars(
            select(ScheduledPost).where(ScheduledPost.kind == "weekly_digest")
        )
        return {row.occurrence_key: row.claimed_at for row in rows}


@pytest.mark.parametrize("simcord_bot", list(CASES), indirect=True)
async def test_one_digest_a_week_at_local_time_across_dst(
    sim: Sim, request: pytest.FixtureRequest
) -> None:
    timezone, _start, instants = CASES[request.node.callspec.params["simcord_bot"]]
    await configure(sim, timezone)
    await sim.advance(instants[0] - sim.bot.clock.now() - timedelta(hours=1))
    await restart(sim)
    await sim.advance(instants[1] + timedelta(days=1) - sim.bot.clock.now())
    assert sorted((await ledger(sim)).values()) == instants
    assert len(digests(sim)) == 2


async def test_settings_show_and_a_quiet_week_gets_a_friendly_digest(sim: Sim) -> None:
    admin = sim.actors["admin"]
    shown = await admin.slash(sim.general, "config digest", day="friday", time="18:30")
    assert fields(shown) == {"Channel": "not set", "When": "Friday 18:30 (UTC)"}
    bad = await admin.slash(sim.general, "config digest", time="25:61")
    assert bad.ephemeral and "not a time of day" in bad.response.content
    await configure(sim, day="tuesday", time="09:00")  # now: Tuesday 2026-12-01 09:00 in Berlin
    await sim.advance(timedelta(hours=1))
    (post,) = digests(sim)
    assert post.embeds[0].title == "📰 Weekly digest — Nov 30 – Dec 6, 2026"
    assert "A quiet week!" in post.embeds[0].description
    assert "No events planned" in fields(post)["📅 Next 7 days"]


async def test_the_digest_lists_events_and_last_weeks_leaders(sim: Sim) -> None:
    await setup_events(sim)
    await configure(sim)
    post = await publish(sim, title="Paper club", start="2026-12-09 18:00", capacity=5)
    await sim.actors["alice"].click(post, label="Going")
    async with sim.bot.db.session() as session:
        for actor, points in (("alice", 12.5), ("bob", 30.0)):
            session.add(
                LeaderboardPoints(
                    guild_id=sim.guild.id,
                    scope="2026-W49",
                    user_id=sim.actors[actor].id,
                    points=points,
                    answers=2,
                )
            )
        await session.commit()
    await sim.advance(datetime(2026, 12, 7, 8, 1, tzinfo=UTC) - sim.bot.clock.now())
    (digest,) = digests(sim)
    shown = fields(digest)
    assert "**Paper club**" in shown["📅 Next 7 days"] and "✅ 1/5" in shown["📅 Next 7 days"]
    assert shown["🏆 Top 5 of Nov 30 – Dec 6, 2026"].splitlines() == [
        f"1. <@{sim.actors['bob'].id}> — 30 pts",
        f"2. <@{sim.actors['alice'].id}> — 12.5 pts",
    ]
    assert "📈 Most improved" not in shown  # one week of points: nothing to compare yet
    assert "/question practice" in shown["💡 Practice suggestion"]


async def test_a_missed_digest_is_caught_up_within_a_day_and_skipped_after(sim: Sim) -> None:
    await configure(sim)
    await sim.advance(datetime(2026, 12, 7, 7, 0, tzinfo=UTC) - sim.bot.clock.now())
    await restart(sim, downtime=timedelta(hours=5))  # back at 12:00: 3 h late, within a day
    assert list(await ledger(sim)) == ["2026-W50"] and len(digests(sim)) == 1
    await sim.advance(datetime(2026, 12, 14, 7, 0, tzinfo=UTC) - sim.bot.clock.now())
    await restart(sim, downtime=timedelta(hours=26))  # back on Tuesday at 09:00: too late
    await sim.advance(timedelta(hours=1))
    assert list(await ledger(sim)) == ["2026-W50"] and len(digests(sim)) == 1


async def test_preview_is_private_and_posts_nothing(sim: Sim, user_locale) -> None:
    await configure(sim)
    user_locale("zh-CN")
    preview = await sim.actors["admin"].slash(sim.general, "digest preview")
    assert (
        preview.ephemeral
        and preview.response.embeds[0].title == "📰 每周简报 — 2026年11月30日—12月6日"
    )
    assert not digests(sim) and not await ledger(sim)
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await sim.actors["alice"].slash(sim.general, "digest preview")


@pytest.mark.question_bank(factory=lite_bank)
async def test_the_digest_names_people_with_points_links_threads_and_compares_two_weeks(
    sim: Sim, bank: QuestionBank
) -> None:
    await configure(sim)
    alice, bob, carol = (sim.actors[name] for name in ("alice", "bob", "carol"))
    await sim.actors["admin"].slash(
        sim.general, "config daily", channel=sim.channels["daily-question"], topic="ml-fundamentals"
    )
    await sim.advance(timedelta(minutes=1))  # Tuesday's question (09:00 Berlin) is out
    post = next(m for m in sim.channels["daily-question"].history() if m.embeds)
    await alice.click(post, label="B")
    await bob.slash(sim.general, "profile privacy", named=False)
    async with sim.bot.db.session() as session:
        session.add_all(
            LeaderboardPoints(
                guild_id=sim.guild.id, scope=scope, user_id=actor.id, points=points, answers=1
            )
            for scope, actor, points in (
                ("2026-W48", bob, 5.0),
                ("2026-W49", bob, 40.0),
                ("2026-W49", carol, 0.0),  # answered, earned nothing: not in the top 5
            )
        )
        await session.commit()
    await sim.advance(datetime(2026, 12, 7, 8, 1, tzinfo=UTC) - sim.bot.clock.now())
    (digest,) = digests(sim)
    assert digest.embeds[0].title == "📰 Weekly digest — Dec 7 – Dec 13, 2026"
    shown = fields(digest)
    anonymous = "a member who prefers not to be named"
    top = shown["🏆 Top 5 of Nov 30 – Dec 6, 2026"].splitlines()
    assert top[0] == f"1. {anonymous} — 40 pts" and top[1].startswith(f"2. <@{alice.id}> — ")
    assert len(top) == 2 and f"<@{carol.id}>" not in shown["🏆 Top 5 of Nov 30 – Dec 6, 2026"]
    assert shown["📈 Most improved"].splitlines()[0] == f"{anonymous} +35 pts"
    questions = shown["📘 Last week's questions"].splitlines()
    thread = sim.channels["daily-question"].threads[0]
    link = f"(https://discord.com/channels/{sim.guild.id}/{thread.id})"
    prompt = "Which loss suits binary classification?"
    assert questions[0] == f"• [{prompt}]{link} — 1 answer, average 10/10"
    assert all("—/10" not in line for line in questions)
    assert any(line.endswith(" — no answers") for line in questions)  # a later day's question


@pytest.mark.parametrize(
    ("lang", "monday", "expected"),
    [
        ("en", "2026-11-30", "Nov 30 – Dec 6, 2026"),
        ("zh", "2026-11-30", "2026年11月30日—12月6日"),
        ("en", "2026-12-28", "Dec 28, 2026 – Jan 3, 2027"),
        ("zh", "2026-12-28", "2026年12月28日—2027年1月3日"),
    ],
)
def test_week_ranges_read_like_dates(lang: str, monday: str, expected: str) -> None:
    from datetime import date

    from cogs.digest import week_range

    assert week_range(lang, date.fromisoformat(monday)) == expected
