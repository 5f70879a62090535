"""When daily questions are due, in the guild's local time (pure functions)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
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

    A time that does not exist (spring-forward gap) moves forward by the gap, as clocks do;
    a repeated time (fall-back) is its first occurrence.
    """
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:  # in a gap: shift by the offset change
        aware = naive.replace(tzinfo=tz, fold=1)
    return aware


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
