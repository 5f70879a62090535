"""Fair use of the one inference worker: per-member and per-guild work in flight, cooldown.

Pure bookkeeping with an explicit ``now``; the inference service holds one instance.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PRUNE_AT = 4096  # remembered cooldown starts before old ones are dropped


class LimitError(Exception):
    """A request over a limit; ``code`` is a catalog key suffix, params explain when to retry."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class WorkLimiter:
    """Admit a job unless the member or guild already has too much in flight or is cooling down.

    ``queued`` counts every admitted job not yet released, so a member can be told their place.
    """

    per_member: int = 2
    per_guild: int = 6
    cooldown: timedelta = timedelta(seconds=3)
    _members: Counter[tuple[int, int]] = field(default_factory=Counter)
    _guilds: Counter[int] = field(default_factory=Counter)
    _last_start: dict[tuple[int, int], datetime] = field(default_factory=dict)
    queued: int = 0

    def admit(self, guild_id: int, member_id: int, now: datetime, job_seconds: float = 1.0) -> int:
        """Admit a job and return its place in the queue (1 = next), or raise LimitError.

        A refusal says when to retry (``seconds``); for a busy member or guild it also gives
        the queue length (``place``), and ``job_seconds`` (the typical job) sizes the wait.
        """
        key = (guild_id, member_id)
        last = self._last_start.get(key)
        if last is not None and now - last < self.cooldown:
            wait = (self.cooldown - (now - last)).total_seconds()
            raise LimitError("cooldown", seconds=max(1, math.ceil(wait)))
        busy_wait = max(1, math.ceil(self.queued * job_seconds))
        if self._members[key] >= self.per_member:
            raise LimitError(
                "member_busy", limit=self.per_member, place=self.queued, seconds=busy_wait
            )
        if self._guilds[guild_id] >= self.per_guild:
            raise LimitError(
                "guild_busy", limit=self.per_guild, place=self.queued, seconds=busy_wait
            )
        self._members[key] += 1
        self._guilds[guild_id] += 1
        if len(self._last_start) >= PRUNE_AT:  # forget members whose cooldown is over
            self._last_start = {
                k: t for k, t in self._last_start.items() if now - t < self.cooldown
            }
        self._last_start[key] = now
        self.queued += 1
        return self.queued

    def release(self, guild_id: int, member_id: int) -> None:
        """A job finished (done, failed or cancelled)."""
        key = (guild_id, member_id)
        self._members[key] -= 1
        self._guilds[guild_id] -= 1
        self.queued -= 1
        if self._members[key] <= 0:
            del self._members[key]
        if self._guilds[guild_id] <= 0:
            del self._guilds[guild_id]
