"""When daily questions are due, in the guild's local time (pure functions)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

_HHMM = re.compile(r"^\s*(\d{1,2})[:：.](\d{2})\s*$")
DEFAULT_GRACE = timedelta(hours=6)


class ScheduleError(ValueError):
    """An invalid time or timezone; ``code`` is a catalog key suffix."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(code)
        self.code = code
        self.value = value


def parse_post_time(text: str) -> time:
    """'9:00', '09:00', '21.30', '21：30' → time; anything else is an ``impossible_time``."""
    match = _HHMM.match(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ScheduleError("impossible_time", text)
    return time(int(match[1]), int(match[2]))


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA timezone by exact name (case-insensitive), or ``unknown_timezone``."""
    key = _zones_by_lower_name().get(name.strip().lower())
    if key is None:
        raise ScheduleError("unknown_timezone", name)
    try:
        return ZoneInfo(key)
    except ZoneInfoNotFoundError:
        raise ScheduleError("unknown_timezone", name) from None


@cache
def _zones() -> tuple[str, ...]:
    """Region/City zones plus UTC, sorted (read once from the tz database)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in _zones()}


def suggest_timezones(text: str, limit: int = 25) -> list[str]:
    """Timezones for autocomplete: prefix matches first, then fuzzy matches."""
    zones = _zones()
    needle = text.strip().lower()
    if not needle:
        return [
            "UTC",
            "Asia/Shanghai",
            "Asia/Hong_Kong",
            "Asia/Taipei",
            "Asia/Singapore",
            "Asia/Tokyo",
            "Europe/London",
            "Europe/Berlin",
            "America/New_York",
            "America/Los_Angeles",
        ][:limit]
    prefix = [z for z in zones if needle in z.lower()]
    if len(prefix) >= limit:
        return prefix[:limit]
    fuzzy = process.extract(needle, zones, scorer=fuzz.WRatio, limit=limit)
    return list(dict.fromkeys(prefix + [z for z, _s, _i in fuzzy]))[:limit]


def local_date(now: datetime, tz: ZoneInfo) -> date:
    """The guild-local calendar date at ``now``."""
    return now.astimezone(tz).date()


def post_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware instant of ``at`` on local ``day``.

    A time that does not exist (inside a spring-forward gap) becomes the first instant after
    the gap: 02:30 on a day when clocks jump from 02:00 to 03:00 is 03:00, never the hour
    before the gap. A repeated time (fall-back) is its first occurrence.
    """
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return aware
    return _gap_end(naive, tz)


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    """The first instant after the gap that hides ``naive`` (a local time that never occurs).

    Read with the offset after the change (fold=1) the time lands before the transition,
    with the offset before it (fold=0) after; the transition lies between, found by
    bisection to the second (any gap: 30 minutes, an hour, a whole skipped day).
    """
    before = int(naive.replace(tzinfo=tz, fold=1).timestamp())
    after = int(naive.replace(tzinfo=tz, fold=0).timestamp())
    offset_before = datetime.fromtimestamp(before, UTC).astimezone(tz).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return datetime.fromtimestamp(after, UTC).astimezone(tz)


def due_date(
    now: datetime, at: time, tz: ZoneInfo, grace: timedelta = DEFAULT_GRACE
) -> date | None:
    """The local date whose post is due at ``now`` (its time passed less than ``grace`` ago).

    Yesterday's post counts too when today's time has not come yet and yesterday's is still
    within grace (a post at 23:30 caught up at 01:00).
    """
    today = local_date(now, tz)
    for day in (today, today - timedelta(days=1)):
        instant = post_instant(day, at, tz)
        if instant <= now < instant + grace:
            return day
    return None
