"""Parse event start times and durations typed by organisers (zh and en).

Rules, in one place:

* Input is read in the guild's IANA timezone relative to an injected ``now``; results are
  aware UTC datetimes. Nothing here depends on the wall clock or caches anything.
* Chinese forms are handled by a small explicit grammar (dateparser misses or misreads them);
  English and the rest go through ``dateparser``, except the time of day, which is read here
  so that ambiguity can be detected. ``dateparser`` is imported lazily (~60 ms import).
* Refuse rather than guess: a bare hour without am/pm whose morning and evening readings are
  both in the future and plausible (07:00-23:59) is ``ambiguous`` (with both readings); so
  is ``midnight`` (which night?). A numeric date such as ``3/4`` whose day/month order is
  unclear is ``ambiguous_date`` (with both dates); a date without a time of day is
  ``missing_time``; a week, month or year without a day (``next week 8pm``) is ``no_day``.
  ``H:MM`` is read on the 24-hour clock.
* A time typed without a date (``8pm``, ``晚上8点``) means the next such time: today, or
  tomorrow once it has passed. A bare weekday (``friday``, ``周五``) likewise moves on a week.
* ``next friday`` and ``下周五`` mean the same day: Friday of next calendar week (weeks start
  on Monday). When that is not the coming Friday (typed on a Tuesday: the 11th, not the
  4th), the coming one is kept as an alternative reading (``StartReading.alternatives``)
  for the organiser to pick instead.
* ``in 2 weeks 19:00``, ``in 3 months at 8pm``: the date that far ahead, at that time.
* DST: a local time inside a spring-forward gap is ``nonexistent_time``; a local time that
  occurs twice (fall back) means its first occurrence (``fold=0``, the daylight-time one),
  as RFC 5545 does. Relative offsets (``in 3 hours``, ``3小时后``) are exact elapsed time.
* Relative results are floored to the minute.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

TimeErrorCode = Literal[
    "unparseable",
    "ambiguous",
    "ambiguous_date",
    "no_day",
    "missing_time",
    "in_past",
    "too_far",
    "nonexistent_time",
    "bad_duration",
    "duration_too_long",
    "duration_not_positive",
]

MAX_AHEAD = timedelta(days=365)
MAX_DURATION = timedelta(days=7)
_MAX_INPUT = 100
_PLAUSIBLE_HOURS = range(7, 24)


class TimeParseError(ValueError):
    """A start time or duration was refused; ``code`` is a stable key for localization.

    ``readings`` holds the UTC instants the input could mean, when known: both readings for
    ``ambiguous`` times, the parsed instant for ``in_past`` and ``too_far``. ``dates`` holds
    the local dates an ``ambiguous_date`` could be (``3/4``: 4 March and 3 April), soonest
    first.
    """

    def __init__(
        self,
        code: TimeErrorCode,
        readings: tuple[datetime, ...] = (),
        dates: tuple[date, ...] = (),
    ) -> None:
        super().__init__(code)
        self.code: TimeErrorCode = code
        self.readings = readings
        self.dates = dates


@dataclass(frozen=True)
class StartReading:
    """A parsed start (aware UTC) and the other plausible readings of the same text (see
    ``next friday`` in the module docstring), soonest first."""

    start: datetime
    alternatives: tuple[datetime, ...] = ()


# --------------------------------------------------------------------------- normalization

_TRADITIONAL = str.maketrans("點週後禮時號個這兩鐘頭裡裏淩", "点周后礼时号个这两钟头里里凌")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_NUM = r"[0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3}"


def _normalize(text: str) -> str:
    """Full-width to ASCII, lower case, traditional to simplified, single spaces."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_TRADITIONAL)
    return " ".join(folded.split())


def _cn_int(token: str) -> int:
    """``"12"``, ``"十二"``, ``"二十五"``, ``"两"``, ``"零五"`` -> int."""
    if token.isascii():
        return int(token)
    try:
        tens, ten, ones = token.partition("十")
        if ten:
            return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
        value = 0
        for char in token:
            value = value * 10 + _CN_DIGITS[char]
        return value
    except KeyError:
        raise TimeParseError("unparseable") from None


