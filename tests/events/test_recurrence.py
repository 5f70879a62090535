"""Tests for bot.events.recurrence: Repeat <-> RRULE, expansion in local time across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.events.recurrence import (
    RecurrenceError,
    Repeat,
    is_bounded,
    next_occurrence,
    occurrences,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A local wall time as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


def walls(moments: list[datetime], tz: ZoneInfo) -> list[str]:
    return [f"{moment.astimezone(tz):%Y-%m-%d %H:%M %Z}" for moment in moments]


# --------------------------------------------------------------------------- Repeat


@pytest.mark.parametrize(
    ("repeat", "rule"),
    [
        (Repeat.NONE, None),
        (Repeat.WEEKLY, "FREQ=WEEKLY"),
        (Repeat.BIWEEKLY, "FREQ=WEEKLY;INTERVAL=2"),
        (Repeat.MONTHLY, "FREQ=MONTHLY"),
    ],
)
def test_repeat_round_trips_through_rrule(repeat: Repeat, rule: str | None) -> None:
    assert repeat.to_rrule() == rule
    assert Repeat.from_rrule(rule) is repeat


def test_until_is_written_in_utc_and_count_as_given() -> None:
    until = datetime(2027, 6, 1, 0, 0, tzinfo=BERLIN)
    assert Repeat.WEEKLY.to_rrule(until=until) == "FREQ=WEEKLY;UNTIL=20270531T220000Z"
    assert Repeat.BIWEEKLY.to_rrule(count=5) == "FREQ=WEEKLY;INTERVAL=2;COUNT=5"
    assert Repeat.from_rrule("FREQ=WEEKLY;UNTIL=20270531T220000Z") is Repeat.WEEKLY
    assert Repeat.from_rrule("FREQ=MONTHLY;COUNT=3") is Repeat.MONTHLY


@pytest.mark.parametrize(
    "rule",
    ["RRULE:FREQ=WEEKLY", "freq=weekly;interval=2", "FREQ=WEEKLY;INTERVAL=1", " FREQ=MONTHLY "],
)
def test_from_rrule_accepts_equivalent_spellings(rule: str) -> None:
    assert Repeat.from_rrule(rule) in (Repeat.WEEKLY, Repeat.BIWEEKLY, Repeat.MONTHLY)


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "garbage",
        "FREQ=DAILY",
        "FREQ=WEEKLY;INTERVAL=3",
        "FREQ=MONTHLY;INTERVAL=2",
        "FREQ=WEEKLY;BYDAY=MO",
        "FREQ=WEEKLY;FREQ=WEEKLY",
        "FREQ=WEEKLY;UNTIL=20270101",
        "FREQ=WEEKLY;UNTIL=20270101T000000",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;COUNT=x",
        "FREQ=WEEKLY;COUNT=2;UNTIL=20270101T000000Z",
        "INTERVAL=2",
    ],
)
def test_from_rrule_rejects_unsupported_rules(rule: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        Repeat.from_rrule(rule)
    assert caught.value.code == "bad_rrule"


def test_to_rrule_rejects_bad_bounds() -> None:
    until = datetime(2027, 6, 1, tzinfo=UTC)
    with pytest.raises(RecurrenceError):
        Repeat.WEEKLY.to_rrule(until=until, count=3)
    with pytest.raises(RecurrenceError):
        Repeat.WEEKLY.to_rrule(count=0)
    with pytest.raises(RecurrenceError):
        Repeat.NONE.to_rrule(count=3)
    with pytest.raises(ValueError, match="aware"):
        Repeat.WEEKLY.to_rrule(until=datetime(2027, 6, 1))


@pytest.mark.parametrize(
    ("rule", "bounded"),
    [
        (None, True),
        ("FREQ=WEEKLY", False),
        ("FREQ=MONTHLY", False),
        ("FREQ=WEEKLY;COUNT=4", True),
        ("FREQ=WEEKLY;INTERVAL=2;UNTIL=20270101T000000Z", True),
    ],
)
def test_is_bounded(rule: str | None, bounded: bool) -> None:
    assert is_bounded(rule) is bounded


# --------------------------------------------------------------------------- DST


def test_weekly_berlin_keeps_local_time_across_spring_forward() -> None:
    start = at(BERLIN, 2027, 3, 13, 19, 0)
    found = occurrences(start, BERLIN, "FREQ=WEEKLY", utc(2027, 3, 1), utc(2027, 4, 11))
    assert found == [utc(2027, 3, 13, 18), utc(2027, 3, 20, 18), utc(2027, 3, 27, 18),
                     utc(2027, 4, 3, 17), utc(2027, 4, 10, 17)]  # fmt: skip
    assert {moment.astimezone(BERLIN).hour for moment in found} == {19}


def test_weekly_berlin_keeps_local_time_across_fall_back() -> None:
    start = at(BERLIN, 2026, 10, 17, 19, 0)
    found = occurrences(start, BERLIN, "FREQ=WEEKLY", utc(2026, 10, 1), utc(2026, 11, 1))
    assert found == [utc(2026, 10, 17, 17), utc(2026, 10, 24, 17), utc(2026, 10, 31, 18)]


def test_weekly_new_york_across_both_changes() -> None:
    start = at(NEW_YORK, 2026, 10, 25, 19, 0)
    found = occurrences(start, NEW_YORK, "FREQ=WEEKLY", utc(2026, 10, 1), utc(2026, 11, 9))
    assert found == [utc(2026, 10, 25, 23), utc(2026, 11, 2, 0)]
    start = at(NEW_YORK, 2027, 3, 7, 19, 0)
    found = occurrences(start, NEW_YORK, "FREQ=WEEKLY", utc(2027, 3, 1), utc(2027, 3, 15))
    assert found == [utc(2027, 3, 8, 0), utc(2027, 3, 14, 23)]


def test_occurrence_in_spring_forward_gap_uses_the_offset_before_it() -> None:
    # RFC 5545: 02:30 on the night the clocks skip to 03:00 is 03:30 daylight time.
    start = at(BERLIN, 2027, 3, 21, 2, 30)
    found = occurrences(start, BERLIN, "FREQ=WEEKLY;COUNT=3", utc(2027, 1, 1), utc(2028, 1, 1))
    assert walls(found, BERLIN) == [
        "2027-03-21 02:30 CET",
        "2027-03-28 03:30 CEST",
        "2027-04-04 02:30 CEST",
    ]


def test_occurrence_in_repeated_hour_is_the_first_one() -> None:
    start = at(NEW_YORK, 2026, 10, 25, 1, 30)
    found = occurrences(start, NEW_YORK, "FREQ=WEEKLY;COUNT=2", utc(2026, 1, 1), utc(2027, 1, 1))
    assert found == [utc(2026, 10, 25, 5, 30), utc(2026, 11, 1, 5, 30)]  # 01:30 EDT


# --------------------------------------------------------------------------- monthly


def test_monthly_on_the_31st_skips_short_months() -> None:
    start = at(BERLIN, 2027, 1, 31, 19, 0)
    found = occurrences(start, BERLIN, "FREQ=MONTHLY", utc(2027, 1, 1), utc(2028, 1, 1))
    assert [moment.astimezone(BERLIN).month for moment in found] == [1, 3, 5, 7, 8, 10, 12]
    assert {moment.astimezone(BERLIN).day for moment in found} == {31}
    assert {moment.astimezone(BERLIN).hour for moment in found} == {19}


def test_monthly_on_the_29th_and_30th_around_february() -> None:
    on_29 = at(SHANGHAI, 2027, 1, 29, 20, 0)
    found = occurrences(on_29, SHANGHAI, "FREQ=MONTHLY", utc(2027, 1, 1), utc(2028, 4, 1))
    months = [
        (moment.astimezone(SHANGHAI).year, moment.astimezone(SHANGHAI).month) for moment in found
    ]
    assert (2027, 2) not in months and (2028, 2) in months  # 2028 is a leap year
    on_30 = at(SHANGHAI, 2027, 1, 30, 20, 0)
    found = occurrences(on_30, SHANGHAI, "FREQ=MONTHLY", utc(2027, 1, 1), utc(2027, 5, 1))
    assert [moment.astimezone(SHANGHAI).month for moment in found] == [1, 3, 4]


def test_biweekly_is_fourteen_local_days_apart() -> None:
    start = at(BERLIN, 2027, 3, 6, 19, 0)
    found = occurrences(start, BERLIN, "FREQ=WEEKLY;INTERVAL=2", utc(2027, 3, 1), utc(2027, 5, 1))
    assert walls(found, BERLIN) == [
        "2027-03-06 19:00 CET",
        "2027-03-20 19:00 CET",
        "2027-04-03 19:00 CEST",
        "2027-04-17 19:00 CEST",
    ]


# --------------------------------------------------------------------------- bounds, exdates


def test_until_is_inclusive_and_count_counts() -> None:
    start = at(SHANGHAI, 2026, 12, 4, 20, 0)
    rule = Repeat.WEEKLY.to_rrule(until=at(SHANGHAI, 2026, 12, 18, 20, 0))
    found = occurrences(start, SHANGHAI, rule, utc(2026, 1, 1), utc(2028, 1, 1))
    assert len(found) == 3
    found = occurrences(start, SHANGHAI, "FREQ=MONTHLY;COUNT=4", utc(2026, 1, 1), utc(2028, 1, 1))
    assert len(found) == 4


def test_exdates_remove_occurrences_but_count_still_counts_them() -> None:
    start = at(BERLIN, 2027, 3, 13, 19, 0)
    cancelled = datetime(2027, 3, 20, 19, 0, tzinfo=BERLIN)  # any aware form of the start
    found = occurrences(
        start, BERLIN, "FREQ=WEEKLY;COUNT=3", utc(2027, 1, 1), utc(2028, 1, 1), [cancelled]
    )
    assert found == [utc(2027, 3, 13, 18), utc(2027, 3, 27, 18)]


def test_window_is_half_open() -> None:
    start = at(BERLIN, 2027, 3, 13, 19, 0)
    first, second = utc(2027, 3, 13, 18), utc(2027, 3, 20, 18)
    assert occurrences(start, BERLIN, "FREQ=WEEKLY", first, second) == [first]
    assert occurrences(start, BERLIN, "FREQ=WEEKLY", first + timedelta(seconds=1), second) == []


def test_one_off_event() -> None:
    start = utc(2026, 12, 4, 12)
    assert occurrences(start, BERLIN, None, utc(2026, 12, 1), utc(2026, 12, 8)) == [start]
    assert occurrences(start, BERLIN, None, utc(2026, 12, 5), utc(2026, 12, 8)) == []
    assert occurrences(start, BERLIN, None, utc(2026, 12, 1), utc(2026, 12, 8), [start]) == []
    assert next_occurrence(start, BERLIN, None, utc(2026, 12, 1)) == start
    assert next_occurrence(start, BERLIN, None, start) is None


def test_next_occurrence() -> None:
    start = at(BERLIN, 2027, 3, 13, 19, 0)
    rule = "FREQ=WEEKLY;COUNT=3"
    assert next_occurrence(start, BERLIN, rule, utc(2027, 1, 1)) == start
    assert next_occurrence(start, BERLIN, rule, start) == utc(2027, 3, 20, 18)
    assert next_occurrence(start, BERLIN, rule, start, [utc(2027, 3, 20, 18)]) == utc(
        2027, 3, 27, 18
    )  # and the DST change moved nothing locally
    assert next_occurrence(start, BERLIN, rule, utc(2027, 3, 27, 18)) is None
    assert next_occurrence(start, BERLIN, "FREQ=WEEKLY", utc(2030, 1, 1, 0)) == at(
        BERLIN, 2030, 1, 5, 19, 0
    )


def test_expansion_rejects_unsupported_rules() -> None:
    with pytest.raises(RecurrenceError):
        occurrences(utc(2026, 12, 4), BERLIN, "FREQ=SECONDLY", utc(2026, 1, 1), utc(2027, 1, 1))
    with pytest.raises(RecurrenceError):
        next_occurrence(utc(2026, 12, 4), BERLIN, "FREQ=DAILY", utc(2026, 1, 1))


# --------------------------------------------------------------------------- properties

ZONES = st.sampled_from([BERLIN, NEW_YORK, SHANGHAI, ZoneInfo("Australia/Sydney")])


@settings(max_examples=100, deadline=None)
@given(
    tz=ZONES,
    day=st.integers(0, 364),
    hour=st.integers(7, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    repeat=st.sampled_from([Repeat.WEEKLY, Repeat.BIWEEKLY]),
)
def test_weekly_series_keep_weekday_and_wall_time(
    tz: ZoneInfo, day: int, hour: int, minute: int, repeat: Repeat
) -> None:
    local_start = datetime(2026, 11, 29, hour, minute, tzinfo=tz) + timedelta(days=day)
    start = local_start.astimezone(UTC)
    rule = repeat.to_rrule()
    found = occurrences(start, tz, rule, start, start + timedelta(days=400))
    assert found[0] == start
    step = 14 if repeat is Repeat.BIWEEKLY else 7
    for earlier, later in pairwise(found):
        a, b = earlier.astimezone(tz), later.astimezone(tz)
        assert (b.date() - a.date()).days == step
        assert (b.hour, b.minute) == (a.hour, a.minute) == (hour, minute)
    # next_occurrence walks the same series
    walked = [start]
    while len(walked) < len(found):
        following = next_occurrence(start, tz, rule, walked[-1])
        assert following is not None
        walked.append(following)
    assert walked == found
