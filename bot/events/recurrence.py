"""Repeating events: the supported repeats as iCal RRULE strings, and their expansion.

Expansion runs in the guild's local time with ``dateutil.rrule``: a weekly 19:00
Europe/Berlin event stays at 19:00 local across DST, so its UTC time moves by an hour.
Following RFC 5545:

* a monthly event on the 29th-31st skips months without that day (no clamping to the
  last day of the month);
* an occurrence whose local time falls in a DST gap uses the UTC offset before the gap
  (02:30 on a spring-forward night is 03:30 daylight time); one that occurs twice (fall
  back) is its first occurrence;
* ``COUNT`` counts occurrences before ``EXDATE`` removes any; ``UNTIL`` is inclusive and
  written in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr

_UNTIL_FORMAT = "%Y%m%dT%H%M%SZ"


class RecurrenceError(ValueError):
    """An RRULE string outside the supported repeats; ``code`` is ``"bad_rrule"``."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.code = "bad_rrule"


class Repeat(StrEnum):
    """How an event repeats, as offered to organisers."""

    NONE = "none"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"

    def to_rrule(self, *, until: datetime | None = None, count: int | None = None) -> str | None:
        """The RRULE value (no ``RRULE:`` prefix), e.g. ``FREQ=WEEKLY;INTERVAL=2``.

        ``until`` (aware, inclusive) or ``count`` (>= 1) bound the series; not both.
        """
        if self is Repeat.NONE:
            if until is not None or count is not None:
                raise RecurrenceError("a non-repeating event has no UNTIL or COUNT")
            return None
        parts = [_RULES[self]]
        if until is not None and count is not None:
            raise RecurrenceError("UNTIL and COUNT must not both be given")
        if until is not None:
            if until.tzinfo is None:
                raise ValueError("until must be timezone-aware")
            parts.append(f"UNTIL={until.astimezone(UTC):{_UNTIL_FORMAT}}")
        if count is not None:
            if count < 1:
                raise RecurrenceError("COUNT must be at least 1")
            parts.append(f"COUNT={count}")
        return ";".join(parts)

    @classmethod
    def from_rrule(cls, value: str | None) -> Repeat:
        """The repeat an RRULE string stores; raises RecurrenceError for anything else."""
        if value is None:
            return cls.NONE
        parts = _rule_parts(value)
        key = f"FREQ={parts.pop('FREQ', '')}"
        interval = parts.pop("INTERVAL", "1")
        if interval != "1":
            key += f";INTERVAL={interval}"
        repeat = next((repeat for repeat, rule in _RULES.items() if rule == key), None)
        if repeat is None:
            raise RecurrenceError(f"unsupported repeat {key!r}")
        _check_bounds(parts)
        return repeat


_RULES = {
    Repeat.WEEKLY: "FREQ=WEEKLY",
    Repeat.BIWEEKLY: "FREQ=WEEKLY;INTERVAL=2",
    Repeat.MONTHLY: "FREQ=MONTHLY",
}


def _rule_parts(value: str) -> dict[str, str]:
    body = value.strip().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, sep, arg = part.partition("=")
        if not sep or not arg or name.upper() in parts:
            raise RecurrenceError(f"malformed RRULE {value!r}")
        parts[name.upper()] = arg.upper()
    return parts


def _check_bounds(parts: dict[str, str]) -> None:
    """Only UNTIL (UTC) or COUNT (>= 1) may follow FREQ and INTERVAL."""
    until, count = parts.pop("UNTIL", None), parts.pop("COUNT", None)
    if parts:
        raise RecurrenceError(f"unsupported RRULE parts {sorted(parts)}")
    if until is not None and count is not None:
        raise RecurrenceError("UNTIL and COUNT must not both be given")
    try:
        if until is not None:
            datetime.strptime(until, _UNTIL_FORMAT)
        if count is not None and int(count) < 1:
            raise ValueError(count)
    except ValueError:
        raise RecurrenceError("UNTIL must be YYYYMMDDTHHMMSSZ and COUNT >= 1") from None


def is_bounded(value: str | None) -> bool:
    """True when the rule ends (UNTIL or COUNT) or there is no rule at all."""
    if value is None:
        return True
    Repeat.from_rrule(value)
    return bool({"UNTIL", "COUNT"} & _rule_parts(value).keys())


def _rule(start_utc: datetime, tz: ZoneInfo, value: str | None) -> RRule | None:
    """The dateutil rule anchored at the local start, or None for a one-off event."""
    if value is None:
        return None
    Repeat.from_rrule(value)  # only the supported repeats are expanded
    rule = rrulestr(value, dtstart=start_utc.astimezone(tz))
    assert isinstance(rule, RRule)
    return rule


def _kept(occurrences: Iterable[datetime], exdates: Iterable[datetime]) -> Iterator[datetime]:
    """Occurrences as UTC, without the excluded ones (compared as instants)."""
    excluded = {exdate.astimezone(UTC) for exdate in exdates}
    for occurrence in occurrences:
        moment = occurrence.astimezone(UTC)
        if moment not in excluded:
            yield moment


def occurrences(
    start_utc: datetime,
    tz: ZoneInfo,
    rrule: str | None,
    window_start: datetime,
    window_end: datetime,
    exdates: Iterable[datetime] = (),
) -> list[datetime]:
    """Starts (aware UTC) of the series that fall in ``[window_start, window_end)``.

    ``start_utc`` is the first occurrence; ``rrule`` a value from ``Repeat.to_rrule`` or
    None; ``exdates`` are cancelled occurrence starts (any aware datetimes).
    """
    rule = _rule(start_utc, tz, rrule)
    starts = [start_utc] if rule is None else rule.between(window_start, window_end, inc=True)
    return [moment for moment in _kept(starts, exdates) if window_start <= moment < window_end]


def next_occurrence(
    start_utc: datetime,
    tz: ZoneInfo,
    rrule: str | None,
    after: datetime,
    exdates: Iterable[datetime] = (),
) -> datetime | None:
    """The first start (aware UTC) strictly after ``after``, or None when the series ended."""
    rule = _rule(start_utc, tz, rrule)
    starts = [start_utc] if rule is None else rule.xafter(after, inc=False)
    return next((moment for moment in _kept(starts, exdates) if moment > after), None)
