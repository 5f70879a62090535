"""When the first question goes out, and what /config show flags (pure functions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.errors import UserError
from bot.onboarding import Blocker, Overview, blockers, check_timezone, next_post_at

BLANK = Overview(
    language="en",
    timezone="UTC",
    daily_channel_id=None,
    post_time="09:00",
    topic=None,
    ping_role_id=None,
    expert_role_id=None,
    review_channel_id=None,
    digest_channel_id=None,
    digest_weekday=0,
    digest_time="09:00",
    events_channel_id=None,
    events_timezone=None,
    organiser_role_id=None,
    reminders="24h, 15m",
    alerts_channel_id=None,
    problems={},
)


@pytest.mark.parametrize(
    ("zone", "at", "now", "expected"),
    [
        ("UTC", "09:00", datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 1, 9, 0)),
        ("UTC", "09:00", datetime(2026, 12, 1, 9, 0), datetime(2026, 12, 2, 9, 0)),  # not twice
        ("Asia/Shanghai", "09:00", datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 2, 1, 0)),
        # 02:30 does not exist on 8 March 2026 in New York: the first instant after the gap
        ("America/New_York", "02:30", datetime(2026, 3, 8, 5, 0), datetime(2026, 3, 8, 7, 0)),
    ],
)
def test_next_post_is_the_first_local_post_time_after_now(
    zone: str, at: str, now: datetime, expected: datetime
) -> None:
    when = next_post_at(zone, at, 123, now.replace(tzinfo=UTC))
    assert when is not None and when.astimezone(UTC) == expected.replace(tzinfo=UTC)


def test_without_a_channel_no_post_is_ever_due() -> None:
    assert next_post_at("UTC", "09:00", None, datetime(2026, 12, 1, tzinfo=UTC)) is None


def test_unset_required_channels_and_unusable_ones_are_blockers() -> None:
    assert blockers(BLANK, lambda _cid: True) == [
        Blocker("daily", "unset_daily"),
        Blocker("digest", "unset_digest"),
        Blocker("review", "unset_review"),
    ]
    view = replace(BLANK, daily_channel_id=1, digest_channel_id=2, review_channel_id=3)
    assert blockers(view, lambda _cid: True) == []
    view = replace(view, events_channel_id=4, alerts_channel_id=5)
    assert blockers(view, lambda cid: cid != 5) == [Blocker("alerts", "cant_post", 5)]


@pytest.mark.parametrize("name", ["Mars/Base", "", "asia/"])
def test_an_unknown_timezone_is_a_user_error(name: str) -> None:
    with pytest.raises(UserError) as caught:
        check_timezone(name)
    assert caught.value.key == "daily.unknown_timezone"


def test_timezones_are_matched_in_any_case() -> None:
    assert check_timezone("ASIA/shanghai") == "Asia/Shanghai"
