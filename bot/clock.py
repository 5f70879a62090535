"""Injectable clocks: the system clock in production, a manual one for the console and tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current aware UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """Current aware UTC time."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (simulated guild, tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The simulated current time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Move to ``when``; time never goes backwards."""
        if when < self._now:
            raise ValueError("a ManualClock cannot go backwards")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self.set(self._now + delta)
