"""Reminders: offsets, due times across DST, and exactly-once delivery driven by the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import ScheduledPost
from bot.errors import UserError
from bot.events.recurrence import Repeat
from bot.events.reminders import Due, due_between, format_offsets, next_due, parse_offsets, sendable
from tests.cogs.test_events import (
    announcement,
    dms,
    native_events,
    publish,
    restart,
    setup_events,
)
from tests.helpers import Sim, make_bot

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
WEEKLY = Repeat.WEEKLY.to_rrule(count=2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------------------- pure
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h,15m", (1440, 15)),
        ("15m, 24h", (1440, 15)),
        ("1d，2h", (1440, 120)),
        ("90m", (90,)),
        ("1小时", (60,)),
        ("none", ()),
        ("24h,24h", (1440,)),
    ],
)
def test_offsets_parse(text: str, expected: tuple[int, ...]) -> None:
    assert parse_offsets(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "8d", "30s", "1h,2h,3h,4h,5h,6h", "-1h"])
def test_bad_offsets_are_refused(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_offsets(text)
    assert caught.value.key == "events.bad_reminders"


def test_offsets_format_as_typed() -> None:
    assert format_offsets((1440, 90, 15)) == "24h, 1h30m, 15m"
    assert format_offsets(()) == "none"


def test_weekly_reminders_follow_local_time_across_the_autumn_dst_change() -> None:
    start = utc(2026, 10, 21, 17)  # Wednesday 19:00 in Berlin (CEST)
    found = due_between(start, BERLIN, WEEKLY, (1440, 15), utc(2026, 10, 1), utc(2026, 12, 1))
    assert [(d.due_at, d.offset) for d in found] == [
        (utc(2026, 10, 20, 17), 1440),
        (utc(2026, 10, 21, 16, 45), 15),
        (utc(2026, 10, 21, 17), 0),
        (utc(2026, 10, 27, 18), 1440),
        (utc(2026, 10, 28, 17, 45), 15),  # 19:00 CET
        (utc(2026, 10, 28, 18), 0),
    ]
    assert found[-1].key(7) == "7:2026-10-28T18:00Z:0"


def test_due_windows_are_half_open_and_next_due_moves_on() -> None:
    start = utc(2027, 3, 12, 0)  # Thursday 19:00 in New York (EST)
    after = utc(2027, 3, 11, 23, 45)
    assert due_between(start, NEW_YORK, WEEKLY, (15,), after, after) == []
    assert next_due(start, NEW_YORK, WEEKLY, (15,), after) == Due(start, start, 0)
    second = utc(2027, 3, 18, 23)  # 19:00 EDT after the spring change
    assert next_due(start, NEW_YORK, WEEKLY, (15,), start) == Due(
        second - timedelta(minutes=15), second, 15
    )
    assert next_due(start, NEW_YORK, WEEKLY, (15,), second) is None


def test_a_late_reminder_is_sent_within_grace_only_and_never_after_the_start() -> None:
    due = Due(utc(2026, 12, 3, 18, 45), utc(2026, 12, 3, 19), 15)
    assert sendable(due, due.due_at + timedelta(minutes=10))
    assert not sendable(due, due.due_at + timedelta(minutes=16))  # the event has started
    starting = Due(utc(2026, 12, 3, 19), utc(2026, 12, 3, 19), 0)
    assert sendable(starting, starting.due_at + timedelta(minutes=29))
    assert not sendable(starting, starting.due_at + timedelta(minutes=30))


# ---------------------------------------------------------------------------- end to end
DST_CASES = {
    "berlin-autumn": (
        "Europe/Berlin",
        "2026-10-21 19:00",
        [utc(2026, 10, 21, 17), utc(2026, 10, 28, 18)],
    ),
    "new-york-autumn": (
        "America/New_York",
        "2026-10-29 19:00",
        [utc(2026, 10, 29, 23), utc(2026, 11, 6, 0)],
    ),
    "new-york-spring": (
        "America/New_York",
        "2027-03-11 19:00",
        [utc(2027, 3, 12, 0), utc(2027, 3, 18, 23)],
    ),
    "berlin-spring": (
        "Europe/Berlin",
        "2027-03-24 19:00",
        [utc(2027, 3, 24, 18), utc(2027, 3, 31, 17)],
    ),
}


@pytest.fixture
def simcord_bot(db_url: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The bot, its clock two days before the case's first occurrence (else the default)."""
    case = DST_CASES.get(getattr(request, "param", ""))
    if case is None:
        return make_bot(db_url)
    first = case[2][0]
    return make_bot(db_url, start=first.replace(hour=8, minute=0) - timedelta(days=2))


async def reminder_rows(sim: Sim) -> dict[str, datetime]:
    async with sim.bot.db.session() as session:
        rows = await session.scalars(
            select(ScheduledPost).where(ScheduledPost.kind == "event_reminder")
        )
        return {row.occurrence_key: row.claimed_at for row in rows if row.status == "sent"}


def expected_rows(
    event_id: int, occurrences: list[datetime], offsets: tuple[int, ...] = (1440, 15, 0, -60)
) -> dict[str, datetime]:
    """Ledger rows of the reminders, the start (0) and the end (minus the length)."""
    return {
        f"{event_id}:{o:%Y-%m-%dT%H:%M}Z:{off}": o - timedelta(minutes=off)
        for o in occurrences
        for off in offsets
    }