# --------------------------------------------------------------------------- durations

_DURATION_UNITS = {"d": 86400, "h": 3600, "m": 60}
_DURATION_PART = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+|an?\b)?\s*个?(?P<half>半|half\s+an?\b)?个?\s*"
    r"(?:(?P<d>days?|d|天)|(?P<h>hours?|hrs?|h|小时|钟头)|(?P<m>minutes?|mins?|m|分钟|分))"
    r"(?![a-z])\s*(?:,|and\b)?\s*"
)


def _number(token: str) -> float:
    """``"1.5"``, ``"一"``, ``"a"``/``"an"`` (one) -> float."""
    if token in ("a", "an"):
        return 1.0
    return float(token) if token[0].isascii() else float(_cn_int(token))


def _duration_seconds(text: str) -> float | None:
    """Seconds in ``"1h30m"``, ``"1.5 hours"``, ``"一个半小时"``...; None if not a duration."""
    seconds, seen, pos = 0.0, set(), 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None or match.end() == pos:
            return None
        unit = next(key for key in _DURATION_UNITS if match[key])
        if unit in seen or not (match["num"] or match["half"]):
            return None
        seen.add(unit)
        value = _number(match["num"] or "0")
        seconds += (value + (0.5 if match["half"] else 0)) * _DURATION_UNITS[unit]
        pos = match.end()
    return seconds if seen else None


def parse_duration(text: str) -> timedelta:
    """Parse ``"90m"``, ``"1h30m"``, ``"1.5h"``, ``"2 days"``, ``"1小时30分"``, ``"90分钟"``.

    Raises TimeParseError ``bad_duration``, ``duration_not_positive`` or
    ``duration_too_long`` (more than 7 days).
    """
    normalized = _normalize(text)
    negative = normalized.startswith("-")
    seconds = _duration_seconds(normalized.removeprefix("-").strip())
    if seconds is None or len(normalized) > _MAX_INPUT:
        raise TimeParseError("bad_duration")
    if negative or seconds <= 0:
        raise TimeParseError("duration_not_positive")
    if seconds > MAX_DURATION.total_seconds():
        raise TimeParseError("duration_too_long")
    return timedelta(seconds=seconds)


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class _Clock:
    """A time of day as typed: the hours it may mean (24+ is past midnight) and the minute."""

    hours: tuple[int, ...]
    minute: int


Hint = Literal["am", "noon", "pm", "evening"]


def _hinted_hour(hint: Hint, hour: int) -> int:
    """Apply a part of the day (上午/下午/晚上, morning/tonight...) to an hour."""
    if hour > 12:  # already on the 24-hour clock, e.g. 下午14点
        if hint == "am":
            raise TimeParseError("unparseable")
        return hour
    if hint == "am":
        return hour % 12
    if hint == "noon":
        return hour if hour >= 11 else hour + 12
    if hint == "evening" and (hour <= 4 or hour == 12):
        return hour % 12 + 24  # 今晚1点, tonight 12: after midnight
    return hour % 12 + 12


def _clock(
    hour: int, minute: int, *, hint: Hint | None, meridiem: str | None = None, colon: bool
) -> _Clock:
    """Readings of a typed time: one when it is explicit, two for a bare 1-12 hour."""
    if hour > 23 or minute > 59:
        raise TimeParseError("unparseable")
    if meridiem:
        if not 1 <= hour <= 12:
            raise TimeParseError("unparseable")
        return _Clock(((hour % 12) + (12 if meridiem == "p" else 0),), minute)
    if hint:
        return _Clock((_hinted_hour(hint, hour),), minute)
    if colon or hour == 0 or hour > 12:
        return _Clock((hour,), minute)
    return _Clock((hour % 12, hour % 12 + 12), minute)


