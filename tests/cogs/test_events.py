"""Events end to end: preview and publish, RSVP with capacity and waitlist, edit, cancel, iCal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import pytest
import simcord
from dateutil.rrule import rrulestr
from icalendar import Calendar
from sqlalchemy import func, select

from bot.db.events import Event, Rsvp
from bot.db.models import ScheduledPost
from bot.scheduling import SimulatedScheduler
from tests.helpers import Sim, make_bot

WHERE = "https://meet.example.com/diffusion"


# ---------------------------------------------------------------------------- helpers
async def setup_events(sim: Sim, timezone: str | None = None, **options: object) -> None:
    """Announce events in #events; optionally set the guild's timezone."""
    admin = sim.actors["admin"]
    await admin.slash(sim.general, "config events", channel=sim.channels["events"], **options)
    if timezone:
        await admin.slash(sim.general, "config daily", timezone=timezone)


async def create(sim: Sim, actor: str = "admin", **options: object) -> simcord.InteractionResult:
    """Run /event create (a preview) with sensible defaults; an option set to None is left out."""
    defaults = {"title": "Diffusion models", "start": "2026-12-03 19:00", "where": WHERE}
    options = {key: value for key, value in (defaults | options).items() if value is not None}
    return await sim.actors[actor].slash(sim.general, "event create", **options)


async def publish(sim: Sim, actor: str = "admin", **options: object) -> discord.Message:
    """Create and publish an event; returns its announcement."""
    preview = await create(sim, actor, **options)
    assert preview.response.embeds, preview.response.content
    done = await sim.actors[actor].click(preview.response, label="Publish")
    assert "Published" in done.response.content, done.response.content
    return announcement(sim)


def announcement(sim: Sim, index: int = -1) -> discord.Message:
    """The newest (or ``index``-th) announcement in #events, as currently stored."""
    return [m for m in sim.channels["events"].history() if m.embeds][index]


def fields(message: discord.Message | simcord.InteractionResult) -> dict[str, str]:
    embed = (
        message.response if isinstance(message, simcord.InteractionResult) else message
    ).embeds[0]
    return {field.name: field.value for field in embed.fields}


def dms(sim: Sim, who: str | simcord.MemberActor) -> list[str]:
    actor = sim.actors[who] if isinstance(who, str) else who
    return [m.content for m in actor.user.dm_channel.history()]


def ts(when: datetime) -> str:
    return f"<t:{int(when.timestamp())}:F>"


async def count(sim: Sim, model) -> int:  # type: ignore[no-untyped-def]
    async with sim.bot.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def native_events(sim: Sim) -> list:  # type: ignore[type-arg]
    return list(sim.env.backend.get_guild(sim.guild.id).scheduled_events.values())


async def restart(sim: Sim, downtime: timedelta = timedelta(0)) -> None:
    """Restart the bot on the same database; its clock continues from the old one's time
    (plus ``downtime``, while no bot ran)."""
    start = sim.bot.clock.now() + downtime
    await sim.env.restart_bot(make_bot(str(sim.bot.db.url), start=start))
    sim.bot = sim.env.bot  # type: ignore[assignment]
    scheduler = sim.bot.scheduler
    assert isinstance(scheduler, SimulatedScheduler)
    scheduler.on_move = lambda delta: sim.env.advance_time(delta.total_seconds())
    await sim.env.settle()


# ---------------------------------------------------------------------------- create
async def test_create_previews_then_publishes_with_buttons_thread_and_discord_event(
    sim: Sim,
) -> None:
    await setup_events(sim)
    preview = await create(sim, duration="90m", capacity=2, description="Score matching")
    start = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
    assert preview.ephemeral
    assert ts(start) in preview.response.embeds[0].description
    assert fields(preview)["When"] == f"{ts(start)} (<t:{int(start.timestamp())}:R>)"
    assert [c["label"] for row in preview.response.components for c in row["components"]] == [
        "Publish",
        "Cancel",
    ]
    assert await count(sim, Event) == 0 and not announcement_count(sim)
    assert not native_events(sim)

    done = await sim.actors["admin"].click(preview.response, label="Publish")
    assert "Published **Diffusion models**" in done.response.content
    post = announcement(sim)
    assert post.embeds[0].title == "🎤 Diffusion models"
    assert fields(post)["Going"] == "0/2" and fields(post)["Where"] == WHERE
    assert [c.custom_id for row in post.components for c in row.children] == [
        "aiclub:rsvp:1:going",
        "aiclub:rsvp:1:maybe",
        "aiclub:rsvp:1:not_going",
    ]
    assert [thread.name for thread in sim.channels["events"].threads] == ["Diffusion models"]
    (native,) = native_events(sim)
    assert native.name == "Diffusion models" and native.entity_type == 3
    assert native.entity_metadata == {"location": WHERE}
    assert datetime.fromisoformat(native.scheduled_start_time) == start
    assert datetime.fromisoformat(native.scheduled_end_time) == start + timedelta(minutes=90)
    async with sim.bot.db.session() as session:
        event = await session.scalar(select(Event))
    assert event is not None and event.message_id == post.id
    assert event.native_event_id == native.id and event.duration_minutes == 90


