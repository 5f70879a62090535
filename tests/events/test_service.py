"""Event rules over a real database (SQLite and PostgreSQL): drafts, RSVPs, edits, the ledger."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot import ledger
from bot.db.engine import Database
from bot.db.events import CANCELLED, Event, EventChange, Rsvp
from bot.db.models import ScheduledPost
from bot.errors import UserError
from bot.events import reminders, service
from bot.events.recurrence import Repeat
from bot.events.rsvp import RsvpCounts, rsvp_counts
from bot.guilds import get_settings

GUILD, CHANNEL, CREATOR = 1001, 2002, 7
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def prepare(db: Database, **options: object) -> service.Draft:
    options = {
        "title": "Diffusion models",
        "start": "2026-12-03 19:00",
        "where": "https://meet.example.com",
        **options,
    }
    async with db.session() as session:
        draft = await service.prepare_event(session, GUILD, NOW, **options)  # type: ignore[arg-type]
        await session.commit()
        return draft


async def create(db: Database, *, announce: bool = True, **options: object) -> Event:
    """Save an event and, unless ``announce`` is False, record its announcement as posted."""
    draft = await prepare(db, **options)
    async with db.transaction() as session:
        event = await service.create_event(session, GUILD, CREATOR, draft, NOW, channel_id=CHANNEL)
    if announce:
        async with db.transaction() as session:
            await service.record_announcement(
                session, event.id, message_id=900 + event.id, thread_id=800 + event.id
            )
        event.message_id, event.thread_id = 900 + event.id, 800 + event.id
    return event


async def rsvp(
    db: Database, event_id: int, user_id: int, choice: str, now: datetime = NOW
) -> service.RsvpResult:
    async with db.transaction() as session:
        return await service.set_rsvp(session, event_id, user_id, choice, now)


async def statuses(db: Database, event_id: int) -> dict[int, str]:
    async with db.session() as session:
        rows = await session.execute(
            select(Rsvp.user_id, Rsvp.status).where(Rsvp.event_id == event_id)
        )
        return {user_id: status for user_id, status in rows}


async def test_a_draft_is_parsed_in_the_guild_timezone_and_stores_nothing(db: Database) -> None:
    async with db.session() as session:
        (await get_settings(session, GUILD, NOW)).timezone = "Asia/Shanghai"
        await session.commit()
    draft = await prepare(
        db, start="下周五晚上8点", duration="2h", repeat="monthly", repeat_count=3, capacity=30
    )
    assert draft.start_at == datetime(2026, 12, 11, 12, 0, tzinfo=UTC)
    assert draft.duration == timedelta(hours=2)
    assert draft.rrule == Repeat.MONTHLY.to_rrule(count=3)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"kind": "party"}, "events.unknown_kind"),
        ({"voice_channel_id": 5}, "events.where_both"),
        ({"where": None}, "events.where_required"),
        ({"duration": "1h", "end": "2026-12-03 21:00"}, "events.duration_and_end"),
        ({"duration": "-30m"}, "events.time.duration_not_positive"),
        ({"duration": "soon"}, "events.time.bad_duration"),
        ({"start": "2026-12-05"}, "events.time.missing_time"),
        ({"start": "03/04 8pm"}, "events.time.ambiguous_date"),
        ({"start": "tomorrow 8"}, "events.time.ambiguous_readings"),
        ({"start": "next week 8pm"}, "events.time.no_day"),
        ({"start": "in 2 years 19:00"}, "events.time.too_far"),
        ({"repeat": "weekly", "repeat_count": 0}, "events.rule.bad_rrule"),
        ({"title": "   "}, "events.rule.title_empty"),
    ],
)
async def test_bad_drafts_raise_a_localizable_error(
    db: Database, options: dict[str, object], key: str
) -> None:
    with pytest.raises(UserError) as caught:
        await prepare(db, **options)
    assert caught.value.key == key


async def test_publishing_rechecks_the_start(db: Database) -> None:
    draft = await prepare(db, start="in 10 minutes")
    async with db.session() as session:
        with pytest.raises(UserError) as caught:
            await service.create_event(
                session, GUILD, CREATOR, draft, NOW + timedelta(minutes=11), channel_id=CHANNEL
            )
    assert caught.value.key == "events.rule.in_past"


async def test_capacity_waitlist_and_first_come_promotion(db: Database) -> None:
    event = await create(db, capacity=2)
    assert (await rsvp(db, event.id, 1, "going")).status == "going"
    assert (await rsvp(db, event.id, 2, "going")).status == "going"
    third = await rsvp(db, event.id, 3, "going", NOW + timedelta(minutes=1))
    fourth = await rsvp(db, event.id, 4, "going", NOW + timedelta(minutes=2))
    assert (third.status, third.waitlist_position) == ("waitlist", 1)
    assert fourth.waitlist_position == 2
    again = await rsvp(db, event.id, 3, "going")
    assert not again.changed and again.status == "waitlist"
    left = await rsvp(db, event.id, 1, "maybe")
    assert left.promoted == (3,)
    assert await statuses(db, event.id) == {1: "maybe", 2: "going", 3: "going", 4: "waitlist"}
    assert (await rsvp(db, event.id, 4, "not_going")).promoted == ()
    async with db.session() as session:
        counts = (await rsvp_counts(session, [event.id]))[event.id]
    assert counts == RsvpCounts(going=2, maybe=1, not_going=1)


async def test_raising_the_capacity_promotes_the_waitlist(db: Database) -> None:
    event = await create(db, capacity=1)
    for user in (1, 2, 3):
        await rsvp(db, event.id, user, "going")
    async with db.transaction() as session:
        result = await service.edit_event(session, GUILD, event.id, CREATOR, False, NOW, capacity=3)
    assert result.promoted == (2, 3) and result.change_notice is None


async def test_one_rsvp_row_per_member(db: Database) -> None:
    event = await create(db)
    await rsvp(db, event.id, 1, "going")
    async with db.session() as session:
        session.add(Rsvp(event_id=event.id, user_id=1, status="maybe", responded_at=NOW))
        with pytest.raises(IntegrityError):
            await session.commit()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_concurrent_clicks_never_overfill_an_event(db: Database) -> None:
    event = await create(db, capacity=1)
    results = await asyncio.gather(*(rsvp(db, event.id, user, "going") for user in range(1, 9)))
    assert sorted(r.status for r in results) == ["going"] + ["waitlist"] * 7


async def test_cancelled_and_finished_events_take_no_rsvps(db: Database) -> None:
    event = await create(db, start="2026-12-01 10:00")
    await rsvp(db, event.id, 1, "going")
    with pytest.raises(UserError) as caught:
        await rsvp(db, event.id, 2, "going", NOW + timedelta(hours=4))
    assert caught.value.key == "rsvp.ended"
    async with db.transaction() as session:
        cancelled, attendees = await service.cancel_event(
            session, GUILD, event.id, CREATOR, False, NOW
        )
    assert cancelled.status == "cancelled" and attendees == [1]
    with pytest.raises(UserError) as caught:
        await rsvp(db, event.id, 2, "going")
    assert caught.value.key == "rsvp.cancelled"


async def test_only_the_creator_or_manage_events_may_edit(db: Database) -> None:
    event = await create(db)
    async with db.transaction() as session:
        with pytest.raises(UserError) as caught:
            await service.edit_event(session, GUILD, event.id, 99, False, NOW, title="Mine")
        assert caught.value.key == "events.not_yours"
        result = await service.edit_event(
            session, GUILD, event.id, 99, True, NOW, start="2026-12-04 19:00", duration="2h"
        )
    assert result.change_notice is not None and result.event.sequence == 1
    assert result.event.start_at == datetime(2026, 12, 4, 19, tzinfo=UTC)
    assert result.event.duration_minutes == 120


async def test_upcoming_lists_the_next_occurrence_of_repeats(db: Database) -> None:
    await create(db, title="Later", start="2026-12-20 10:00")
    weekly = await create(db, title="Weekly", start="2026-12-01 09:00", repeat="weekly")
    async with db.session() as session:
        soon = await service.upcoming_events(
            session, GUILD, NOW + timedelta(days=1), until=NOW + timedelta(days=14)
        )
        everything = await service.upcoming_events(session, GUILD, NOW + timedelta(days=1))
    assert [(u.event.title, u.start) for u in soon] == [
        ("Weekly", datetime(2026, 12, 8, 9, tzinfo=UTC))
    ]
    assert [u.event.title for u in everything] == ["Weekly", "Later"]
    assert service.to_ical(weekly, ZoneInfo("UTC")).rrule == "FREQ=WEEKLY"


async def test_an_event_never_announced_is_invisible_to_members_and_the_scheduler(
    db: Database,
) -> None:
    announced = await create(db, title="Announced")
    orphan = await create(db, title="Saved, then the process died", announce=False)
    later = NOW + timedelta(hours=1)
    async with db.session() as session:
        listed = await service.upcoming_events(session, GUILD, later)
        active = await reminders.active_event_ids(session, later)
        assert (await service.get_event(session, GUILD, announced.id)).title == "Announced"
        with pytest.raises(UserError) as caught:
            await service.get_event(session, GUILD, orphan.id)
    assert caught.value.key == "events.not_found"
    assert [item.event.id for item in listed] == [announced.id]
    assert active == [announced.id]
    async with db.transaction() as session:  # once its announcement is recorded, it exists
        await service.record_announcement(session, orphan.id, message_id=4242)
    async with db.session() as session:
        assert await reminders.active_event_ids(session, later) == [announced.id, orphan.id]


@pytest.mark.parametrize(
    ("capacity", "key"),
    [(0, "events.rule.capacity_too_small"), (100_001, "events.rule.capacity_too_large"),
     (2**31, "events.rule.capacity_too_large"), (2**53, "events.rule.capacity_too_large")],
)  # fmt: skip
async def test_capacity_is_bounded_before_it_reaches_the_database(
    db: Database, capacity: int, key: str
) -> None:
    with pytest.raises(UserError) as caught:
        await prepare(db, capacity=capacity)
    assert caught.value.key == key
    event = await create(db, capacity=100_000)
    assert event.capacity == 100_000
    async with db.transaction() as session:
        with pytest.raises(UserError) as caught:
            await service.edit_event(
                session, GUILD, event.id, CREATOR, False, NOW, capacity=capacity
            )
    assert caught.value.key == key


@pytest.mark.parametrize(
    "where",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript\t:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "ftp://files.example.com/talk.pdf",
        "mailto:organiser@example.com",
    ],
)
async def test_where_links_must_be_http(db: Database, where: str) -> None:
    with pytest.raises(UserError) as caught:
        await prepare(db, where=where)
    assert caught.value.key == "events.rule.bad_link"
    event = await create(db)
    async with db.transaction() as session:
        with pytest.raises(UserError) as caught:
            await service.edit_event(session, GUILD, event.id, CREATOR, False, NOW, where=where)
    assert caught.value.key == "events.rule.bad_link"


async def test_the_ledger_claims_each_key_exactly_once(db: Database) -> None:
    async with db.session() as session:
        await get_settings(session, GUILD, NOW)
        await session.commit()

    async def claim(key: str) -> bool:
        async with db.session() as session:
            return await ledger.claim(session, GUILD, "event_reminder", key, NOW)

    results = await asyncio.gather(*(claim(f"1:2026-12-03T19:00Z:{n % 2}") for n in range(10)))
    assert sorted(results) == [False] * 8 + [True] * 2
    async with db.session() as session:
        await ledger.finish(
            session, GUILD, "event_reminder", "1:2026-12-03T19:00Z:0", NOW, error="Forbidden: 403"
        )
    assert not await claim("1:2026-12-03T19:00Z:0")  # a failure is not retried


async def test_an_ambiguous_date_names_both_readings(db: Database) -> None:
    with pytest.raises(UserError) as caught:
        await prepare(db, start="3/4 8pm")
    params = caught.value.params
    assert (params["first_iso"], params["second_iso"]) == ("2027-03-04", "2027-04-03")
    assert params["first"] == f"<t:{int(datetime(2027, 3, 4, 12, tzinfo=UTC).timestamp())}:D>"
    assert params["value"] == "3/4 8pm"


async def test_next_friday_on_a_tuesday_keeps_the_coming_friday_as_a_choice(db: Database) -> None:
    draft = await prepare(db, start="next friday 19:00", duration="2h")  # NOW is a Tuesday
    next_week, coming = (datetime(2026, 12, d, 19, tzinfo=UTC) for d in (11, 4))
    assert draft.start_at == next_week and draft.alternatives == (coming,)
    chosen = draft.choose(coming)
    assert chosen.start_at == coming and chosen.alternatives == (next_week,)
    assert chosen.duration == timedelta(hours=2)
    assert chosen.choose(next_week) == draft
    with pytest.raises(ValueError):
        draft.choose(NOW)
    plain = await prepare(db, start="friday 19:00")
    assert plain.start_at == coming and plain.alternatives == ()


async def test_events_have_their_own_timezone_defaulting_to_the_servers(db: Database) -> None:
    async with db.session() as session:
        (await get_settings(session, GUILD, NOW)).timezone = "Asia/Shanghai"
        await session.commit()
    shanghai = await prepare(db, start="2026-12-03 19:00")
    assert shanghai.start_at == datetime(2026, 12, 3, 11, tzinfo=UTC)
    async with db.session() as session:
        config = await service.configure_events(session, GUILD, NOW, timezone="europe/berlin")
        assert config.timezone == "Europe/Berlin"
        assert (await service.event_zone(session, GUILD, NOW)).key == "Europe/Berlin"
        await session.commit()
    berlin = await prepare(db, start="2026-12-03 19:00")
    assert berlin.start_at == datetime(2026, 12, 3, 18, tzinfo=UTC)
    async with db.session() as session:
        with pytest.raises(UserError) as caught:
            await service.configure_events(
                session, GUILD, NOW, timezone="Mars/Olympus", reminders="1h"
            )
        assert caught.value.key == "daily.unknown_timezone"
        config = await service.get_event_config(session, GUILD, NOW)
        assert config.timezone == "Europe/Berlin" and config.reminder_offsets == "1440,15"
        await service.configure_events(session, GUILD, NOW, timezone="server")
        await session.commit()
    async with db.session() as session:
        assert (await service.event_zone(session, GUILD, NOW)).key == "Asia/Shanghai"


async def test_the_shown_state_follows_the_clock(db: Database) -> None:
    one_off = await create(db, start="2026-12-03 19:00", duration="90m")
    weekly = await create(db, start="2026-12-03 19:00", repeat="weekly", repeat_count=2)
    utc = ZoneInfo("UTC")
    start = datetime(2026, 12, 3, 19, tzinfo=UTC)
    before, during, after = start - timedelta(minutes=1), start, start + timedelta(minutes=90)
    assert service.shown_state(one_off, utc, before) == (service.UPCOMING, start)
    assert service.shown_state(one_off, utc, during) == (service.LIVE, start)
    assert service.shown_state(one_off, utc, after) == (service.ENDED, start)
    second = start + timedelta(days=7)
    assert service.shown_state(weekly, utc, after) == (service.UPCOMING, second)
    assert service.shown_state(weekly, utc, second + timedelta(minutes=5)) == (service.LIVE, second)
    assert service.shown_state(weekly, utc, second + timedelta(hours=2)) == (service.ENDED, second)
    one_off.status = CANCELLED
    assert service.shown_state(one_off, utc, before) == (CANCELLED, start)


async def test_a_change_of_time_or_place_is_recorded_and_claimed_once(db: Database) -> None:
    event = await create(db, start="2026-12-03 19:00")
    async with db.transaction() as session:
        title_only = await service.edit_event(
            session, GUILD, event.id, CREATOR, False, NOW, title="New title"
        )
        same_start = await service.edit_event(
            session, GUILD, event.id, CREATOR, False, NOW, start="2026-12-03 19:00"
        )
        moved = await service.edit_event(
            session, GUILD, event.id, CREATOR, False, NOW,
            start="2026-12-04 20:00", where="Room 1",
        )  # fmt: skip
    assert title_only.change_notice is None and same_start.change_notice is None
    notice = moved.change_notice
    assert notice is not None and notice.kind == service.CHANGE_KIND
    async with db.session() as session:
        found = await service.get_change(session, notice.key)
        assert found is not None
        _event, change = found
        assert change.old_start_at == datetime(2026, 12, 3, 19, tzinfo=UTC)
        assert change.new_start_at == datetime(2026, 12, 4, 20, tzinfo=UTC)
        assert (change.old_place, change.new_place) == ("https://meet.example.com", "Room 1")
        row = await session.scalar(
            select(ScheduledPost).where(ScheduledPost.occurrence_key == notice.key)
        )
        assert row is not None and row.status == "claimed"
        assert row.expires_at == NOW + service.CHANGE_WINDOW
        assert await session.scalar(select(func.count()).select_from(EventChange)) == 1
        assert await service.get_change(session, f"{event.id}:999") is None


async def test_a_bad_edit_records_no_change(db: Database) -> None:
    event = await create(db)
    async with db.transaction() as session:
        with pytest.raises(UserError):
            await service.edit_event(
                session, GUILD, event.id, CREATOR, False, NOW, start="3/4 8pm", where="Room 2"
            )
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(EventChange)) == 0
        assert await session.scalar(select(func.count()).select_from(ScheduledPost)) == 0
        stored = await session.get(Event, event.id)
        assert stored is not None and stored.location == "https://meet.example.com"


async def test_the_ical_view_links_back_and_carries_the_reminders(db: Database) -> None:
    event = await create(db, description="Score matching")
    ical = service.to_ical(event, ZoneInfo("UTC"), alarms=(1440, 15))
    link = f"https://discord.com/channels/{GUILD}/{CHANNEL}/{event.message_id}"
    assert ical.url == link and service.jump_url(event) == link
    assert ical.description == f"Score matching\n\n{link}"
    assert ical.alarms == (timedelta(days=1), timedelta(minutes=15))
    unannounced = await create(db, announce=False)
    assert service.to_ical(unannounced, ZoneInfo("UTC")).url == "https://meet.example.com"