def _lenient_utc(wall: datetime, tz: tzinfo) -> datetime:
    return wall.replace(tzinfo=tz).astimezone(UTC)


def _strict_utc(wall: datetime, tz: tzinfo) -> datetime:
    """Local wall time -> UTC; a time in a DST gap is refused, a repeated one is fold=0."""
    utc = _lenient_utc(wall, tz)
    if utc.astimezone(tz).replace(tzinfo=None) != wall:
        raise TimeParseError("nonexistent_time")
    return utc


def _resolve(
    day: date, clock: _Clock, tz: tzinfo, now: datetime, roll: timedelta | None = None
) -> datetime:
    """Pick the one future, plausible reading of ``clock`` on ``day``, or refuse.

    ``roll`` moves a reading that has already passed forward (a day for a bare time, a week
    for a bare weekday).
    """
    walls = []
    for hour in clock.hours:
        wall = datetime.combine(day, time()) + timedelta(hours=hour, minutes=clock.minute)
        if roll and _lenient_utc(wall, tz) <= now:
            wall += roll
        walls.append(wall)
    future = [wall for wall in walls if _lenient_utc(wall, tz) > now]
    if not future:
        raise TimeParseError("in_past", tuple(_lenient_utc(wall, tz) for wall in walls))
    if len(future) > 1:
        plausible = [wall for wall in future if wall.hour in _PLAUSIBLE_HOURS]
        if len(plausible) != 1:
            raise TimeParseError("ambiguous", tuple(_lenient_utc(wall, tz) for wall in future))
        future = plausible
    return _strict_utc(future[0], tz)


def _upcoming_date(today: date, month: int, day: int, year: int | None = None) -> date:
    """The date in ``year``, else its next occurrence from ``today`` on (this year or next)."""
    if year is not None:
        return date(year, month, day)
    named = date(today.year, month, day)
    return named if named >= today else date(today.year + 1, month, day)


def _next_week(weekday: int, clock: _Clock, tz: tzinfo, now: datetime) -> StartReading:
    """``next friday`` / ``下周五``: that weekday of next calendar week (weeks start on
    Monday), with the coming one as the alternative when it is another day."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    start = _resolve(monday + timedelta(days=7 + weekday), clock, tz, now)
    coming = today + timedelta(days=(weekday - today.weekday()) % 7)
    try:
        other = _resolve(coming, clock, tz, now, timedelta(days=7))
    except TimeParseError:  # e.g. the coming one falls in a DST gap: no alternative
        return StartReading(start)
    return StartReading(start, (other,) if other != start else ())


def _floor_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _relative(duration_text: str, now: datetime) -> datetime | None:
    """``now`` plus a duration (exact elapsed time), or None if it is not a duration."""
    seconds = _duration_seconds(duration_text)
    if seconds is None:
        return None
    if seconds > MAX_AHEAD.total_seconds():
        raise TimeParseError("too_far")
    return _floor_minute(now.astimezone(UTC) + timedelta(seconds=seconds))


# --------------------------------------------------------------------------- dateparser


def _dateparser(text: str, tz: ZoneInfo, now: datetime) -> tuple[datetime, str] | None:
    """dateparser's reading of ``text`` and its period (``time``, ``day``, ``week``...)."""
    from dateparser.date import DateDataParser  # lazy: ~60 ms import

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.astimezone(tz).replace(tzinfo=None),
        "TIMEZONE": tz.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RETURN_TIME_AS_PERIOD": True,
    }
    data = DateDataParser(languages=["en", "zh"], settings=settings).get_date_data(text)
    if data.date_obj is None or data.period is None:
        return None
    return data.date_obj, data.period


