"""Fair use of the inference worker: cooldown, per-member and per-guild jobs in flight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.ml import limits
from bot.ml.limits import LimitError, WorkLimiter

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_member_cools_down_between_jobs() -> None:
    limiter = WorkLimiter(cooldown=timedelta(seconds=3))
    assert limiter.admit(1, 10, NOW) == 1
    with pytest.raises(LimitError) as caught:
        limiter.admit(1, 10, NOW + timedelta(seconds=1))
    assert caught.value.code == "cooldown" and caught.value.params == {"seconds": 2}
    limiter.release(1, 10)
    assert limiter.admit(1, 10, NOW + timedelta(seconds=3)) == 1


def test_members_and_guilds_have_jobs_in_flight_limits_with_place_and_retry() -> None:
    limiter = WorkLimiter(per_member=2, per_guild=3, cooldown=timedelta(0))
    assert [limiter.admit(1, 10, NOW), limiter.admit(1, 10, NOW)] == [1, 2]
    with pytest.raises(LimitError) as member:
        limiter.admit(1, 10, NOW, job_seconds=2.0)
    assert member.value.code == "member_busy"
    assert member.value.params == {"limit": 2, "place": 2, "seconds": 4}
    limiter.admit(1, 11, NOW)
    with pytest.raises(LimitError) as guild:
        limiter.admit(1, 12, NOW)
    assert guild.value.code == "guild_busy" and guild.value.params["place"] == 3
    assert limiter.admit(2, 10, NOW) == 4  # another guild is not held up
    limiter.release(1, 10)
    assert limiter.admit(1, 12, NOW) == 4


def test_old_cooldowns_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "PRUNE_AT", 3)
    limiter = WorkLimiter(cooldown=timedelta(seconds=3))
    for member in range(3):
        limiter.admit(1, member, NOW)
        limiter.release(1, member)
    limiter.admit(1, 99, NOW + timedelta(seconds=10))
    assert list(limiter._last_start) == [(1, 99)]