def announcement_count(sim: Sim) -> int:
    return len([m for m in sim.channels["events"].history() if m.embeds])


async def test_discarding_the_preview_stores_and_posts_nothing(sim: Sim) -> None:
    await setup_events(sim)
    preview = await create(sim)
    done = await sim.actors["admin"].click(preview.response, label="Cancel")
    assert "nothing was posted" in done.response.content
    assert await count(sim, Event) == 0 and announcement_count(sim) == 0
    assert not native_events(sim)


async def test_start_in_chinese_is_read_in_the_guild_timezone(sim: Sim, user_locale) -> None:
    await setup_events(sim, timezone="Asia/Shanghai")
    user_locale("zh-CN")
    preview = await create(sim, start="明天晚上8点", duration="1小时30分")
    start = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    assert "请核对时间" in preview.response.embeds[0].description
    assert ts(start) in fields(preview)["时间"]
    assert fields(preview)["时长"] == "1 小时 30 分钟"


async def test_a_voice_channel_event_is_mirrored_on_the_channel(sim: Sim) -> None:
    await setup_events(sim)
    stage = sim.guild.create_voice_channel("talks")
    await publish(sim, where=None, channel=stage)
    assert fields(announcement(sim))["Where"] == f"<#{stage.id}>"
    (native,) = native_events(sim)
    assert native.entity_type == 2 and native.channel_id == stage.id


async def test_an_ambiguous_start_shows_both_readings_and_stores_nothing(sim: Sim) -> None:
    await setup_events(sim)
    result = await create(sim, start="tomorrow 8")
    morning = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert result.ephemeral and "could mean" in result.response.content
    assert ts(morning) in result.response.content
    assert ts(morning + timedelta(hours=12)) in result.response.content
    assert await count(sim, Event) == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"start": "2026-11-30 10:00"}, "is in the past"),
        ({"start": "the day after blursday"}, "couldn't read"),
        ({"start": "2028-01-05 10:00"}, "more than a year ahead"),
        ({"start": "2026-12-05 18:00", "end": "2026-12-05 17:00"}, "end is before the start"),
        ({"duration": "8d"}, "at most 7 days"),
        ({"title": "x" * 101}, "at most 100 characters"),
        ({"where": None}, "Say where it happens"),
        ({"where": "ftp://files.example.com"}, "http(s) link"),
        ({"where": "javascript:alert(1)"}, "must be http(s) links"),
        ({"where": "data:text/html,<b>hi</b>"}, "`javascript:`, `data:` or `file:`"),
        ({"where": "file:///etc/passwd"}, "must be http(s) links"),
    ],
)
async def test_bad_input_is_refused_with_a_clear_error(
    sim: Sim, options: dict[str, object], message: str
) -> None:
    await setup_events(sim)
    result = await create(sim, **options)
    assert result.ephemeral and message in result.response.content, result.response.content
    assert await count(sim, Event) == 0 and announcement_count(sim) == 0


@pytest.mark.parametrize("capacity", [0, 100_001, 2**31])
async def test_capacity_outside_1_to_100000_is_refused_by_the_option(
    sim: Sim, capacity: int
) -> None:
    """Discord's client refuses it (the option's min and max); the service refuses it too
    (tests/events/test_service.py), so it never reaches a 32-bit column."""
    await setup_events(sim)
    with pytest.raises(simcord.OptionError, match="capacity"):
        await create(sim, capacity=capacity)
    await publish(sim, capacity=100_000)
    assert fields(announcement(sim))["Going"] == "0/100000"
    with pytest.raises(simcord.OptionError, match="capacity"):
        await sim.actors["admin"].slash(sim.general, "event edit", event=1, capacity=capacity)


async def test_the_start_is_checked_again_when_publishing(sim: Sim) -> None:
    await setup_events(sim)
    preview = await create(sim, start="in 10 minutes")
    sim.bot.clock.advance(timedelta(minutes=11))
    late = await sim.actors["admin"].click(preview.response, label="Publish")
    assert late.ephemeral and "in the past now" in late.response.content
    assert await count(sim, Event) == 0 and announcement_count(sim) == 0