def _whole_text(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """Hand text with no time of day we recognise to dateparser; it must name a time."""
    parsed = _dateparser(text, tz, now)
    if parsed is None:
        raise TimeParseError("unparseable")
    moment, period = parsed
    if period != "time":
        raise TimeParseError("missing_time")
    return _floor_minute(moment)


# --------------------------------------------------------------------------- ISO 8601

_ISO = re.compile(
    r"(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:(?:t|\s+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?)?"
    r"\s*(?P<tz>z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?"
)


def _parse_iso(text: str, tz: ZoneInfo) -> datetime | None:
    """``2026-12-05 14:00``, ``2026-12-05T14:00+01:00``, ``2026/12/05 14:00Z``."""
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    if match["h"] is None:
        raise TimeParseError("missing_time")
    try:
        wall = datetime(
            int(match["y"]), int(match["mo"]), int(match["d"]),
            int(match["h"]), int(match["mi"]), int(match["s"] or 0),
        )  # fmt: skip
    except ValueError:
        raise TimeParseError("unparseable") from None
    offset = match["tz"]
    if offset is None:
        return _strict_utc(wall, tz)
    if offset in ("z", "utc", "gmt"):
        return wall.replace(tzinfo=UTC)
    digits = offset[1:].replace(":", "").ljust(4, "0")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta >= timedelta(hours=24):
        raise TimeParseError("unparseable")
    return wall.replace(tzinfo=timezone(-delta if offset[0] == "-" else delta)).astimezone(UTC)


# --------------------------------------------------------------------------- English

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_T_COLON = re.compile(
    r"(?<![\d:])(?P<h>\d{1,2}):(?P<m>\d{2})(?![\d:])(?:\s*(?P<mer>[ap])\.?m\b\.?)?"
)
_T_MERIDIEM = re.compile(r"(?<![\w:./-])(?P<h>\d{1,2})(?:\.(?P<m>\d{2}))?\s*(?P<mer>[ap])\.?m\b\.?")
_T_NOON = re.compile(r"\b(?:12\s*)?noon\b")
_T_BARE = re.compile(r"(?<![\w:./-])(?P<h>\d{1,2})(?:\s*o'?clock)?(?![\w:./-])")
_NOT_HOUR_BEFORE = re.compile(rf"(?:\b{_MONTH}|\bthe|\bin)\s*$")
_NOT_HOUR_AFTER = re.compile(
    rf"\s*(?:of\s+)?{_MONTH}|\s*(?:min|minute|hour|hr|h|day|d|week|wk|w|month|mo|year|yr|y)s?\b"
)
_PART_OF_DAY = re.compile(
    r"\btonight\b|\b(?P<this>this\s+)?(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night)\b"
)
_PART_HINTS: dict[str, Hint] = {
    "morning": "am", "afternoon": "pm", "evening": "evening", "night": "evening",
}  # fmt: skip
_MIDNIGHT = re.compile(r"\bmidnight\b")
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2})?)?(?!\d|\s*[ap]\.?m\b)"
)
_WEEKDAYS_EN = {
    name: index
    for index, names in enumerate(
        ("monday mon", "tuesday tues tue", "wednesday wed", "thursday thurs thur thu",
         "friday fri", "saturday sat", "sunday sun")
    )
    for name in names.split()
}  # fmt: skip
_NEXT_WEEKDAY = re.compile(rf"next\s+(?P<wd>{'|'.join(_WEEKDAYS_EN)})\.?")
_RELATIVE_EN = re.compile(r"in\s+(?P<a>.+)|(?P<b>.+?)\s+(?:from\s+now|later)")
_FILLER = re.compile(r"\b(?:at|on)\b|[,@]")


def _part_of_day(text: str) -> tuple[str, Hint | None]:
    """Take ``tonight`` / ``this morning`` / ``evening`` out of the text as a hint."""
    match = _PART_OF_DAY.search(text)
    if match is None:
        return text, None
    hint = _PART_HINTS[match["part"]] if match["part"] else "evening"
    today = " today " if match["this"] or not match["part"] else " "
    return text[: match.start()] + today + text[match.end() :], hint


