"""Discord's `<t:UNIX:STYLE>` timestamps as a viewer's client shows them (pure, via Babel)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import discord
from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.dates import get_datetime_format as _datetime_pattern

TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::([tTdDfFR]))?>")
DEFAULT_STYLE = "f"  # what Discord shows for `<t:UNIX>`
_PLAIN_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})  # CLDR's "7:00\u202fPM"


_NUMERIC_DATE = re.compile(r"y+|M+|d+")


def _two_digits(match: re.Match[str]) -> str:
    return {"y": "y", "M": "MM", "d": "dd"}[match.group(0)[0]]


@dataclass(frozen=True)
class Viewer:
    """Who reads a message: their Discord locale (e.g. `zh-CN`) and their device's timezone."""

    locale: str = "en-US"
    timezone: str = "UTC"


def parse_locale(text: str) -> str:
    """A Discord locale ('zh-CN', 'fr'…), case-insensitive; ValueError naming the choices."""
    for locale in discord.Locale:
        if locale.value.lower() == text.strip().lower():
            return locale.value
    choices = ", ".join(locale.value for locale in discord.Locale)
    raise ValueError(f"unknown Discord locale {text!r} (choose one of {choices})")


def parse_timezone(text: str) -> str:
    """An IANA timezone name ('Asia/Shanghai', 'UTC'); ValueError when there is none such."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {text!r} (use an IANA name such as Asia/Shanghai or UTC)"
        ) from None
    return text


def format_timestamp(moment: datetime, style: str, viewer: Viewer, now: datetime) -> str:
    """One timestamp in ``style`` (t T d D f F R) for ``viewer``; R is relative to ``now``."""
    locale = Locale.parse(viewer.locale, sep="-")
    if style == "R":
        return format_timedelta(moment - now, add_direction=True, locale=locale)
    local = moment.astimezone(ZoneInfo(viewer.timezone))
    short_time = format_time(local, "short", tzinfo=local.tzinfo, locale=locale)
    if style == "t":
        return short_time
    if style == "T":
        return format_time(local, "medium", tzinfo=local.tzinfo, locale=locale)
    if style == "d":  # the short date with two-digit day and month and the full year
        pattern = _NUMERIC_DATE.sub(_two_digits, locale.date_formats["short"].pattern)
        return format_date(local, pattern, locale=locale)
    width: Literal["long", "full"] = "full" if style == "F" else "long"
    date = format_date(local, width, locale=locale)
    if style == "D":
        return date
    pattern = str(_datetime_pattern(width, locale=locale)).replace("'", "")  # 'at' is quoted
    return pattern.replace("{1}", date).replace("{0}", short_time)


def render_timestamps(text: str, viewer: Viewer, now: datetime) -> str:
    """Replace every `<t:…>` in ``text``; one outside Discord's date range stays raw."""

    def replace(match: re.Match[str]) -> str:
        try:
            moment = datetime.fromtimestamp(int(match.group(1)), UTC)
        except (OverflowError, OSError, ValueError):
            return match.group(0)
        shown = format_timestamp(moment, match.group(2) or DEFAULT_STYLE, viewer, now)
        return shown.translate(_PLAIN_SPACES)

    return TIMESTAMP.sub(replace, text)
