"""Delivery of scheduled posts: exactly once = claimed once + delivered at least once + deduped.

A cog claims an occurrence in the ledger (``bot.ledger``), then hands it to ``Delivery``,
which runs the kind's ``send`` (every Discord message of it carries the deterministic nonce
``ledger.nonce(occurrence, part)``) and records the outcome:

- success → ``sent`` (the kind's ``record`` runs in the same transaction, ``after`` once
  it committed);
- a transient fault (429, 5xx, timeout, connection error) → ``retry`` with backoff, taken
  up again by the sweep while the kind's window lasts;
- a permanent fault (403, 404, anything else) → ``failed`` and the server's admins are told.

Telling the admins is itself a ledger row (kind ``alert``, keyed by the reason and the
failed row's id): claimed once, and retried like any post when Discord fails transiently.

``sweep`` (every minute and at start) takes up retries whose time came and rows whose
process died (lease ran out), and fails rows whose window ended, telling the admins.
No database session is open while Discord is called.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import ledger
from bot.clock import Clock
from bot.db.engine import Database
from bot.ledger import Occurrence

log = logging.getLogger(__name__)
ALERT_KIND = "alert"
ALERT_WINDOW = timedelta(hours=24)
FULL_SWEEP = timedelta(hours=6)
SWEEP_EVERY = timedelta(minutes=1)

Send = Callable[[Occurrence], Awaitable[int | None]]
Record = Callable[[AsyncSession, Occurrence, int | None, datetime], Awaitable[None]]
After = Callable[[Occurrence, int | None], Awaitable[None]]
Alert = Callable[[Occurrence, str, str], Awaitable[None]]


class Undeliverable(Exception):
    """A kind's ``send`` found nothing it could deliver (e.g. the event was deleted)."""


@dataclass(frozen=True)
class Kind:
    """How to deliver one kind of scheduled post."""

    name: str
    send: Send
    record: Record | None = None
    after: After | None = None


def is_transient(exc: BaseException) -> bool:
    """Whether a retry may succeed: rate limits, server errors, timeouts, lost connections."""
    if isinstance(exc, discord.HTTPException):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, TimeoutError | aiohttp.ClientError | ConnectionError)


def reason_of(exc: BaseException) -> str:
    """``forbidden`` (403), ``not_found`` (404) or ``error``: which fix the admins need."""
    if isinstance(exc, discord.Forbidden):
        return "forbidden"
    if isinstance(exc, discord.NotFound):
        return "not_found"
    return "error"


def describe(exc: BaseException) -> str:
    """One line for the ledger and the log."""
    return f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__