def _take_clock(text: str, hint: Hint | None) -> tuple[_Clock | None, str]:
    """Find the one time of day in the text; return it and the text without it."""
    found: list[_Clock] = []
    for match in _T_COLON.finditer(text):
        hour, minute = int(match["h"]), int(match["m"])
        found.append(_clock(hour, minute, hint=hint, meridiem=match["mer"], colon=True))
    text = _T_COLON.sub(" ", text)
    for match in _T_MERIDIEM.finditer(text):
        hour, minute = int(match["h"]), int(match["m"] or 0)
        found.append(_clock(hour, minute, hint=hint, meridiem=match["mer"], colon=False))
    text = _T_MERIDIEM.sub(" ", text)
    found.extend(_Clock((12,), 0) for _ in _T_NOON.finditer(text))
    text = _T_NOON.sub(" ", text)
    if not found:
        bare = [
            match
            for match in _T_BARE.finditer(text)
            if not _NOT_HOUR_BEFORE.search(text, 0, match.start())
            and not _NOT_HOUR_AFTER.match(text, match.end())
        ]
        if len(bare) == 1:
            found.append(_clock(int(bare[0]["h"]), 0, hint=hint, colon=False))
            text = text[: bare[0].start()] + " " + text[bare[0].end() :]
        elif bare:
            raise TimeParseError("unparseable")
    if len(found) > 1:
        raise TimeParseError("unparseable")
    return (found[0] if found else None), text


def _fixed_zone(text: str) -> tuple[str, tzinfo | None]:
    """Take a zone abbreviation or offset (``CET``, ``UTC+2``) out of the text."""
    from dateparser.timezone_parser import pop_tz_offset_from_string

    rest, zone = pop_tz_offset_from_string(text)
    if not isinstance(zone, tzinfo):  # None: no zone in the text (a str only if as_offset=False)
        return text, None
    offset = zone.utcoffset(None)
    return rest, (timezone(offset) if offset is not None else None)


def _check_numeric_dates(text: str, tz: ZoneInfo, now: datetime) -> None:
    """Refuse a date like ``3/4`` that reads differently day-first and month-first."""
    for match in _NUMERIC_DATE.finditer(text):
        first, second = int(match[1]), int(match[2])
        if first == second or not (1 <= first <= 12 and 1 <= second <= 12):
            continue
        year = None if match[3] is None else int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        today = now.astimezone(tz).date()
        try:
            readings = [
                _upcoming_date(today, month, day, year)
                for month, day in ((first, second), (second, first))
            ]
        except ValueError:  # year 0000
            raise TimeParseError("unparseable") from None
        dates = tuple(sorted(readings))
        noons = tuple(_lenient_utc(datetime.combine(day, time(12)), tz) for day in dates)
        raise TimeParseError("ambiguous_date", noons, dates)


def _parse_en(text: str, tz: ZoneInfo, now: datetime) -> StartReading:
    iso = _parse_iso(text, tz)
    if iso is not None:
        return StartReading(iso)
    relative = _RELATIVE_EN.fullmatch(text)
    if relative:
        moment = _relative(relative["a"] or relative["b"], now)
        if moment is not None:
            return StartReading(moment)
    if _MIDNIGHT.search(text):
        raise TimeParseError("ambiguous")
    _check_numeric_dates(text, tz, now)
    rest, zone = _fixed_zone(text)
    rest, hint = _part_of_day(rest)
    clock, rest = _take_clock(rest, hint)
    if clock is None:
        if hint:
            raise TimeParseError("missing_time")
        return StartReading(_whole_text(text, tz, now))
    date_text = " ".join(_FILLER.sub(" ", rest).split())
    if not date_text:
        today = now.astimezone(tz).date()
        return StartReading(_resolve(today, clock, zone or tz, now, timedelta(days=1)))
    next_weekday = _NEXT_WEEKDAY.fullmatch(date_text)
    if next_weekday:
        return _next_week(_WEEKDAYS_EN[next_weekday["wd"]], clock, zone or tz, now)
    parsed = _dateparser(date_text, tz, now)
    if parsed is None:
        raise TimeParseError("unparseable")
    day, period = parsed
    if period in ("week", "month", "year") and _RELATIVE_EN.fullmatch(date_text):
        period = "day"  # "in 2 years": the date that far ahead
    if period != "day":
        raise TimeParseError("unparseable" if period == "time" else "no_day")
    return StartReading(_resolve(day.date(), clock, zone or tz, now))