@pytest.mark.parametrize("simcord_bot", list(DST_CASES), indirect=True)
async def test_weekly_reminders_go_out_once_each_across_dst_and_a_restart(
    sim: Sim, request: pytest.FixtureRequest
) -> None:
    timezone, start, occurrences = DST_CASES[request.node.callspec.params["simcord_bot"]]
    await setup_events(sim, timezone=timezone)
    post = await publish(sim, title="Reading group", start=start, repeat="weekly", repeat_count=2)
    await sim.actors["alice"].click(post, label="Going")
    await sim.actors["bob"].click(post, label="Maybe")
    await sim.actors["carol"].click(post, label="Not going")

    await sim.advance(occurrences[0] - timedelta(minutes=10) - sim.bot.clock.now())
    await restart(sim)  # between the 15-minute reminder and the start
    await sim.advance(occurrences[1] + timedelta(days=2) - sim.bot.clock.now())

    assert await reminder_rows(sim) == expected_rows(1, occurrences)
    for name in ("alice", "bob"):
        reminders = [text for text in dms(sim, name) if text.startswith("⏰")]
        assert len(reminders) == 4, reminders
    assert not dms(sim, "carol")
    starting = [m for m in sim.channels["events"].history() if "starting now" in m.content]
    assert len(starting) == 2
    natives = sorted(native_events(sim), key=lambda n: n.scheduled_start_time)
    assert [datetime.fromisoformat(n.scheduled_start_time) for n in natives] == occurrences
    local = [o.astimezone(ZoneInfo(timezone)) for o in occurrences]
    assert {(moment.hour, moment.minute) for moment in local} == {(19, 0)}


async def test_a_reminder_missed_during_downtime_is_sent_late_within_grace(sim: Sim) -> None:
    await setup_events(sim)
    post = await publish(sim, start="2026-12-03 19:00")
    await sim.actors["alice"].click(post, label="Going")
    await sim.advance(utc(2026, 12, 3, 18, 40) - sim.bot.clock.now())
    await restart(sim, downtime=timedelta(minutes=15))  # back at 18:55: 15 min reminder is due
    assert [text for text in dms(sim, "alice") if "starts" in text][-1].startswith("⏰")
    rows = await reminder_rows(sim)
    assert rows["1:2026-12-03T19:00Z:15"] == utc(2026, 12, 3, 18, 55)
    await sim.advance(timedelta(minutes=10))
    assert "1:2026-12-03T19:00Z:0" in await reminder_rows(sim)


async def test_reminders_older_than_the_grace_window_are_skipped(sim: Sim) -> None:
    await setup_events(sim)
    post = await publish(sim, start="2026-12-03 19:00")
    await sim.actors["alice"].click(post, label="Going")
    await sim.advance(utc(2026, 12, 3, 18, 40) - sim.bot.clock.now())
    await restart(sim, downtime=timedelta(minutes=65))  # back at 19:45: too late for both
    await sim.advance(timedelta(hours=1))
    # the end (20:00) still redraws the announcement as ended
    assert set(await reminder_rows(sim)) == {"1:2026-12-03T19:00Z:1440", "1:2026-12-03T19:00Z:-60"}
    assert not [m for m in sim.channels["events"].history() if "starting now" in m.content]


async def test_closed_dms_fall_back_to_a_mention_in_the_thread(sim: Sim) -> None:
    await setup_events(sim, reminders="2h")
    post = await publish(sim, start="2026-12-03 19:00")
    await sim.actors["alice"].click(post, label="Going")
    await sim.actors["carol"].click(post, label="Maybe")
    closed = sim.actors["carol"].user.dm_channel.id
    sim.env.inject_error(
        "POST",
        f"/channels/{closed}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    await sim.advance(utc(2026, 12, 3, 17, 1) - sim.bot.clock.now())
    assert [text for text in dms(sim, "alice") if text.startswith("⏰")]
    thread = sim.channels["events"].threads[0]
    (fallback,) = [m for m in thread.history() if "your DMs are closed" in m.content]
    assert f"<@{sim.actors['carol'].id}>" in fallback.content
    assert f"<@{sim.actors['alice'].id}>" not in fallback.content
    assert set(await reminder_rows(sim)) == {"1:2026-12-03T19:00Z:120"}


async def test_edits_move_the_reminders_and_cancelling_stops_them(sim: Sim) -> None:
    await setup_events(sim, reminders="1h")
    post = await publish(sim, start="2026-12-03 19:00")
    await sim.actors["alice"].click(post, label="Going")
    await sim.actors["admin"].slash(sim.general, "event edit", event=1, start="2026-12-04 19:00")
    await publish(sim, title="Second", start="2026-12-05 19:00")
    await sim.actors["alice"].click(announcement(sim), label="Going")
    await sim.actors["admin"].slash(sim.general, "event cancel", event=2)
    await sim.advance(timedelta(days=5))
    assert await reminder_rows(sim) == expected_rows(1, [utc(2026, 12, 4, 19)], (60, 0, -60))