async def test_a_never_ending_repeat_is_refused_near_discords_event_limit(sim: Sim) -> None:
    await setup_events(sim)
    now = sim.bot.clock.now()
    async with sim.bot.db.session() as session:
        for n in range(90):
            session.add(
                Event(
                    guild_id=sim.guild.id,
                    creator_id=1,
                    title=f"E{n}",
                    description="",
                    kind="talk",
                    start_at=now + timedelta(days=2),
                    duration_minutes=60,
                    location=WHERE,
                    status="scheduled",
                    sequence=0,
                    channel_id=sim.channels["events"].id,
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.commit()
    refused = await create(sim, repeat="weekly")
    assert "close to Discord's limit of 100" in refused.response.content
    bounded = await create(sim, repeat="weekly", repeat_count=4)
    assert fields(bounded)["Repeats"] == "weekly, 4 times"
    assert await count(sim, Event) == 90


async def test_members_need_manage_events_or_the_organiser_role(sim: Sim) -> None:
    await setup_events(sim)
    refused = await create(sim, "alice")
    assert refused.ephemeral and "organiser role" in refused.response.content
    organisers = sim.guild.create_role("Organisers")
    dave = sim.guild.add_member(sim.env.create_user("dave"), roles=[organisers])
    await setup_events(sim, organiser_role=organisers)
    preview = await dave.slash(
        sim.general,
        "event create",
        title="Paper club",
        start="2026-12-04 18:00",
        where="Room 101, Main St 1",
    )
    await dave.click(preview.response, label="Publish")
    assert fields(announcement(sim))["Where"] == "Room 101, Main St 1"


# ---------------------------------------------------------------------------- RSVP
async def test_rsvp_counts_capacity_waitlist_and_promotion(sim: Sim) -> None:
    await setup_events(sim)
    post = await publish(sim, capacity=2)
    alice, bob, carol = (sim.actors[name] for name in ("alice", "bob", "carol"))
    going = await alice.click(post, label="Going")
    assert going.ephemeral and "You're going to **Diffusion models**" in going.response.content
    await bob.click(post, label="Going")
    full = await carol.click(post, label="Going")
    assert "#1 on the waitlist" in full.response.content
    assert fields(announcement(sim)).items() >= {"Going": "2/2", "Waitlist": "1"}.items()
    again = await alice.click(post, label="Going")
    assert "already going" in again.response.content

    leaving = await bob.click(post, label="Not going")
    assert "not going" in leaving.response.content
    assert any("A place opened up" in text for text in dms(sim, "carol"))
    counts = fields(announcement(sim))
    assert counts["Going"] == "2/2" and counts["Not going"] == "1" and "Waitlist" not in counts
    await bob.click(post, label="Maybe")
    assert fields(announcement(sim))["Maybe"] == "1"
    assert await count(sim, Rsvp) == 3


async def test_rsvp_buttons_keep_working_after_a_restart(sim: Sim) -> None:
    await setup_events(sim)
    post = await publish(sim)
    await restart(sim)
    result = await sim.actors["alice"].click(post, label="Going")
    assert "You're going" in result.response.content
    assert fields(announcement(sim))["Going"] == "1"


async def test_rsvp_to_a_cancelled_event_is_refused(sim: Sim) -> None:
    await setup_events(sim)
    post = await publish(sim)
    # The announcement could not be redrawn, so its buttons are still there.
    sim.env.inject_error("PATCH", f"/channels/*/messages/{post.id}", times=None)
    await sim.actors["admin"].slash(sim.general, "event cancel", event=1)
    result = await sim.actors["alice"].click(post, custom_id="aiclub:rsvp:1:going")
    assert result.ephemeral and "was cancelled" in result.response.content
    assert await count(sim, Rsvp) == 0


# ---------------------------------------------------------------------------- edit, cancel
async def test_edit_moves_the_event_everywhere(sim: Sim) -> None:
    await setup_events(sim)
    await publish(sim)
    await sim.actors["alice"].click(announcement(sim), label="Going")
    result = await sim.actors["admin"].slash(
        sim.general, "event edit", event=1, start="2026-12-04 20:00", title="Diffusion 2"
    )
    assert result.ephemeral and "Saved the changes to **Diffusion 2**" in result.response.content
    new_start = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    post = announcement(sim)
    assert post.embeds[0].title == "🎤 Diffusion 2" and ts(new_start) in fields(post)["When"]
    (native,) = native_events(sim)
    assert native.name == "Diffusion 2"
    assert datetime.fromisoformat(native.scheduled_start_time) == new_start
    assert "The time changed" not in str([m.content for m in sim.channels["events"].history()])
    (told,) = [text for text in dms(sim, "alice") if "has changed" in text]
    assert f"{ts(datetime(2026, 12, 3, 19, tzinfo=UTC))} → {ts(new_start)}" in told


async def test_only_the_creator_or_manage_events_may_edit_or_cancel(sim: Sim) -> None:
    organisers = sim.guild.create_role("Organisers")
    dave = sim.guild.add_member(sim.env.create_user("dave"), roles=[organisers])
    erin = sim.guild.add_member(sim.env.create_user("erin"), roles=[organisers])
    await setup_events(sim, organiser_role=organisers)
    preview = await dave.slash(
        sim.general, "event create", title="Paper club", start="2026-12-04 18:00", where=WHERE
    )
    await dave.click(preview.response, label="Publish")
    refused = await erin.slash(sim.general, "event edit", event=1, title="Mine now")
    assert refused.ephemeral and "Only the event's creator" in refused.response.content
    refused = await erin.slash(sim.general, "event cancel", event=1)
    assert "Only the event's creator" in refused.response.content
    member = await sim.actors["alice"].slash(sim.general, "event edit", event=1, title="x")
    assert "organiser role" in member.response.content
    async with sim.bot.db.session() as session:
        event = await session.scalar(select(Event))
    assert event is not None and event.title == "Paper club" and event.status == "scheduled"
    assert (
        await dave.slash(sim.general, "event edit", event=1, title="Paper club II")
    ).response.content.startswith("Saved")


async def test_cancel_tells_members_and_cancels_the_discord_event(sim: Sim) -> None:
    await setup_events(sim)
    post = await publish(sim)
    await sim.actors["alice"].click(post, label="Going")
    await sim.actors["bob"].click(post, label="Maybe")
    await sim.actors["carol"].click(post, label="Not going")
    result = await sim.actors["admin"].slash(sim.general, "event cancel", event=1)
    assert "Telling the 2 members" in result.response.content
    assert any("has been cancelled" in text for text in dms(sim, "alice"))
    assert any("has been cancelled" in text for text in dms(sim, "bob"))
    assert not any("cancelled" in text for text in dms(sim, "carol"))
    post = announcement(sim)
    assert post.embeds[0].title.startswith("❌ Cancelled") and not post.components
    (native,) = native_events(sim)
    assert native.status == 4  # cancelled
    assert "events:reminders:1" not in sim.bot.scheduler.job_ids()
    again = await sim.actors["admin"].slash(sim.general, "event cancel", event=1)
    assert "is cancelled" in again.response.content


async def test_without_manage_events_it_warns_once_and_goes_on(sim: Sim) -> None:
    guild = sim.env.backend.get_guild(sim.guild.id)
    bot_role = next(role for role in guild.roles.values() if role.managed)
    permissions = discord.Permissions(bot_role.permissions)
    permissions.manage_events = False
    sim.env.backend.edit_role(sim.guild.id, bot_role.id, {"permissions": permissions.value})
    await sim.env.settle()
    await setup_events(sim)
    first = await create(sim)
    done = await sim.actors["admin"].click(first.response, label="Publish")
    assert "Manage Events" in done.response.content
    second = await create(sim, title="Second")
    done = await sim.actors["admin"].click(second.response, label="Publish")
    assert "Published **Second**" in done.response.content
    assert "Manage Events" not in done.response.content
    assert announcement_count(sim) == 2 and not native_events(sim)


# ---------------------------------------------------------------------------- list, info, iCal
async def test_list_info_and_autocomplete(sim: Sim) -> None:
    await setup_events(sim)
    await publish(sim)
    await publish(sim, title="Contest night", start="2026-12-20 18:00", kind="contest")
    week = await sim.actors["alice"].slash(sim.general, "event list")
    assert "Diffusion models" in week.response.embeds[0].description
    assert "Contest night" not in week.response.embeds[0].description
    every = await sim.actors["alice"].slash(sim.general, "event list", range="upcoming")
    assert "🏁 **Contest night**" in every.response.embeds[0].description
    info = await sim.actors["alice"].slash(sim.general, "event info", event=2)
    assert info.response.embeds[0].title == "🏁 Contest night"
    assert fields(info)["Announcement"].startswith(
        "[Open the announcement](https://discord.com/channels/"
    )
    choices = await sim.actors["alice"].autocomplete(sim.general, "event info", "event", "cont")
    assert [(c["name"], c["value"]) for c in choices] == [
        ("#2 Contest night · 2026-12-20 18:00", 2)
    ]
    missing = await sim.actors["alice"].slash(sim.general, "event info", event=99)
    assert "no event #99" in missing.response.content


def calendar(sim: Sim, result: simcord.InteractionResult) -> Calendar:
    (attachment,) = result.response.attachments
    return Calendar.from_ical(sim.env.backend.cdn.get(attachment.url))


async def test_ical_exports_one_event_or_all_with_their_occurrences(sim: Sim) -> None:
    await setup_events(sim, timezone="Europe/Berlin")
    await publish(
        sim, title="Reading group", start="2026-12-02 19:00", repeat="weekly", repeat_count=20
    )
    await publish(sim, title="Contest night", start="2026-12-20 18:00")
    one = await sim.actors["bob"].slash(sim.general, "event ical", event=1)
    assert one.ephemeral and one.response.attachments[0].filename == "event-1.ics"
    (vevent,) = calendar(sim, one).walk("VEVENT")
    assert str(vevent["summary"]) == "Reading group"
    assert str(vevent["uid"]) == f"event-1@{sim.guild.id}.aiclub"
    start = vevent.decoded("dtstart")
    rule = rrulestr(vevent["rrule"].to_ical().decode(), dtstart=start)
    berlin = ZoneInfo("Europe/Berlin")
    local = [moment.astimezone(berlin) for moment in rule]
    assert len(local) == 20 and {(m.hour, m.minute) for m in local} == {(19, 0)}
    utc_hours = {moment.astimezone(UTC).hour for moment in rule}
    assert utc_hours == {17, 18}  # DST on 2027-03-28 moves the UTC time
    every = await sim.actors["bob"].slash(sim.general, "event ical")
    summaries = sorted(str(v["summary"]) for v in calendar(sim, every).walk("VEVENT"))
    assert summaries == ["Contest night", "Reading group"]


async def test_an_event_saved_but_never_announced_stays_invisible(sim: Sim) -> None:
    """The process died between saving the event and posting its announcement."""
    from bot.events.events_service import Member

    await setup_events(sim, reminders="1h")
    events, admin = sim.bot.services.events, sim.actors["admin"].id
    preview = await events.prepare(
        sim.guild.id,
        Member(admin, frozenset(), manage_events=True),
        title="Half-made event",
        start="2026-12-02 19:00",
        where=WHERE,
    )
    saved = await events.publish(
        sim.guild.id, admin, preview.draft, channel_id=sim.channels["events"].id, native_count=0
    )
    assert saved.event.id == 1 and saved.event.message_id is None
    await restart(sim)  # start-up rebuilds the reminder jobs from the database
    assert "events:reminders:1" not in sim.bot.scheduler.job_ids()
    listed = await sim.actors["alice"].slash(sim.general, "event list", range="upcoming")
    assert "Half-made event" not in str(listed.response.embeds[0].to_dict())
    info = await sim.actors["alice"].slash(sim.general, "event info", event=1)
    assert "no event #1" in info.response.content
    assert await sim.actors["alice"].autocomplete(sim.general, "event info", "event", "") == []
    await sim.advance(timedelta(days=2))
    assert not [m for m in sim.channels["events"].history() if "starting now" in m.content]
    async with sim.bot.db.session() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(ScheduledPost)
            .where(ScheduledPost.kind == "event_reminder")
        )
    assert rows == 0
    # an announced event next to it goes on as usual
    await publish(sim, title="Real event", start="2026-12-04 19:00")
    await sim.advance(timedelta(days=2))
    assert [m for m in sim.channels["events"].history() if "starting now" in m.content]


# ---------------------------------------------------------------------------- who is going
def going_field(message: discord.Message | simcord.InteractionResult) -> str:
    return fields(message).get("Who's going", "")


async def test_the_announcement_and_info_name_who_is_going_without_pinging(sim: Sim) -> None:
    from tests.cogs.test_mentions import bot_messages, pings

    await setup_events(sim)
    post = await publish(sim, capacity=20)
    assert "Who's going" not in fields(post)
    alice, bob, carol = (sim.actors[name] for name in ("alice", "bob", "carol"))
    await alice.click(post, label="Going")
    await bob.click(post, label="Maybe")
    await carol.click(post, label="Going")
    assert going_field(announcement(sim)) == f"<@{alice.id}> <@{carol.id}>"
    others = [sim.guild.add_member(sim.env.create_user(f"member{n}")) for n in range(15)]
    for member in others:
        await member.click(post, label="Going")
    named = going_field(announcement(sim))
    assert named.count("<@") == 15 and named.endswith("+2 more")
    assert named.startswith(f"<@{alice.id}> <@{carol.id}> <@{others[0].id}>")
    assert f"<@{bob.id}>" not in named
    info = await bob.slash(sim.general, "event info", event=1)
    assert going_field(info) == named and fields(info)["Going"] == "17/20"
    for message in bot_messages(sim):
        assert pings(message) == (False, [], []), message.content


# ---------------------------------------------------------------------------- start and end
async def test_the_start_pings_only_the_members_going_and_the_post_turns_live_then_ended(
    sim: Sim,
) -> None:
    from tests.cogs.test_mentions import bot_messages, pings

    await setup_events(sim, reminders="none")
    post = await publish(sim, title="@everyone Diffusion", capacity=1, duration="90m")
    alice, bob, carol = (sim.actors[name] for name in ("alice", "bob", "carol"))
    dave = sim.guild.add_member(sim.env.create_user("dave"))
    await alice.click(post, label="Going")
    await bob.click(post, label="Maybe")
    await carol.click(post, label="Not going")
    await dave.click(post, label="Going")  # waitlisted
    start = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)

    await sim.advance(start - timedelta(minutes=1) - sim.bot.clock.now())
    assert announcement(sim).embeds[0].title == "🎤 @everyone Diffusion"
    await sim.advance(timedelta(minutes=1))
    (starting,) = [m for m in bot_messages(sim) if "starting now" in m.content]
    assert pings(starting) == (False, [], [alice.id])
    assert starting.allowed_mentions.users == frozenset({alice.id})
    assert not starting.allowed_mentions.everyone and starting.allowed_mentions.roles == frozenset()
    live = announcement(sim)
    assert live.embeds[0].title == "🔴 Live now: 🎤 @everyone Diffusion"
    assert [c.label for row in live.components for c in row.children] == [
        "Going",
        "Maybe",
        "Not going",
    ]

    await sim.advance(timedelta(minutes=89))
    assert announcement(sim).embeds[0].title.startswith("🔴 Live now")
    await sim.advance(timedelta(minutes=1))
    ended = announcement(sim)
    assert ended.embeds[0].title == "⏹️ Ended: 🎤 @everyone Diffusion" and not ended.components
    info = await bob.slash(sim.general, "event info", event=1)
    assert info.response.embeds[0].title.startswith("⏹️ Ended")
    await sim.advance(timedelta(days=1))
    assert len([m for m in bot_messages(sim) if "starting now" in m.content]) == 1
    for message in bot_messages(sim):
        expected = [alice.id] if message.id == starting.id else []
        assert pings(message) == (False, [], expected), message.content


