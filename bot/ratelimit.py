"""A rate limiter that keeps bursts of Discord requests under the global limit.

Discord allows a bot 50 requests per second overall. A token bucket refilled at that rate
still lets a full bucket plus a second's refill through in one window, and counting only
start times is fooled by tasks that wake up late. Here each request holds a slot from the
moment it is allowed until one period after it *finished*; with at most ``limit`` slots held,
no window of ``period`` seconds can contain more than ``limit`` request starts.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

DISCORD_GLOBAL_LIMIT = 50
DEFAULT_LIMIT = 40  # headroom under the global limit for interaction replies and fetches


class RateLimiter:
    """At most ``limit`` request starts in any ``period``-second window, first come first served."""

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        period: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.limit, self.period = limit, period
        self._clock, self._sleep = clock, sleep
        self._active = 0
        self._releases: deque[float] = deque()  # when finished requests free their slot
        self._freed = asyncio.Event()
        self._lock = asyncio.Lock()

    async def _take(self) -> None:
        while True:
            now = self._clock()
            while self._releases and self._releases[0] <= now:
                self._releases.popleft()
            if self._active + len(self._releases) < self.limit:
                self._active += 1
                return
            if self._releases:
                await self._sleep(self._releases[0] - now)
            else:  # every slot is held by a request still running
                self._freed.clear()
                await self._freed.wait()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a free slot, run the request inside the block, then hold the slot a period."""
        async with self._lock:
            await self._take()
        try:
            yield
        finally:
            self._active -= 1
            self._releases.append(self._clock() + self.period)
            self._freed.set()
