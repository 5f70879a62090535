"""The guild's events as an iCalendar (RFC 5545) feed, built with ``icalendar``.

One-off events are written in UTC. Repeating events are written in the guild's timezone
(``DTSTART;TZID=...`` plus a generated VTIMEZONE) so that calendar apps expand the RRULE
on local time across DST, as ``bot.events.recurrence`` does. The output depends only on
the events given: UIDs derive from ids and DTSTAMP is the event's last revision. Each event
carries a display alarm (VALARM) per reminder offset of the server, and its URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vRecur

DEFAULT_PRODID = "-//aiclub//events//EN"


@dataclass(frozen=True)
class IcalEvent:
    """What the feed needs to know about one event (all datetimes aware).

    ``updated_at`` is the last revision (DTSTAMP); ``sequence`` counts edits that
    attendees should see; ``exdates`` are starts of cancelled occurrences of a repeat;
    ``url`` is a link (the announcement's ``https://discord.com/channels/...``, else the
    stream or channel); ``alarms`` are how long before each start to remind.
    """

    id: int
    guild_id: int
    title: str
    kind: str
    start_utc: datetime
    duration: timedelta
    tz: ZoneInfo
    updated_at: datetime
    description: str = ""
    location: str = ""
    url: str | None = None
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()
    cancelled: bool = False
    sequence: int = 0
    alarms: tuple[timedelta, ...] = ()


def event_uid(event_id: int, guild_id: int) -> str:
    """The stable UID of an event: ``event-<id>@<guild_id>.aiclub``."""
    return f"event-{event_id}@{guild_id}.aiclub"


def _vevent(event: IcalEvent) -> Event:
    zone = event.tz if event.rrule else UTC
    vevent = Event()
    vevent.add("uid", event_uid(event.id, event.guild_id))
    vevent.add("dtstamp", event.updated_at.astimezone(UTC))
    vevent.add("dtstart", event.start_utc.astimezone(zone))
    vevent.add("dtend", (event.start_utc + event.duration).astimezone(zone))
    vevent.add("summary", event.title)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("categories", [event.kind])
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("sequence", event.sequence)
    for before in event.alarms:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.title)
        alarm.add("trigger", -before)
        vevent.add_component(alarm)
    if event.rrule:
        vevent.add("rrule", vRecur.from_ical(event.rrule.removeprefix("RRULE:")))
        if event.exdates:
            vevent.add("exdate", [exdate.astimezone(zone) for exdate in sorted(event.exdates)])
    return vevent


def build_calendar(
    events: Iterable[IcalEvent], *, prodid: str = DEFAULT_PRODID, name: str | None = None
) -> bytes:
    """Serialize ``events`` as an ``.ics`` document (CRLF lines, folded at 75 octets).

    ``name`` becomes the calendar's display name (NAME and X-WR-CALNAME).
    """
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    first_start: datetime | None = None
    for event in events:
        calendar.add_component(_vevent(event))
        if event.rrule and (first_start is None or event.start_utc < first_start):
            first_start = event.start_utc
    if first_start is not None:
        # VTIMEZONE transitions from (just before) the first repeating event on.
        calendar.add_missing_timezones(first_date=(first_start - timedelta(days=2)).date())
    ics: bytes = calendar.to_ical()
    return ics