# --------------------------------------------------------------------------- Chinese

_ZH = re.compile(
    rf"""
    (?:
        (?P<rel>大后天|后天|明天|明日|今天|今日|今晚|明晚)
      | (?P<week>这个?|本|下一?个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])
      | (?:(?P<y>\d{{4}}|[零〇一二三四五六七八九]{{4}})年)?(?P<mo>{_CN_NUM})月(?P<d>{_CN_NUM})[日号]
      | (?P<iy>\d{{4}})-(?P<imo>\d{{1,2}})-(?P<id>\d{{1,2}})
    )?
    (?P<period>凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜间)?
    (?:
        (?P<h>{_CN_NUM})[点时](?:(?P<half>半)|(?P<m>{_CN_NUM})分?)?
      | (?P<hh>\d{{1,2}}):(?P<mm>\d{{2}})
    )?
    """,
    re.VERBOSE,
)
_ZH_RELATIVE = re.compile(r"(?P<d>.+?)(?:之后|以后|后)")
_ZH_DAYS = {
    "今天": 0, "今日": 0, "今晚": 0, "明天": 1, "明日": 1, "明晚": 1, "后天": 2, "大后天": 3,
}  # fmt: skip
_ZH_WEEKDAYS = (
    {day: i for i, day in enumerate("一二三四五六日")}
    | {"天": 6}
    | {str(i + 1): i for i in range(7)}
)
_ZH_HINTS: dict[str, Hint] = {
    "凌晨": "am", "清晨": "am", "早上": "am", "早晨": "am", "上午": "am", "中午": "noon",
    "下午": "pm", "傍晚": "pm", "晚上": "evening", "夜里": "evening", "夜间": "evening",
}  # fmt: skip


def _zh_day(match: re.Match[str], today: date) -> tuple[date, timedelta | None]:
    """The date named by the match (not 下周X), and how far a passed time may roll forward."""
    if match["rel"]:
        return today + timedelta(days=_ZH_DAYS[match["rel"]]), None
    if match["wd"]:
        weekday = _ZH_WEEKDAYS[match["wd"]]
        if match["week"] is None:
            return today + timedelta(days=(weekday - today.weekday()) % 7), timedelta(days=7)
        return today - timedelta(days=today.weekday() - weekday), None  # 这周五, 本周五
    try:
        if match["iy"]:
            return date(int(match["iy"]), int(match["imo"]), int(match["id"])), None
        if match["mo"]:
            year = _cn_int(match["y"]) if match["y"] else None
            return _upcoming_date(today, _cn_int(match["mo"]), _cn_int(match["d"]), year), None
    except ValueError:
        raise TimeParseError("unparseable") from None
    return today, timedelta(days=1)


def _parse_zh(text: str, tz: ZoneInfo, now: datetime) -> StartReading:
    compact = re.sub(r"\s+|的", "", text).removeprefix("在").removeprefix("于")
    compact = compact.removesuffix("开始")
    relative = _ZH_RELATIVE.fullmatch(compact)
    if relative:
        moment = _relative(relative["d"], now)
        if moment is not None:
            return StartReading(moment)
    match = _ZH.fullmatch(compact)
    if match is None or not any(match.groupdict().values()):
        return StartReading(_whole_text(text, tz, now))
    hint = _ZH_HINTS.get(match["period"] or "") or (
        "evening" if match["rel"] in ("今晚", "明晚") else None
    )
    if match["h"] or match["hh"]:
        hour = _cn_int(match["h"] or match["hh"])
        minute = 30 if match["half"] else _cn_int(match["m"] or match["mm"] or "0")
        clock = _clock(hour, minute, hint=hint, colon=match["hh"] is not None)
    elif hint == "noon":
        clock = _Clock((12,), 0)
    else:
        raise TimeParseError("missing_time")
    if match["week"] and match["week"][0] == "下":
        return _next_week(_ZH_WEEKDAYS[match["wd"]], clock, tz, now)
    day, roll = _zh_day(match, now.astimezone(tz).date())
    return StartReading(_resolve(day, clock, tz, now, roll))