async def test_a_failed_redraw_at_the_end_is_retried_and_done_once(sim: Sim) -> None:
    await setup_events(sim, reminders="none")
    post = await publish(sim)
    end = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    await sim.advance(end - timedelta(minutes=1) - sim.bot.clock.now())
    sim.env.inject_error("PATCH", f"/channels/*/messages/{post.id}", status=503, times=1)
    await sim.advance(timedelta(minutes=1))
    assert announcement(sim).embeds[0].title.startswith("🔴 Live now")
    await restart(sim)
    await sim.advance(timedelta(minutes=2))
    assert announcement(sim).embeds[0].title.startswith("⏹️ Ended")
    async with sim.bot.db.session() as session:
        row = await session.scalar(
            select(ScheduledPost).where(ScheduledPost.occurrence_key == "1:2026-12-03T19:00Z:-60")
        )
    assert row is not None and row.status == "sent" and row.attempts == 2


async def test_a_weekly_event_is_live_then_shows_its_next_occurrence(sim: Sim) -> None:
    await setup_events(sim, reminders="none")
    await publish(sim, start="2026-12-03 19:00", repeat="weekly", repeat_count=2)
    first = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
    await sim.advance(first + timedelta(minutes=5) - sim.bot.clock.now())
    assert announcement(sim).embeds[0].title.startswith("🔴 Live now")
    await sim.advance(timedelta(hours=1))
    post = announcement(sim)
    assert post.embeds[0].title == "🎤 Diffusion models"
    assert ts(first + timedelta(days=7)) in fields(post)["When"]
    await sim.advance(timedelta(days=7, hours=1))
    assert announcement(sim).embeds[0].title.startswith("⏹️ Ended")


