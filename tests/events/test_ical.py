"""Tests for bot.events.ical: the .ics feed parses back with the same fields and occurrences."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from bot.events.ical import IcalEvent, build_calendar, event_uid
from bot.events.recurrence import Repeat, occurrences

BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

TALK = IcalEvent(
    id=7,
    guild_id=123456789012345678,
    title="Paper club: Attention Is All You Need; 注意力机制, part 1",
    kind="talk",
    start_utc=datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
    duration=timedelta(minutes=90),
    tz=BERLIN,
    updated_at=STAMP,
    description="Line one\nLine two: 中文说明 " + "很长的描述" * 30,
    url="https://discord.com/channels/123456789012345678/42",
    location="Stage: AI talks",
)
SEMINAR = IcalEvent(
    id=8,
    guild_id=123456789012345678,
    title="Weekly seminar",
    kind="seminar",
    start_utc=datetime(2027, 3, 13, 18, 0, tzinfo=UTC),  # 19:00 CET
    duration=timedelta(hours=1),
    tz=BERLIN,
    updated_at=STAMP,
    location="Room 3, Main St. 1; Berlin",
    rrule=Repeat.WEEKLY.to_rrule(until=datetime(2027, 5, 1, tzinfo=UTC)),
    exdates=(datetime(2027, 4, 3, 17, 0, tzinfo=UTC),),
    sequence=2,
)
AMA = IcalEvent(
    id=9,
    guild_id=123456789012345678,
    title="AMA",
    kind="ama",
    start_utc=datetime(2026, 12, 6, 12, 0, tzinfo=UTC),
    duration=timedelta(hours=1),
    tz=BERLIN,
    updated_at=STAMP,
    cancelled=True,
    sequence=1,
)


def parse(events: list[IcalEvent], **kwargs: str) -> tuple[Calendar, dict[str, Event]]:
    calendar = Calendar.from_ical(build_calendar(events, **kwargs))
    return calendar, {str(vevent["UID"]): vevent for vevent in calendar.walk("VEVENT")}


def test_calendar_header() -> None:
    calendar, vevents = parse([TALK], prodid="-//test//x//EN", name="aiclub events")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//test//x//EN"
    assert str(calendar["X-WR-CALNAME"]) == "aiclub events"
    assert len(vevents) == 1


def test_default_prodid_and_empty_calendar() -> None:
    calendar, vevents = parse([])
    assert str(calendar["PRODID"]) == "-//aiclub//events//EN"
    assert vevents == {}
    assert calendar.walk("VTIMEZONE") == []


def test_one_off_event_fields_round_trip() -> None:
    _, vevents = parse([TALK])
    vevent = vevents[event_uid(7, TALK.guild_id)]
    assert str(vevent["UID"]) == "event-7@123456789012345678.aiclub"
    assert vevent.decoded("DTSTART") == TALK.start_utc
    assert vevent.decoded("DTSTART").utcoffset() == timedelta(0)
    assert vevent.decoded("DTEND") == TALK.start_utc + TALK.duration
    assert vevent.decoded("DTSTAMP") == STAMP
    assert str(vevent["SUMMARY"]) == TALK.title
    assert str(vevent["DESCRIPTION"]) == TALK.description
    assert str(vevent["LOCATION"]) == TALK.location
    assert str(vevent["URL"]) == TALK.url
    assert [str(category) for category in vevent["CATEGORIES"].cats] == ["talk"]
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent.decoded("SEQUENCE") == 0
    assert "RRULE" not in vevent and "EXDATE" not in vevent


def test_one_off_times_are_written_in_utc() -> None:
    text = build_calendar([TALK]).decode()
    assert "DTSTART:20261204T120000Z\r\n" in text
    assert "DTEND:20261204T133000Z\r\n" in text


def test_cancelled_event_and_sequence() -> None:
    _, vevents = parse([AMA])
    vevent = vevents[event_uid(9, AMA.guild_id)]
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent.decoded("SEQUENCE") == 1
    assert "LOCATION" not in vevent and "DESCRIPTION" not in vevent


def test_repeating_event_uses_local_time_and_a_vtimezone() -> None:
    calendar, vevents = parse([SEMINAR])
    vevent = vevents[event_uid(8, SEMINAR.guild_id)]
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent.decoded("DTSTART") == datetime(2027, 3, 13, 19, 0, tzinfo=BERLIN)
    assert vevent.decoded("DTEND") == datetime(2027, 3, 13, 20, 0, tzinfo=BERLIN)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert vevent["RRULE"].to_ical().decode() == "FREQ=WEEKLY;UNTIL=20270501T000000Z"
    assert vevent.decoded("SEQUENCE") == 2
    text = build_calendar([SEMINAR]).decode()
    assert "DTSTART;TZID=Europe/Berlin:20270313T190000\r\n" in text
    assert "EXDATE;TZID=Europe/Berlin:20270403T190000\r\n" in text


def expand(vevent: Event, window_start: datetime, window_end: datetime) -> list[datetime]:
    """Expand a parsed VEVENT the way a calendar app does: RRULE on DTSTART, minus EXDATE."""
    start = vevent.decoded("DTSTART")
    rule = rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=start)
    excluded = {exdate.dt for exdate in vevent["EXDATE"].dts}
    return [
        moment.astimezone(UTC)
        for moment in rule.between(window_start, window_end, inc=True)
        if moment not in excluded
    ]


def test_parsed_rrule_expands_to_our_occurrences_across_dst() -> None:
    _, vevents = parse([SEMINAR])
    window = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
    expected = occurrences(
        SEMINAR.start_utc, BERLIN, SEMINAR.rrule, *window, exdates=SEMINAR.exdates
    )
    assert expand(vevents[event_uid(8, SEMINAR.guild_id)], *window) == expected
    assert expected[:4] == [
        datetime(2027, 3, 13, 18, 0, tzinfo=UTC),
        datetime(2027, 3, 20, 18, 0, tzinfo=UTC),
        datetime(2027, 3, 27, 18, 0, tzinfo=UTC),
        datetime(2027, 4, 10, 17, 0, tzinfo=UTC),  # 04-03 cancelled; 19:00 CEST after DST
    ]
    assert expected[-1] == datetime(2027, 4, 24, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("repeat", [Repeat.WEEKLY, Repeat.BIWEEKLY, Repeat.MONTHLY])
def test_every_repeat_round_trips(repeat: Repeat) -> None:
    event = replace(SEMINAR, rrule=repeat.to_rrule(count=6), exdates=())
    vevent = parse([event])[1][event_uid(8, event.guild_id)]
    window = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert Repeat.from_rrule(vevent["RRULE"].to_ical().decode()) is repeat
    start = vevent.decoded("DTSTART")
    parsed = [
        moment.astimezone(UTC)
        for moment in rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=start)
    ]
    assert parsed == occurrences(event.start_utc, BERLIN, event.rrule, *window)


def test_output_is_rfc5545_lines() -> None:
    data = build_calendar([TALK, SEMINAR, AMA])
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75  # folded at 75 octets
    assert any(line.startswith(b" ") for line in lines)  # the long description was folded
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-byte character


def test_output_is_stable() -> None:
    assert build_calendar([TALK, SEMINAR, AMA]) == build_calendar([TALK, SEMINAR, AMA])
    first = parse([TALK, SEMINAR, AMA])[1]
    assert sorted(first) == [
        "event-7@123456789012345678.aiclub",
        "event-8@123456789012345678.aiclub",
        "event-9@123456789012345678.aiclub",
    ]


def test_an_edit_changes_sequence_and_stamp_but_not_uid() -> None:
    edited = replace(TALK, sequence=1, updated_at=STAMP + timedelta(hours=1), title="New")
    vevent = parse([edited])[1][event_uid(7, TALK.guild_id)]
    assert vevent.decoded("SEQUENCE") == 1
    assert vevent.decoded("DTSTAMP") == STAMP + timedelta(hours=1)
    assert str(vevent["SUMMARY"]) == "New"


def test_one_display_alarm_per_reminder_offset() -> None:
    with_alarms = replace(TALK, alarms=(timedelta(days=1), timedelta(minutes=15)))
    _, vevents = parse([with_alarms])
    alarms = vevents[event_uid(7, TALK.guild_id)].walk("VALARM")
    assert [alarm.decoded("TRIGGER") for alarm in alarms] == [
        -timedelta(days=1),
        -timedelta(minutes=15),
    ]
    assert {str(alarm["ACTION"]) for alarm in alarms} == {"DISPLAY"}
    assert {str(alarm["DESCRIPTION"]) for alarm in alarms} == {TALK.title}
    _, plain = parse([TALK])
    assert plain[event_uid(7, TALK.guild_id)].walk("VALARM") == []