# --------------------------------------------------------------------------- public


def read_start(text: str, tz: ZoneInfo, now: datetime) -> StartReading:
    """Parse an event start typed in ``tz`` relative to the aware ``now``: the start (aware
    UTC) and the other plausible readings, each in the future and at most a year ahead.

    Accepts ``next friday 8pm``, ``tomorrow 14:30``, ``in 3 hours``, ``2026-12-05 14:00``,
    ``2026-12-05T14:00+01:00``, ``明天晚上8点``, ``下周五晚上8点``, ``12月5日 14:00``...
    Raises TimeParseError with code ``unparseable``, ``ambiguous``, ``ambiguous_date``,
    ``missing_time``, ``no_day``, ``in_past``, ``too_far`` (over a year ahead) or
    ``nonexistent_time`` (DST gap).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)  # aware arithmetic within one zone would be wall-clock time
    normalized = _normalize(text)
    if not normalized or len(normalized) > _MAX_INPUT:
        raise TimeParseError("unparseable")
    parse = _parse_zh if _CJK.search(normalized) else _parse_en
    reading = parse(normalized, tz, now)
    start = reading.start
    if start <= now:
        raise TimeParseError("in_past", (start,))
    if start - now > MAX_AHEAD:
        raise TimeParseError("too_far", (start,))
    others = sorted(other for other in reading.alternatives if now < other <= now + MAX_AHEAD)
    return StartReading(start, tuple(others))


def parse_start(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """The start ``read_start`` reads (its alternatives left out); same errors."""
    return read_start(text, tz, now).start


def _zh_time_of_day(compact: str) -> _Clock | None:
    """``晚上9点``, ``21点半``, ``早上8:30`` (no day); None when it is not just a time."""
    match = _ZH.fullmatch(compact)
    if match is None or match["rel"] or match["wd"] or match["mo"] or match["iy"]:
        return None
    if not (match["h"] or match["hh"]):
        return None
    minute = 30 if match["half"] else _cn_int(match["m"] or match["mm"] or "0")
    hint = _ZH_HINTS.get(match["period"] or "")
    return _clock(
        _cn_int(match["h"] or match["hh"]), minute, hint=hint, colon=match["hh"] is not None
    )


def parse_time_of_day(text: str) -> time:
    """A daily time typed by an admin: ``9am``, ``9:30 pm``, ``21:00``, ``9.30``, ``noon``,
    ``晚上9点``, ``21点半``. Raises TimeParseError ``unparseable``, or ``ambiguous`` for a bare
    hour from 1 to 12 (``9``: morning or evening?)."""
    normalized = _normalize(text)
    if not normalized or len(normalized) > _MAX_INPUT:
        raise TimeParseError("unparseable")
    rest = ""
    if _CJK.search(normalized):
        clock = _zh_time_of_day(re.sub(r"\s+|的", "", normalized))
    else:
        dotted = re.fullmatch(r"(\d{1,2})\.(\d{2})", normalized)  # 21.30
        clock, rest = _take_clock(f"{dotted[1]}:{dotted[2]}" if dotted else normalized, None)
    if clock is None or rest.strip():
        raise TimeParseError("unparseable")
    if len(clock.hours) > 1:
        raise TimeParseError("ambiguous")
    hour = clock.hours[0] % 24  # 晚上12点: midnight
    return time(hour, clock.minute)
