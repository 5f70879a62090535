"""When the daily post is due in local time (pure): DST gaps and repeated hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.questions.schedule import due_date, post_instant

NEW_YORK = ZoneInfo("America/New_York")
GAP_DAY = date(2027, 3, 14)  # 02:00 EST → 03:00 EDT
AFTER_GAP = datetime(2027, 3, 14, 7, 0, tzinfo=UTC)  # 03:00 EDT


@pytest.mark.parametrize("at", [time(2, 0), time(2, 1), time(2, 30), time(2, 59)])
def test_a_time_inside_the_gap_is_the_first_instant_after_it(at: time) -> None:
    instant = post_instant(GAP_DAY, at, NEW_YORK)
    assert instant == AFTER_GAP
    assert (instant.astimezone(NEW_YORK).hour, instant.astimezone(NEW_YORK).minute) == (3, 0)


def test_times_around_the_gap_are_unchanged() -> None:
    assert post_instant(GAP_DAY, time(1, 59), NEW_YORK) == AFTER_GAP - timedelta(minutes=1)
    assert post_instant(GAP_DAY, time(3, 0), NEW_YORK) == AFTER_GAP
    assert post_instant(GAP_DAY, time(3, 30), NEW_YORK) == AFTER_GAP + timedelta(minutes=30)


def test_a_repeated_time_is_its_first_occurrence() -> None:
    instant = post_instant(date(2026, 11, 1), time(1, 30), NEW_YORK)  # 01:00-02:00 twice
    assert instant.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # EDT


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        ("Europe/Berlin", date(2027, 3, 28), time(2, 30), datetime(2027, 3, 28, 1, tzinfo=UTC)),
        (
            "Australia/Lord_Howe",  # a 30-minute gap: 02:00 → 02:30
            date(2026, 10, 4),
            time(2, 10),
            datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
        ),
        (
            "Pacific/Apia",  # 2011-12-30 was skipped whole
            date(2011, 12, 30),
            time(9, 0),
            datetime(2011, 12, 30, 10, 0, tzinfo=UTC),  # 2011-12-31 00:00 local
        ),
    ],
)
def test_any_gap_length(zone: str, day: date, at: time, expected_utc: datetime) -> None:
    assert post_instant(day, at, ZoneInfo(zone)) == expected_utc


def test_due_only_from_the_end_of_the_gap() -> None:
    at = time(2, 30)
    assert due_date(AFTER_GAP - timedelta(seconds=1), at, NEW_YORK) is None
    assert due_date(AFTER_GAP - timedelta(minutes=30), at, NEW_YORK) is None  # 01:30 EST
    assert due_date(AFTER_GAP, at, NEW_YORK) == GAP_DAY
    assert due_date(AFTER_GAP + timedelta(hours=5, minutes=59), at, NEW_YORK) == GAP_DAY