# ---------------------------------------------------------------------------- change notices
async def test_a_time_or_place_change_is_told_once_to_members_going_or_waitlisted(
    sim: Sim,
) -> None:
    from tests.cogs.test_mentions import close_dms

    await setup_events(sim)
    post = await publish(sim, capacity=2)
    alice, bob, carol = (sim.actors[name] for name in ("alice", "bob", "carol"))
    dave = sim.guild.add_member(sim.env.create_user("dave"))
    erin = sim.guild.add_member(sim.env.create_user("erin"))
    await alice.click(post, label="Going")
    await dave.click(post, label="Going")
    await erin.click(post, label="Going")  # waitlisted
    await bob.click(post, label="Maybe")
    await carol.click(post, label="Not going")
    close_dms(sim, dave)

    renamed = await sim.actors["admin"].slash(sim.general, "event edit", event=1, title="New")
    assert "told what changed" not in renamed.response.content
    assert not [text for text in dms(sim, "alice") if "has changed" in text]

    moved = await sim.actors["admin"].slash(
        sim.general, "event edit", event=1, start="2026-12-04 20:00", where="Room 101"
    )
    assert "told what changed" in moved.response.content
    old, new = datetime(2026, 12, 3, 19, tzinfo=UTC), datetime(2026, 12, 4, 20, tzinfo=UTC)
    for member in (alice, erin):
        (told,) = [text for text in dms(sim, member) if "has changed" in text]
        assert f"🕒 When: {ts(old)} → {ts(new)}" in told
        assert f"📍 Where: {WHERE} → Room 101" in told
        assert "discord.com/channels" in told
    for name in ("bob", "carol"):
        assert not [text for text in dms(sim, name) if "has changed" in text]
    thread = sim.channels["events"].threads[0]
    (fallback,) = [m for m in thread.history() if "your DMs are closed" in m.content]
    assert f"<@{dave.id}>" in fallback.content and "Room 101" in fallback.content

    await restart(sim)
    await sim.advance(timedelta(hours=1))
    assert len([text for text in dms(sim, "alice") if "has changed" in text]) == 1
    async with sim.bot.db.session() as session:
        rows = list(
            await session.scalars(select(ScheduledPost).where(ScheduledPost.kind == "event_change"))
        )
    assert [(row.occurrence_key, row.status) for row in rows] == [("1:1", "sent")]

    longer = await sim.actors["admin"].slash(sim.general, "event edit", event=1, duration="2h")
    assert "told what changed" in longer.response.content
    (told,) = [text for text in dms(sim, "alice") if "⏱️" in text]
    assert "⏱️ Duration: 1 h → 2 h" in told and "🕒" not in told


