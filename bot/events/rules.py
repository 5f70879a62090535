"""Validation of event fields before an event is created or edited (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from bot.events.recurrence import RecurrenceError, is_bounded

EventRuleCode = Literal[
    "title_empty",
    "title_too_long",
    "in_past",
    "end_before_start",
    "duration_too_long",
    "capacity_too_small",
    "capacity_too_large",
    "bad_location",
    "bad_link",
    "bad_rrule",
    "rrule_unbounded_near_limit",
]

MAX_TITLE = 100
MAX_DURATION = timedelta(days=7)
MAX_LOCATION = 100  # Discord's entity_metadata.location limit
MAX_CAPACITY = 100_000  # places; also keeps the value inside a 32-bit INTEGER column
LINK_SCHEMES = ("http", "https")
# Schemes that run code or read local files when a link is opened: refused however written
# ("JavaScript:", " javascript:", with tabs, line breaks or zero-width characters inside).
_DANGEROUS_SCHEMES = ("javascript", "vbscript", "data", "file", "blob", "filesystem")
# Other kinds of link written without "//" ("mailto:a@b.c", "tel:123"). Any other
# "word:rest" stays an address ("Room 3: Building A", "B1:Lab").
_OTHER_SCHEMES = frozenset(
    "mailto tel sms ftp sftp ssh irc ircs magnet news git ws wss smb".split()
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# Discord caps a guild at 100 scheduled events: no never-ending repeats from 90 on.
UNBOUNDED_REPEAT_LIMIT = 90


class EventRuleError(ValueError):
    """An event field breaks a rule; ``code`` is a stable key for localization."""

    def __init__(self, code: EventRuleCode) -> None:
        super().__init__(code)
        self.code: EventRuleCode = code


def _looks_like_url(location: str) -> bool:
    return "://" in location or location.lower().startswith("www.")


def _compact(text: str) -> str:
    """The text as a browser reads a link: lower case, outer spaces stripped, and no tabs,
    line breaks, control or format (zero-width) characters anywhere."""
    return "".join(
        char
        for char in text.strip().casefold()
        if char not in "\t\n\r" and unicodedata.category(char) not in ("Cc", "Cf")
    )


def _link_scheme(location: str) -> str | None:
    """The scheme when ``location`` is a link other than http(s), else None."""
    compact = _compact(location)
    match = _SCHEME.match(compact)
    if match is None:
        return None
    scheme = match[1]
    if scheme in LINK_SCHEMES:
        return None
    if scheme in _DANGEROUS_SCHEMES or scheme in _OTHER_SCHEMES or "://" in compact:
        return scheme
    return None


def _check_location(location: str) -> None:
    """An http(s) URL or an offline address of at most 100 characters.

    A link of any other kind (``javascript:``, ``data:``, ``file:``, ``ftp://``…) is
    ``bad_link``.
    """
    if not location.strip() or len(location) > MAX_LOCATION:
        raise EventRuleError("bad_location")
    if _link_scheme(location) is not None:
        raise EventRuleError("bad_link")
    if _looks_like_url(location):
        parts = urlsplit(location)
        if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
            raise EventRuleError("bad_location")
        if any(char.isspace() for char in location):
            raise EventRuleError("bad_location")


def validate_event_fields(
    title: str,
    start_utc: datetime,
    duration: timedelta,
    capacity: int | None,
    rrule: str | None,
    now: datetime,
    existing_active_count: int,
    location: str | None = None,
) -> None:
    """Raise EventRuleError for the first broken rule, checked in the order of the codes.

    ``location`` is None for events in a voice or stage channel; otherwise it is a URL or
    an offline address. ``existing_active_count`` counts the guild's other active
    scheduled events.
    """
    if not title.strip():
        raise EventRuleError("title_empty")
    if len(title.strip()) > MAX_TITLE:
        raise EventRuleError("title_too_long")
    if start_utc <= now:
        raise EventRuleError("in_past")
    if duration <= timedelta(0):
        raise EventRuleError("end_before_start")
    if duration > MAX_DURATION:
        raise EventRuleError("duration_too_long")
    if capacity is not None and capacity < 1:
        raise EventRuleError("capacity_too_small")
    if capacity is not None and capacity > MAX_CAPACITY:
        raise EventRuleError("capacity_too_large")
    if location is not None:
        _check_location(location)
    try:
        bounded = is_bounded(rrule)
    except RecurrenceError:
        raise EventRuleError("bad_rrule") from None
    if not bounded and existing_active_count >= UNBOUNDED_REPEAT_LIMIT:
        raise EventRuleError("rrule_unbounded_near_limit")