class Delivery:
    """Drives claimed occurrences to ``sent`` or ``failed`` (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, alert: Alert) -> None:
        self.db, self.clock, self.alert = db, clock, alert
        self.kinds: dict[str, Kind] = {}
        self._sweeping = asyncio.Lock()
        # When the database may next hold due work: this process's own retries and leases
        # move it earlier; a full look at the database happens at least every FULL_SWEEP.
        self._wake: datetime | None = None
        self._last_full: datetime | None = None
        self.on_wake: Callable[[datetime], None] | None = None
        self.register(Kind(ALERT_KIND, self._send_alert))

    def register(self, kind: Kind) -> None:
        """Deliver ``kind.name`` rows with ``kind`` (a cog registers its kinds on load)."""
        self.kinds[kind.name] = kind

    def _wake_by(self, when: datetime) -> None:
        self._wake = when if self._wake is None else min(self._wake, when)
        if self.on_wake is not None:
            self.on_wake(self.next_sweep())

    def next_sweep(self) -> datetime:
        """When the next sweep has anything to do: the earliest due time this process knows
        of, and a full look at the database at least every ``FULL_SWEEP``; never sooner than
        a minute from now."""
        now = self.clock.now()
        full = (self._last_full or now) + FULL_SWEEP
        wake = full if self._wake is None else min(self._wake, full)
        return max(wake, now + SWEEP_EVERY)

    async def deliver(self, occurrence: Occurrence) -> bool:
        """First attempt of an occurrence this process just claimed; True if it was sent."""
        self._wake_by(self.clock.now() + ledger.LEASE)
        async with self.db.session() as session:
            if not await ledger.start(session, occurrence, self.clock.now()):
                return False
        return await self._attempt(occurrence)

    async def redeliver(self, occurrence: Occurrence) -> bool:
        """Take a due-again row (retry time came, lease ran out) and attempt it."""
        if occurrence.kind not in self.kinds:
            return False
        async with self.db.session() as session:
            if not await ledger.take(session, occurrence, self.clock.now()):
                return False
        return await self._attempt(occurrence)

    async def sweep(self) -> int:
        """Fail rows whose window ended (telling the admins), then take up every due row.

        Returns how many were delivered. One sweep at a time per process.
        """
        async with self._sweeping:
            now = self.clock.now()
            idle = self._wake is None or now < self._wake
            if idle and self._last_full is not None and now - self._last_full < FULL_SWEEP:
                return 0
            self._last_full = now
            async with self.db.session() as session:
                expired = await ledger.expire(session, now)
                due = await ledger.due_again(session, now)
                self._wake = await ledger.next_wake(session)
            for occurrence, error in expired:
                log.warning("%s gave up: %s", occurrence, error)
                await self._tell(occurrence, "gave_up", error)
            delivered = 0
            for occurrence in due:
                delivered += await self.redeliver(occurrence)
            return delivered

    async def _attempt(self, occurrence: Occurrence) -> bool:
        kind = self.kinds[occurrence.kind]
        try:
            message_id = await kind.send(occurrence)
        except Exception as exc:  # every fault is classified, recorded and, if permanent, told
            await self._fault(occurrence, exc)
            return False
        async with self.db.session() as session:
            if kind.record is not None:
                await kind.record(session, occurrence, message_id, self.clock.now())
            await ledger.finish(
                session,
                occurrence.guild_id,
                occurrence.kind,
                occurrence.key,
                self.clock.now(),
                message_id=message_id,
            )
        if kind.after is not None:
            await kind.after(occurrence, message_id)
        return True

    async def _fault(self, occurrence: Occurrence, exc: Exception) -> None:
        error = describe(exc)
        if is_transient(exc):
            async with self.db.session() as session:
                when = await ledger.retry_later(session, occurrence, self.clock.now(), error)
            if when is not None:
                self._wake_by(when)
                log.info("%s failed (%s); retrying at %s", occurrence, error, when)
                return
            log.warning("%s gave up: %s", occurrence, error)
            await self._tell(occurrence, "gave_up", error)
            return
        if not isinstance(exc, discord.HTTPException | Undeliverable):
            log.error("%s failed unexpectedly", occurrence, exc_info=exc)
        else:
            log.warning("%s failed: %s", occurrence, error)
        async with self.db.session() as session:
            await ledger.finish(
                session,
                occurrence.guild_id,
                occurrence.kind,
                occurrence.key,
                self.clock.now(),
                error=error,
            )
        if not isinstance(exc, Undeliverable):
            await self._tell(occurrence, reason_of(exc), error)

    async def _tell(self, occurrence: Occurrence, reason: str, error: str) -> None:
        """Claim and deliver the alert of a failed row (once; retried like a post)."""
        if occurrence.kind == ALERT_KIND:
            log.error("could not tell the admins of guild %s: %s", occurrence.guild_id, error)
            return
        now = self.clock.now()
        async with self.db.session() as session:
            row_id = await ledger.row_id(session, occurrence)
            if row_id is None:
                return
            alert = Occurrence(occurrence.guild_id, ALERT_KIND, f"{reason}|{row_id}")
            claimed = await ledger.claim(
                session, alert.guild_id, alert.kind, alert.key, now, expires_at=now + ALERT_WINDOW
            )
        if claimed:
            await self.deliver(alert)

    async def _send_alert(self, alert: Occurrence) -> None:
        reason, row_id = alert.key.split("|", 1)
        async with self.db.session() as session:
            failed = await ledger.occurrence_of(session, int(row_id))
        if failed is None:
            raise Undeliverable(f"ledger row {row_id} is gone")
        occurrence, error = failed
        await self.alert(occurrence, reason, error.removeprefix(ledger.GAVE_UP))