async def test_a_change_notice_whose_thread_post_fails_is_retried_without_repeating_dms(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discord de-duplicates the retry's DMs by their nonce (FaultyDiscord does it here)."""
    from tests.cogs.test_mentions import close_dms
    from tests.delivery.test_faults import FaultyDiscord

    await setup_events(sim)
    post = await publish(sim)
    await sim.actors["alice"].click(post, label="Going")
    await sim.actors["bob"].click(post, label="Going")
    close_dms(sim, sim.actors["bob"])
    thread = sim.channels["events"].threads[0]
    FaultyDiscord(monkeypatch).arm("POST", f"/channels/{thread.id}/messages", "503")
    await sim.actors["admin"].slash(sim.general, "event edit", event=1, where="Room 7")
    assert not [m for m in thread.history() if "your DMs are closed" in m.content]
    await sim.advance(timedelta(minutes=2))
    assert len([m for m in thread.history() if "your DMs are closed" in m.content]) == 1
    assert len([text for text in dms(sim, "alice") if "has changed" in text]) == 1


# ---------------------------------------------------------------------------- start readings
async def test_next_friday_on_a_tuesday_offers_both_fridays_as_buttons(sim: Sim) -> None:
    await setup_events(sim)  # the clock starts on Tuesday 2026-12-01
    preview = await create(sim, start="next friday 19:00")
    next_week, coming = (datetime(2026, 12, d, 19, tzinfo=UTC) for d in (11, 4))
    assert ts(next_week) in preview.response.embeds[0].description
    assert "Pick it with the buttons" in preview.response.embeds[0].description
    buttons = [c for row in preview.response.components for c in row["components"]]
    assert [(c["label"], c.get("disabled", False)) for c in buttons] == [
        ("Fri 4 Dec", False),
        ("Fri 11 Dec", True),
        ("Publish", False),
        ("Cancel", False),
    ]
    chosen = await sim.actors["admin"].click(preview.response, label="Fri 4 Dec")
    assert ts(coming) in chosen.response.embeds[0].description
    done = await sim.actors["admin"].click(chosen.response, label="Publish")
    assert "Published" in done.response.content
    assert ts(coming) in fields(announcement(sim))["When"]


async def test_the_day_buttons_speak_chinese(sim: Sim, user_locale) -> None:  # type: ignore[no-untyped-def]
    await setup_events(sim, timezone="Asia/Shanghai")
    user_locale("zh-CN")
    preview = await create(sim, start="下周五晚上8点")
    labels = [c["label"] for row in preview.response.components for c in row["components"]]
    assert labels[:2] == ["12月4日 周五", "12月11日 周五"]
    plain = await create(sim, start="周五晚上8点")
    labels = [c["label"] for row in plain.response.components for c in row["components"]]
    assert labels == ["发布", "取消"]


@pytest.mark.parametrize(
    ("start", "expected", "absent"),
    [
        ("3/4 8pm", ["`2027-03-04`", "`2027-04-03`", "<t:1804161600:D>", "<t:1806753600:D>"], ""),
        ("in 2 years 19:00", ["more than a year ahead", ts(datetime(2028, 12, 1, 19, tzinfo=UTC))], "morning"),
        ("next week 8pm", ["doesn't say which day"], "morning"),
    ],
)  # fmt: skip
async def test_start_readings_are_explained_when_refused(
    sim: Sim, start: str, expected: list[str], absent: str
) -> None:
    await setup_events(sim)
    result = await create(sim, start=start)
    assert result.ephemeral
    for text in expected:
        assert text in result.response.content, result.response.content
    assert not absent or absent not in result.response.content
    assert await count(sim, Event) == 0


# ---------------------------------------------------------------------------- settings
async def test_events_have_their_own_timezone(sim: Sim) -> None:
    admin = sim.actors["admin"]
    choices = await admin.autocomplete(sim.general, "config events", "timezone", "berl")
    assert "Europe/Berlin" in [c["value"] for c in choices]
    saved = await admin.slash(sim.general, "config events", timezone="Europe/Berlin")
    assert fields(saved)["Timezone"] == "Europe/Berlin"
    await setup_events(sim, timezone="Asia/Shanghai")  # the server's timezone stays apart
    preview = await create(sim, start="2026-12-03 19:00")
    assert ts(datetime(2026, 12, 3, 18, tzinfo=UTC)) in preview.response.embeds[0].description
    refused = await admin.slash(sim.general, "config events", timezone="Mars/Base")
    assert refused.ephemeral and "not a timezone I know" in refused.response.content
    back = await admin.slash(sim.general, "config events", timezone="server")
    assert fields(back)["Timezone"] == "Asia/Shanghai (the server's)"
    preview = await create(sim, start="2026-12-03 19:00")
    assert ts(datetime(2026, 12, 3, 11, tzinfo=UTC)) in preview.response.embeds[0].description


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("9am", "09:00"), ("9:30 pm", "21:30"), ("21:00", "21:00"), ("晚上8点", "20:00")],
)
async def test_daily_and_digest_times_take_12_hour_times(sim: Sim, typed: str, stored: str) -> None:
    admin = sim.actors["admin"]
    daily = await admin.slash(sim.general, "config daily", time=typed)
    assert fields(daily)["Local time"].startswith(stored)
    digest = await admin.slash(sim.general, "config digest", time=typed)
    assert stored in str(fields(digest))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("9", "could be morning or evening"),
        ("25:00", "is not a time of day"),
        ("9am daily", "is not a time of day"),
        ("soon", "is not a time of day"),
    ],
)
async def test_a_time_of_day_that_is_not_one_is_refused_and_changes_nothing(
    sim: Sim, typed: str, message: str
) -> None:
    admin = sim.actors["admin"]
    for command in ("config daily", "config digest"):
        refused = await admin.slash(sim.general, command, time=typed)
        assert refused.ephemeral and message in refused.response.content
        assert "9am" in refused.response.content
    shown = await admin.slash(sim.general, "config daily")
    assert fields(shown)["Local time"].startswith("09:00")


