"""The simulated scheduler fires exactly what APScheduler's triggers would, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import ManualClock
from bot.scheduling import LiveScheduler, SimulatedScheduler


def _reference_fire_times(trigger, start: datetime, end: datetime) -> list[datetime]:
    times, previous, now = [], None, start
    while (nxt := trigger.get_next_fire_time(previous, now)) is not None and nxt <= end:
        times.append(nxt)
        previous = now = nxt
    return times


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("Europe/Berlin", datetime(2027, 3, 26, tzinfo=UTC)),
        ("Europe/Berlin", datetime(2026, 10, 23, tzinfo=UTC)),
        ("America/New_York", datetime(2027, 3, 12, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 10, 30, tzinfo=UTC)),
    ],
)
async def test_cron_jobs_fire_once_per_local_day_across_dst(zone: str, start: datetime) -> None:
    clock = ManualClock(start)
    scheduler = SimulatedScheduler(clock)
    seen: list[datetime] = []

    async def job() -> None:
        seen.append(clock.now())

    trigger = CronTrigger(hour=9, minute=0, timezone=zone)
    scheduler.add_job("daily", trigger, job)
    scheduler.start()
    end = start + timedelta(days=5)
    fired = await scheduler.advance_to(end)
    expected = _reference_fire_times(trigger, start, end)
    assert seen == [t.astimezone(UTC) for t in expected]
    assert [f for f, _ in fired] == expected
    assert len({t.astimezone(trigger.timezone).date() for t in seen}) == len(seen) == 5
    assert all(t.astimezone(trigger.timezone).hour == 9 for t in seen)
    assert clock.now() == end


async def test_jobs_interleave_in_time_order_and_errors_do_not_stop_the_walk() -> None:
    clock = ManualClock(datetime(2026, 12, 1, tzinfo=UTC))
    scheduler = SimulatedScheduler(clock)
    order: list[str] = []

    async def hourly() -> None:
        order.append(f"h{clock.now().hour}")

    async def broken() -> None:
        order.append("broken")
        raise RuntimeError("job failure")

    scheduler.add_job("hourly", IntervalTrigger(hours=1, start_date=clock.now()), hourly)
    scheduler.add_job("broken", CronTrigger(hour=1, minute=30, timezone="UTC"), broken)
    scheduler.start()
    await scheduler.advance_to(clock.now() + timedelta(hours=2))
    assert order == ["h0", "h1", "broken", "h2"]


async def test_nothing_fires_before_start_or_after_shutdown() -> None:
    clock = ManualClock(datetime(2026, 12, 1, tzinfo=UTC))
    scheduler = SimulatedScheduler(clock)
    calls: list[datetime] = []

    async def job() -> None:
        calls.append(clock.now())

    scheduler.add_job("j", IntervalTrigger(minutes=10, start_date=clock.now()), job)
    await scheduler.advance_to(clock.now() + timedelta(hours=1))
    scheduler.start()
    scheduler.shutdown()
    await scheduler.advance_to(clock.now() + timedelta(hours=1))
    assert calls == []


async def test_live_scheduler_replaces_and_removes_jobs_by_id() -> None:
    scheduler = LiveScheduler()

    async def job() -> None:
        return None

    scheduler.start()
    scheduler.add_job("a", IntervalTrigger(hours=1), job)
    scheduler.add_job("a", IntervalTrigger(hours=2), job)
    scheduler.add_job("b", IntervalTrigger(hours=1), job)
    assert scheduler.job_ids() == ["a", "b"]
    scheduler.remove_job("a")
    scheduler.remove_job("missing")
    assert scheduler.job_ids() == ["b"]
    scheduler.shutdown()


def test_manual_clock_refuses_naive_times_and_going_back() -> None:
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.set(datetime(2025, 1, 1, tzinfo=UTC))
