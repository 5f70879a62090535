"""Tests for bot.events.timeparse: start times (zh/en/ISO), durations, DST, refusals."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.events.timeparse import (
    MAX_AHEAD,
    TimeParseError,
    parse_duration,
    parse_start,
    parse_time_of_day,
    read_start,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)  # a Sunday


def local(text: str, tz: ZoneInfo = SHANGHAI, now: datetime = NOW) -> datetime:
    """Parse and return the naive guild-local wall time, for readable expectations."""
    start = parse_start(text, tz, now)
    assert start.tzinfo is UTC
    return start.astimezone(tz).replace(tzinfo=None)


def code_of(text: str, tz: ZoneInfo = SHANGHAI, now: datetime = NOW) -> str:
    with pytest.raises(TimeParseError) as caught:
        parse_start(text, tz, now)
    return caught.value.code


def wall(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute)


# --------------------------------------------------------------------------- English


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next friday 8pm", wall(2026, 12, 4, 20, 0)),
        ("friday 8pm", wall(2026, 12, 4, 20, 0)),
        ("Friday 8 PM", wall(2026, 12, 4, 20, 0)),
        ("on friday at 8 p.m.", wall(2026, 12, 4, 20, 0)),
        ("fri 8:30pm", wall(2026, 12, 4, 20, 30)),
        ("friday 20:00", wall(2026, 12, 4, 20, 0)),
        ("friday 8:30", wall(2026, 12, 4, 8, 30)),  # H:MM is the 24-hour clock
        ("friday 3", wall(2026, 12, 4, 15, 0)),  # 03:00 is not a plausible start
        ("friday 12", wall(2026, 12, 4, 12, 0)),
        ("friday 20", wall(2026, 12, 4, 20, 0)),
        ("tomorrow 14:30", wall(2026, 11, 30, 14, 30)),
        ("tomorrow at 2:30pm", wall(2026, 11, 30, 14, 30)),
        ("tomorrow 12am", wall(2026, 11, 30, 0, 0)),
        ("tomorrow noon", wall(2026, 11, 30, 12, 0)),
        ("today 8 o'clock", wall(2026, 11, 29, 20, 0)),  # 08:00 already passed
        ("the day after tomorrow 9am", wall(2026, 12, 1, 9, 0)),
        ("tonight 8", wall(2026, 11, 29, 20, 0)),
        ("tonight at 8:30", wall(2026, 11, 29, 20, 30)),
        ("tonight 1", wall(2026, 11, 30, 1, 0)),
        ("tomorrow night 8", wall(2026, 11, 30, 20, 0)),
        ("tomorrow evening 7", wall(2026, 11, 30, 19, 0)),
        ("tomorrow morning 9", wall(2026, 11, 30, 9, 0)),
        ("tomorrow afternoon 3", wall(2026, 11, 30, 15, 0)),
        ("this morning 11", wall(2026, 11, 29, 11, 0)),
        ("dec 5 2pm", wall(2026, 12, 5, 14, 0)),
        ("5 dec 14:00", wall(2026, 12, 5, 14, 0)),
        ("December 5th at 2:30pm", wall(2026, 12, 5, 14, 30)),
        ("25/12 8pm", wall(2026, 12, 25, 20, 0)),
        ("12/25 8pm", wall(2026, 12, 25, 20, 0)),
        ("05/05 8pm", wall(2027, 5, 5, 20, 0)),  # same either way round
        ("jan 3 10am", wall(2027, 1, 3, 10, 0)),  # a date already past this year: next year
    ],
)
def test_english_forms(text: str, expected: datetime) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8pm", wall(2026, 11, 29, 20, 0)),
        ("3 pm", wall(2026, 11, 29, 15, 0)),
        ("14:30", wall(2026, 11, 29, 14, 30)),
        ("at 9:00", wall(2026, 11, 30, 9, 0)),  # passed today: tomorrow
        ("9am", wall(2026, 11, 30, 9, 0)),
        ("noon", wall(2026, 11, 29, 12, 0)),
    ],
)
def test_time_without_date_is_the_next_such_time(text: str, expected: datetime) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 3 hours", wall(2026, 11, 29, 13, 0)),
        ("in 90 minutes", wall(2026, 11, 29, 11, 30)),
        ("in 1.5 hours", wall(2026, 11, 29, 11, 30)),
        ("in 1h30m", wall(2026, 11, 29, 11, 30)),
        ("in an hour", wall(2026, 11, 29, 11, 0)),
        ("half an hour from now", wall(2026, 11, 29, 10, 30)),
        ("2 hours later", wall(2026, 11, 29, 12, 0)),
        ("in 2 days", wall(2026, 12, 1, 10, 0)),
        ("in 2 days at 8pm", wall(2026, 12, 1, 20, 0)),
        ("in 365 days", wall(2027, 11, 29, 10, 0)),
    ],
)
def test_relative_forms(text: str, expected: datetime) -> None:
    assert local(text) == expected


def test_relative_result_is_floored_to_the_minute() -> None:
    now = datetime(2026, 11, 29, 10, 0, 42, 123456, tzinfo=SHANGHAI)
    assert local("in 3 hours", now=now) == wall(2026, 11, 29, 13, 0)


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("friday 8pm CET", datetime(2026, 12, 4, 19, 0, tzinfo=UTC)),
        ("friday 8pm UTC", datetime(2026, 12, 4, 20, 0, tzinfo=UTC)),
        ("tomorrow 14:30 +01:00", datetime(2026, 11, 30, 13, 30, tzinfo=UTC)),
    ],
)
def test_explicit_zone_in_text_wins(text: str, expected_utc: datetime) -> None:
    assert parse_start(text, SHANGHAI, NOW) == expected_utc


# --------------------------------------------------------------------------- ISO


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2026-12-05 14:00", datetime(2026, 12, 5, 6, 0, tzinfo=UTC)),
        ("2026-12-05T14:00", datetime(2026, 12, 5, 6, 0, tzinfo=UTC)),
        ("2026-12-05 14:00:30", datetime(2026, 12, 5, 6, 0, 30, tzinfo=UTC)),
        ("2026/12/05 14:00", datetime(2026, 12, 5, 6, 0, tzinfo=UTC)),
        ("2026-12-5 9:05", datetime(2026, 12, 5, 1, 5, tzinfo=UTC)),
        ("2026-12-05T14:00+01:00", datetime(2026, 12, 5, 13, 0, tzinfo=UTC)),
        ("2026-12-05T14:00-05:30", datetime(2026, 12, 5, 19, 30, tzinfo=UTC)),
        ("2026-12-05T14:00+0100", datetime(2026, 12, 5, 13, 0, tzinfo=UTC)),
        ("2026-12-05T14:00Z", datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),
        ("2026-12-05 14:00 UTC", datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),
        ("２０２６－１２－０５　１４：００", datetime(2026, 12, 5, 6, 0, tzinfo=UTC)),
    ],
)
def test_iso_forms(text: str, expected_utc: datetime) -> None:
    assert parse_start(text, SHANGHAI, NOW) == expected_utc


# --------------------------------------------------------------------------- Chinese


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天晚上8点", wall(2026, 11, 30, 20, 0)),
        ("下周五晚上8点", wall(2026, 12, 4, 20, 0)),
        ("12月5日 14:00", wall(2026, 12, 5, 14, 0)),
        ("今天下午3点", wall(2026, 11, 29, 15, 0)),
        ("今晚8点", wall(2026, 11, 29, 20, 0)),
        ("今晚1点", wall(2026, 11, 30, 1, 0)),
        ("明晚7点半", wall(2026, 11, 30, 19, 30)),
        ("后天上午10点", wall(2026, 12, 1, 10, 0)),
        ("大后天14:00", wall(2026, 12, 2, 14, 0)),
        ("周五晚上8点", wall(2026, 12, 4, 20, 0)),
        ("星期六下午3点半", wall(2026, 12, 5, 15, 30)),
        ("礼拜天上午10点", wall(2026, 12, 6, 10, 0)),
        ("周日晚上8点", wall(2026, 11, 29, 20, 0)),  # today is Sunday, 20:00 still ahead
        ("周日上午9点", wall(2026, 12, 6, 9, 0)),  # passed today: next Sunday
        ("周6下午3点", wall(2026, 12, 5, 15, 0)),
        ("本周日晚上8点", wall(2026, 11, 29, 20, 0)),
        ("这个星期天晚上9点", wall(2026, 11, 29, 21, 0)),
        ("下周一上午9点", wall(2026, 11, 30, 9, 0)),
        ("下个星期五晚上8点", wall(2026, 12, 4, 20, 0)),
        ("下礼拜三晚上7点", wall(2026, 12, 2, 19, 0)),
        ("明天3点", wall(2026, 11, 30, 15, 0)),  # 03:00 is not a plausible start
        ("明天14点", wall(2026, 11, 30, 14, 0)),
        ("明天20点半", wall(2026, 11, 30, 20, 30)),
        ("晚上8点", wall(2026, 11, 29, 20, 0)),
        ("早上9点", wall(2026, 11, 30, 9, 0)),  # passed today: tomorrow
        ("中午12点", wall(2026, 11, 29, 12, 0)),
        ("中午1点", wall(2026, 11, 29, 13, 0)),
        ("明天中午", wall(2026, 11, 30, 12, 0)),
        ("凌晨2点", wall(2026, 11, 30, 2, 0)),
        ("傍晚6点", wall(2026, 11, 29, 18, 0)),
        ("晚上12点", wall(2026, 11, 30, 0, 0)),
        ("十二月五日晚上八点", wall(2026, 12, 5, 20, 0)),
        ("12月5号下午2点", wall(2026, 12, 5, 14, 0)),
        ("1月3日上午10点", wall(2027, 1, 3, 10, 0)),  # past this year: next year
        ("2026年12月5日14:00", wall(2026, 12, 5, 14, 0)),
        ("2027年1月3日上午十点半", wall(2027, 1, 3, 10, 30)),
        ("二〇二七年一月三日上午十点", wall(2027, 1, 3, 10, 0)),
        ("明天晚上八点十五分", wall(2026, 11, 30, 20, 15)),
        ("明天晚上8点05分", wall(2026, 11, 30, 20, 5)),
        ("明天晚上8点5", wall(2026, 11, 30, 20, 5)),
        ("两点", wall(2026, 11, 29, 14, 0)),
        ("下午两点", wall(2026, 11, 29, 14, 0)),
        ("明天的晚上8点", wall(2026, 11, 30, 20, 0)),
        ("明天 晚上 8 点", wall(2026, 11, 30, 20, 0)),
        ("在明天晚上8点开始", wall(2026, 11, 30, 20, 0)),
        ("2026-12-05 晚上8点", wall(2026, 12, 5, 20, 0)),
        ("１２月５日　１４：００", wall(2026, 12, 5, 14, 0)),  # full-width
        ("明天晚上８：３０", wall(2026, 11, 30, 20, 30)),
        ("下週五晚上8點", wall(2026, 12, 4, 20, 0)),  # traditional characters
        ("禮拜六下午3點", wall(2026, 12, 5, 15, 0)),
    ],
)
def test_chinese_forms(text: str, expected: datetime) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3小时后", wall(2026, 11, 29, 13, 0)),
        ("半小时后", wall(2026, 11, 29, 10, 30)),
        ("一个半小时以后", wall(2026, 11, 29, 11, 30)),
        ("90分钟之后", wall(2026, 11, 29, 11, 30)),
        ("两天后", wall(2026, 12, 1, 10, 0)),
    ],
)
def test_chinese_relative_forms(text: str, expected: datetime) -> None:
    assert local(text) == expected


def test_chinese_week_words_follow_the_calendar_week() -> None:
    thursday = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)
    assert local("周五晚上8点", now=thursday) == wall(2026, 12, 4, 20, 0)
    assert local("这周五晚上8点", now=thursday) == wall(2026, 12, 4, 20, 0)
    assert local("下周五晚上8点", now=thursday) == wall(2026, 12, 11, 20, 0)
    assert code_of("这周一晚上8点", now=thursday) == "in_past"


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "text",
    [
        "asdf",
        "",
        "   ",
        "x" * 150,
        "friday 8 9",
        "friday 8pm 9pm",
        "25:00",
        "tomorrow 13pm",
        "tomorrow 8:75",
        "2026-02-30 10:00",
        "2026-12-05T14:00+25:00",
        "13月5日10点",
        "2月30日10点",
        "上午14点",
        "明天晚上8点 blah",
        "3/4/0000 8pm",
    ],
)
def test_unparseable(text: str) -> None:
    assert code_of(text) == "unparseable"


@pytest.mark.parametrize(
    "text",
    [
        "friday 8",
        "friday at 7",
        "dec 5, 2026 8",
        "tomorrow at 8",
        "tomorrow 11 o'clock",
        "8",
        "明天8点",
        "周五8点半",
        "8点",
        "friday midnight",
    ],
)
def test_ambiguous(text: str) -> None:
    assert code_of(text) == "ambiguous"


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("3/4 8pm", (date(2027, 3, 4), date(2027, 4, 3))),
        ("03/04", (date(2027, 3, 4), date(2027, 4, 3))),
        ("03/04 14:00", (date(2027, 3, 4), date(2027, 4, 3))),
        ("3/4/2027 8pm", (date(2027, 3, 4), date(2027, 4, 3))),
        ("12/1/27 8pm", (date(2027, 1, 12), date(2027, 12, 1))),
        ("04.03. 8pm", (date(2027, 3, 4), date(2027, 4, 3))),
        ("12/11 8pm", (date(2026, 12, 11), date(2027, 11, 12))),  # each its next occurrence
    ],
)
def test_a_numeric_date_read_both_ways_lists_both_dates(
    text: str, dates: tuple[date, date]
) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_start(text, SHANGHAI, NOW)
    assert caught.value.code == "ambiguous_date" and caught.value.dates == dates
    noon = [datetime.combine(day, time(12), SHANGHAI).astimezone(UTC) for day in dates]
    assert list(caught.value.readings) == noon


@pytest.mark.parametrize("text", ["next week 8pm", "next month 8pm", "this year 19:00"])
def test_a_week_month_or_year_without_a_day_is_refused(text: str) -> None:
    assert code_of(text) == "no_day"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 2 weeks 7pm", wall(2026, 12, 13, 19, 0)),
        ("in 3 months at 8pm", wall(2027, 2, 28, 20, 0)),
        ("in a week 19:00", wall(2026, 12, 6, 19, 0)),
        ("2 weeks from now 8pm", wall(2026, 12, 13, 20, 0)),
    ],
)
def test_relative_dates_with_a_time_of_day(text: str, expected: datetime) -> None:
    assert local(text) == expected


def test_in_2_years_is_read_then_refused_as_too_far_with_the_reading() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_start("in 2 years 19:00", SHANGHAI, NOW)
    assert caught.value.code == "too_far"
    assert caught.value.readings == (datetime(2028, 11, 29, 19, 0, tzinfo=SHANGHAI),)


# --------------------------------------------------------------------------- next <weekday>
TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "start", "alternatives"),
    [
        # Sunday: next week's Friday is also the coming one
        (NOW, wall(2026, 12, 4, 20, 0), ()),
        # Tuesday: next week's Friday (the 11th); the coming one (the 4th) is the alternative
        (TUESDAY, wall(2026, 12, 11, 20, 0), (wall(2026, 12, 4, 20, 0),)),
        # Friday morning: next week's Friday; tonight is the alternative
        (
            datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI),
            wall(2026, 12, 11, 20, 0),
            (wall(2026, 12, 4, 20, 0),),
        ),
        # Friday night, 8 pm has passed: the coming Friday is next week's too
        (datetime(2026, 12, 4, 21, 0, tzinfo=SHANGHAI), wall(2026, 12, 11, 20, 0), ()),
    ],
)
@pytest.mark.parametrize(
    "text", ["next friday 8pm", "next fri at 8 pm", "下周五晚上8点", "下个星期五晚上8点"]
)
def test_next_friday_means_friday_of_next_week_in_both_languages(
    text: str, now: datetime, start: datetime, alternatives: tuple[datetime, ...]
) -> None:
    reading = read_start(text, SHANGHAI, now)
    assert reading.start.astimezone(SHANGHAI).replace(tzinfo=None) == start
    assert (
        tuple(other.astimezone(SHANGHAI).replace(tzinfo=None) for other in reading.alternatives)
        == alternatives
    )
    assert parse_start(text, SHANGHAI, now) == reading.start


def test_next_sunday_on_a_tuesday_is_the_sunday_of_next_week() -> None:
    reading = read_start("next sunday 10am", SHANGHAI, TUESDAY)
    assert reading.start == datetime(2026, 12, 13, 10, 0, tzinfo=SHANGHAI)
    assert reading.alternatives == (datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI),)
    assert read_start("下周日上午10点", SHANGHAI, TUESDAY) == reading


def test_other_starts_have_no_alternatives() -> None:
    for text in ("friday 8pm", "周五晚上8点", "这周五晚上8点", "2026-12-05 14:00", "in 3 hours"):
        assert read_start(text, SHANGHAI, TUESDAY).alternatives == (), text


# --------------------------------------------------------------------------- time of day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9am", time(9, 0)),
        ("9 AM", time(9, 0)),
        ("9:30 pm", time(21, 30)),
        ("9.30pm", time(21, 30)),
        ("21:00", time(21, 0)),
        ("9:00", time(9, 0)),
        ("09:00", time(9, 0)),
        ("21.30", time(21, 30)),
        ("２１：３０", time(21, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("noon", time(12, 0)),
        ("0:00", time(0, 0)),
        ("21", time(21, 0)),
        ("晚上9点", time(21, 0)),
        ("上午9点半", time(9, 30)),
        ("21点", time(21, 0)),
        ("晚上12点", time(0, 0)),
        ("早上8:30", time(8, 30)),
    ],
)
def test_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("9", "ambiguous"),
        ("9点", "ambiguous"),
        ("25:00", "unparseable"),
        ("13pm", "unparseable"),
        ("9:75", "unparseable"),
        ("tomorrow 9am", "unparseable"),
        ("明天9点", "unparseable"),
        ("9am 10am", "unparseable"),
        ("", "unparseable"),
        ("nine", "unparseable"),
        ("x" * 200, "unparseable"),
    ],
)
def test_time_of_day_refusals(text: str, code: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_time_of_day(text)
    assert caught.value.code == code


def test_ambiguous_hour_offers_both_readings() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_start("friday 8", SHANGHAI, NOW)
    assert caught.value.readings == (
        datetime(2026, 12, 4, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
    )


def test_bare_hour_with_one_reading_left_is_taken() -> None:
    evening = datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI)
    assert local("today 8", now=evening) == wall(2026, 11, 29, 20, 0)
    assert local("今天8点", now=evening) == wall(2026, 11, 29, 20, 0)


@pytest.mark.parametrize(
    "text",
    [
        "friday",
        "dec 5",
        "2026-12-05",
        "tomorrow",
        "tonight",
        "tomorrow evening",
        "next month",
        "明天",
        "下周五",
        "12月5日",
        "明天晚上",
    ],
)
def test_missing_time(text: str) -> None:
    assert code_of(text) == "missing_time"


@pytest.mark.parametrize(
    "text",
    [
        "yesterday 8pm",
        "last friday 8pm",
        "today 8am",
        "2025-12-05 14:00",
        "2026-11-29 10:00",  # exactly now
        "now",
        "in 0 minutes",
        "这周五晚上8点",
        "今天早上8点",
        "2026年11月1日10点",
    ],
)
def test_in_past(text: str) -> None:
    assert code_of(text) == "in_past"


def test_in_past_reports_the_reading() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_start("yesterday 8pm", SHANGHAI, NOW)
    assert caught.value.readings == (datetime(2026, 11, 28, 12, 0, tzinfo=UTC),)


@pytest.mark.parametrize(
    "text", ["2027-12-05 14:00", "2027-11-29 10:01", "in 400 days", "2027年12月1日上午10点"]
)
def test_too_far(text: str) -> None:
    assert code_of(text) == "too_far"


def test_exactly_a_year_ahead_is_allowed() -> None:
    assert parse_start("2027-11-29 10:00", SHANGHAI, NOW) - NOW == MAX_AHEAD


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_start("tomorrow 8pm", SHANGHAI, datetime(2026, 11, 29, 10))


def test_now_in_any_zone_means_the_same_instant() -> None:
    for text in ("tomorrow 8pm", "8pm", "明天晚上8点", "in 3 hours"):
        assert parse_start(text, SHANGHAI, NOW.astimezone(UTC)) == parse_start(text, SHANGHAI, NOW)


def test_timezone_decides_the_local_date() -> None:
    late = datetime(2026, 11, 29, 23, 30, tzinfo=NEW_YORK)  # already Nov 30 in UTC
    assert local("tomorrow 8pm", NEW_YORK, late) == wall(2026, 11, 30, 20, 0)
    assert local("明天晚上8点", NEW_YORK, late) == wall(2026, 11, 30, 20, 0)


# --------------------------------------------------------------------------- DST

BERLIN_AUTUMN = datetime(2026, 10, 1, 10, 0, tzinfo=BERLIN)
NY_AUTUMN = datetime(2026, 10, 20, 12, 0, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("text", "tz", "now"),
    [
        ("2027-03-28 02:30", BERLIN, NOW),
        ("2027-03-28 2:00", BERLIN, NOW),
        ("明天凌晨2点半", BERLIN, datetime(2027, 3, 27, 12, 0, tzinfo=BERLIN)),
        ("sunday 2:30am", BERLIN, datetime(2027, 3, 25, 12, 0, tzinfo=BERLIN)),
        ("2027-03-14 02:30", NEW_YORK, NOW),
        ("3月14日凌晨2点15分", NEW_YORK, NOW),
        ("sunday 2:30am", NEW_YORK, datetime(2027, 3, 10, 12, 0, tzinfo=NEW_YORK)),
    ],
)
def test_spring_forward_gap_is_nonexistent(text: str, tz: ZoneInfo, now: datetime) -> None:
    assert code_of(text, tz, now) == "nonexistent_time"


@pytest.mark.parametrize(
    ("text", "tz", "now", "expected_utc"),
    [
        ("2027-03-28 01:59", BERLIN, NOW, datetime(2027, 3, 28, 0, 59, tzinfo=UTC)),
        ("2027-03-28 03:00", BERLIN, NOW, datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
        ("2027-03-14 03:30", NEW_YORK, NOW, datetime(2027, 3, 14, 7, 30, tzinfo=UTC)),
        # fall back: the repeated hour means its first occurrence (daylight time)
        ("2026-10-25 02:30", BERLIN, BERLIN_AUTUMN, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("10月25日凌晨2点半", BERLIN, BERLIN_AUTUMN, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("2026-10-25 03:30", BERLIN, BERLIN_AUTUMN, datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
        ("2026-11-01 01:30", NEW_YORK, NY_AUTUMN, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        ("nov 1 1:30am", NEW_YORK, NY_AUTUMN, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        ("2026-11-01 02:30", NEW_YORK, NY_AUTUMN, datetime(2026, 11, 1, 7, 30, tzinfo=UTC)),
    ],
)
def test_dst_edges(text: str, tz: ZoneInfo, now: datetime, expected_utc: datetime) -> None:
    assert parse_start(text, tz, now) == expected_utc


def test_local_times_keep_their_wall_clock_across_dst() -> None:
    before_spring = datetime(2027, 3, 27, 12, 0, tzinfo=BERLIN)
    assert parse_start("tomorrow 19:00", BERLIN, before_spring) == datetime(
        2027, 3, 28, 17, 0, tzinfo=UTC
    )
    assert parse_start("明天晚上7点", BERLIN, before_spring) == datetime(
        2027, 3, 28, 17, 0, tzinfo=UTC
    )
    before_fall = datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK)
    assert parse_start("tomorrow 7pm", NEW_YORK, before_fall) == datetime(
        2026, 11, 2, 0, 0, tzinfo=UTC
    )


def test_relative_offsets_are_elapsed_time_across_dst() -> None:
    berlin = datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN)  # 00:30 UTC, gap at 01:00 UTC
    assert parse_start("in 1 hour", BERLIN, berlin) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    new_york = datetime(2026, 10, 31, 23, 30, tzinfo=NEW_YORK)  # 03:30 UTC
    assert parse_start("in 3 hours", NEW_YORK, new_york) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert parse_start("3小时后", NEW_YORK, new_york) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


# --------------------------------------------------------------------------- properties

ZONES = st.sampled_from([SHANGHAI, BERLIN, NEW_YORK, ZoneInfo("UTC")])
AHEAD = st.integers(min_value=1, max_value=365 * 24 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=200, deadline=None)
@given(tz=ZONES, ahead=AHEAD)
def test_any_local_iso_time_in_the_next_year_round_trips(tz: ZoneInfo, ahead: timedelta) -> None:
    moment = (NOW + ahead).astimezone(tz)
    expected = moment.replace(fold=0).astimezone(UTC)  # a repeated hour means the first one
    assert parse_start(f"{moment:%Y-%m-%d %H:%M}", tz, NOW) == expected


@settings(max_examples=200, deadline=None)
@given(tz=ZONES, ahead=AHEAD)
def test_any_iso_time_with_offset_round_trips(tz: ZoneInfo, ahead: timedelta) -> None:
    moment = (NOW + ahead).astimezone(tz)
    assert parse_start(moment.isoformat(timespec="minutes"), tz, NOW) == moment


@settings(max_examples=100, deadline=None)
@given(
    ahead=st.integers(min_value=1, max_value=360),
    hour=st.integers(13, 23),
    minute=st.integers(0, 59),
)
def test_any_chinese_date_round_trips(ahead: int, hour: int, minute: int) -> None:
    day = (NOW + timedelta(days=ahead)).date()
    text = f"{day.year}年{day.month}月{day.day}日{hour}点{minute}分"
    assert local(text) == datetime(day.year, day.month, day.day, hour, minute)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("0123456789 :/-.apmdhfrityo明天晚上点周五下午月日号半后")),
        max_size=20,
    )
)
def test_arbitrary_text_parses_or_is_refused(text: str) -> None:
    try:
        start = parse_start(text, SHANGHAI, NOW)
    except TimeParseError:
        return
    assert NOW < start <= NOW + MAX_AHEAD


def test_dateparser_is_not_imported_with_the_module() -> None:
    code = "import sys, bot.events.timeparse; print('dateparser' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        ("2 hours", timedelta(hours=2)),
        ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
        ("1 hr 15 mins", timedelta(hours=1, minutes=15)),
        ("an hour", timedelta(hours=1)),
        ("half an hour", timedelta(minutes=30)),
        ("2 days", timedelta(days=2)),
        ("1d 2h", timedelta(days=1, hours=2)),
        ("7 days", timedelta(days=7)),
        ("1小时", timedelta(hours=1)),
        ("90分钟", timedelta(minutes=90)),
        ("1小时30分", timedelta(hours=1, minutes=30)),
        ("1个半小时", timedelta(hours=1, minutes=30)),
        ("一个半小时", timedelta(hours=1, minutes=30)),
        ("半小时", timedelta(minutes=30)),
        ("两个小时", timedelta(hours=2)),
        ("两个钟头", timedelta(hours=2)),
        ("1.5小时", timedelta(hours=1, minutes=30)),
        ("2天", timedelta(days=2)),
        ("１小时３０分钟", timedelta(hours=1, minutes=30)),
        ("1小時", timedelta(hours=1)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "bad_duration"),
        ("90", "bad_duration"),
        ("h", "bad_duration"),
        ("1h1h", "bad_duration"),
        ("2 months", "bad_duration"),
        ("1.5.h", "bad_duration"),
        ("soon", "bad_duration"),
        ("1h" + " 1m" * 60, "bad_duration"),
        ("0m", "duration_not_positive"),
        ("0小时", "duration_not_positive"),
        ("-1h", "duration_not_positive"),
        ("8d", "duration_too_long"),
        ("7d1m", "duration_too_long"),
        ("169h", "duration_too_long"),
        ("99999999999999999999d", "duration_too_long"),
    ],
)
def test_duration_errors(text: str, code: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_duration(text)
    assert caught.value.code == code


@settings(max_examples=200, deadline=None)
@given(hours=st.integers(0, 168), minutes=st.integers(0, 59))
def test_durations_round_trip(hours: int, minutes: int) -> None:
    expected = timedelta(hours=hours, minutes=minutes)
    for text in (
        f"{hours}h{minutes}m",
        f"{hours}小时{minutes}分钟",
        f"{hours} hours {minutes} min",
    ):
        if timedelta(0) < expected <= timedelta(days=7):
            assert parse_duration(text) == expected
        else:
            with pytest.raises(TimeParseError):
                parse_duration(text)