async def test_the_ics_has_an_alarm_per_reminder_and_links_back(sim: Sim) -> None:
    await setup_events(sim, reminders="24h,15m")
    post = await publish(sim)
    result = await sim.actors["bob"].slash(sim.general, "event ical", event=1)
    (vevent,) = calendar(sim, result).walk("VEVENT")
    assert [alarm.decoded("TRIGGER") for alarm in vevent.walk("VALARM")] == [
        -timedelta(days=1),
        -timedelta(minutes=15),
    ]
    assert str(vevent["URL"]) == post.jump_url
    assert post.jump_url in str(vevent["DESCRIPTION"])


def test_mentions_are_split_within_discords_limits() -> None:
    from cogs.events import MESSAGE_LIMIT, mention_chunks

    ids = list(range(10**17, 10**17 + 250))
    chunks = mention_chunks(lambda names: f"🔴 starting now!\n{names}", ids)
    assert [len(user_ids) for _text, user_ids in chunks] == [90, 90, 70]  # by length first
    assert all(len(text) <= MESSAGE_LIMIT for text, _ids in chunks)
    assert [i for _text, user_ids in chunks for i in user_ids] == ids
    short = mention_chunks(lambda names: names, list(range(250)))
    assert [len(user_ids) for _text, user_ids in short] == [100, 100, 50]  # by pings
    assert mention_chunks(lambda names: names, []) == []


async def test_a_refused_edit_changes_nothing_and_tells_nobody(sim: Sim) -> None:
    await setup_events(sim)
    post = await publish(sim)
    await sim.actors["alice"].click(post, label="Going")
    for options in ({"start": "3/4 8pm", "where": "Room 9"}, {"where": "javascript:alert(1)"}):
        refused = await sim.actors["admin"].slash(sim.general, "event edit", event=1, **options)
        assert refused.ephemeral and not refused.response.content.startswith("Saved")
    assert fields(announcement(sim))["Where"] == WHERE
    assert not [text for text in dms(sim, "alice") if "has changed" in text]
    async with sim.bot.db.session() as session:
        kinds = list(await session.scalars(select(ScheduledPost.kind)))
    assert "event_change" not in kinds
