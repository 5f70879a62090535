"""Job scheduling: APScheduler in production, a step-by-step twin on a manual clock.

Jobs only *trigger* work; the database decides what is due. Both schedulers take the same
APScheduler trigger objects, so the simulated one fires exactly the times production would.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.clock import ManualClock

log = logging.getLogger(__name__)
JobFunc = Callable[[], Awaitable[None]]


class Scheduler(Protocol):
    """What the bot needs from a scheduler."""

    def add_job(self, job_id: str, trigger: BaseTrigger, func: JobFunc) -> None: ...
    def remove_job(self, job_id: str) -> None: ...
    def job_ids(self) -> list[str]: ...
    def start(self) -> None: ...
    def shutdown(self) -> None: ...


@dataclass(frozen=True)
class LocalTime:
    """A guild's wall-clock time for a repeating post: ``HH:MM`` in ``timezone``, every day
    or on ``weekday`` (0 is Monday)."""

    post_time: str
    timezone: str
    weekday: int | None = None


def schedule_local_cron(
    scheduler: Scheduler, job_id: str, when: LocalTime | None, fire: JobFunc
) -> None:
    """(Re)schedule ``fire`` at ``when`` (DST-aware, in the guild's zone); None removes it."""
    if when is None:
        scheduler.remove_job(job_id)
        return
    at = time.fromisoformat(when.post_time)
    trigger = CronTrigger(
        day_of_week=when.weekday,
        hour=at.hour,
        minute=at.minute,
        timezone=ZoneInfo(when.timezone),
    )
    scheduler.add_job(job_id, trigger, fire)


class LiveScheduler:
    """APScheduler's AsyncIOScheduler with an in-memory job store; replaces jobs by id."""

    def __init__(self, misfire_grace: timedelta = timedelta(minutes=5)) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(misfire_grace.total_seconds()),
            },
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)

    def _on_missed(self, event: JobExecutionEvent) -> None:
        """A fire skipped past the misfire grace (a stall, a suspend) still runs once: the
        database decides whether anything is still due within the kind's window."""
        job = self._scheduler.get_job(event.job_id)
        if job is not None:
            log.warning(
                "job %s missed its fire at %s; running it now",
                event.job_id,
                event.scheduled_run_time,
            )
            self._scheduler.add_job(job.func, id=f"{event.job_id}:missed", replace_existing=True)

    def add_job(self, job_id: str, trigger: BaseTrigger, func: JobFunc) -> None:
        """Add or replace the job ``job_id``."""
        self._scheduler.add_job(func, trigger, id=job_id, replace_existing=True)

    def remove_job(self, job_id: str) -> None:
        """Remove a job if present."""
        if self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    def job_ids(self) -> list[str]:
        """Ids of every scheduled job."""
        return sorted(job.id for job in self._scheduler.get_jobs())

    def start(self) -> None:
        """Start firing jobs on the running event loop."""
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop firing; running jobs are left to finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


@dataclass
class _SimJob:
    job_id: str
    trigger: BaseTrigger
    func: JobFunc
    next_fire: datetime | None


class SimulatedScheduler:
    """Fires jobs only when ``advance_to`` moves the manual clock past their fire times."""

    def __init__(
        self, clock: ManualClock, on_move: Callable[[timedelta], Awaitable[None]] | None = None
    ) -> None:
        self.clock = clock
        self.on_move = on_move
        self._jobs: dict[str, _SimJob] = {}
        self._running = False

    def add_job(self, job_id: str, trigger: BaseTrigger, func: JobFunc) -> None:
        """Add or replace the job ``job_id``; its first fire time is computed from now."""
        first = trigger.get_next_fire_time(None, self.clock.now())
        self._jobs[job_id] = _SimJob(job_id, trigger, func, first)

    def remove_job(self, job_id: str) -> None:
        """Remove a job if present."""
        self._jobs.pop(job_id, None)

    def job_ids(self) -> list[str]:
        """Ids of every scheduled job."""
        return sorted(self._jobs)

    def start(self) -> None:
        """Allow jobs to fire."""
        self._running = True

    def shutdown(self) -> None:
        """Stop firing jobs."""
        self._running = False

    def _next_due(self, until: datetime) -> _SimJob | None:
        due = [j for j in self._jobs.values() if j.next_fire is not None and j.next_fire <= until]
        return min(due, key=lambda j: (j.next_fire, j.job_id)) if due else None

    async def advance_to(self, target: datetime) -> list[tuple[datetime, str]]:
        """Move the clock to ``target``, firing every due job in time order.

        Returns ``(fire_time, job_id)`` for each job run. A job that raises is logged and the
        walk goes on, as APScheduler does.
        """
        fired: list[tuple[datetime, str]] = []
        while self._running and (job := self._next_due(target)) is not None:
            fire_time = job.next_fire
            assert fire_time is not None
            await self._move_to(fire_time)
            job.next_fire = job.trigger.get_next_fire_time(fire_time, fire_time)
            fired.append((fire_time, job.job_id))
            try:
                await job.func()
            except Exception:
                log.exception("job %s raised", job.job_id)
        await self._move_to(target)
        return fired

    async def _move_to(self, when: datetime) -> None:
        delta = when - self.clock.now()
        if delta > timedelta(0):
            self.clock.set(when)
            if self.on_move is not None:
                await self.on_move(delta)
