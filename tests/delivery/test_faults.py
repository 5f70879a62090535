"""Fault injection over the real bot in the simulated guild (SQLite and PostgreSQL).

For each scheduled kind × each fault: exactly one post eventually, or the admins told.
SimCord accepts but ignores ``nonce``; ``FaultyDiscord`` adds what Discord does with
``enforce_nonce`` (a repeated nonce returns the message already created) and the faults
SimCord cannot inject: a 500 *after* the message was stored, and a timeout.
The table of outcomes is in the README ("Delivery: exactly once").
"""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from simcord.backend.errors import BackendError
from simcord.http import router
from sqlalchemy import select

from bot import ledger
from bot.db.models import ScheduledPost
from tests.cogs.test_events import publish, restart, setup_events
from tests.helpers import Sim

FAULTS = [
    "403",
    "404",
    "429",
    "500-stored",
    "503",
    "timeout",
    "killed-before-send",
    "killed-after-send",
]
KINDS = ["daily_question", "daily_thread", "daily_reveal", "event_reminder", "weekly_digest"]
PERMANENT = {"403", "404"}


class FaultyDiscord:
    """Wraps SimCord's router: nonce de-duplication plus one armed fault."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = router.dispatch
        self.by_nonce: dict[tuple[str, str], Any] = {}
        self.fault: tuple[str, str, str] | None = None  # (method, path pattern, fault)
        monkeypatch.setattr(router, "dispatch", self.dispatch)

    def arm(self, method: str, pattern: str, fault: str) -> None:
        self.fault = (method, pattern, fault)

    def dispatch(self, backend: Any, method: str, path: str, **kwargs: Any) -> Any:
        body = kwargs.get("json") if isinstance(kwargs.get("json"), dict) else {}
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        if nonce is not None and (path, nonce) in self.by_nonce:
            return self.by_nonce[(path, nonce)]  # Discord returns the message it already has
        fault = None
        if self.fault and self.fault[0] == method and fnmatch.fnmatch(path, self.fault[1]):
            fault, self.fault = self.fault[2], None
        if fault == "timeout":
            raise TimeoutError("injected timeout")
        if fault in ("403", "404", "429", "503"):
            code = {"403": 50013, "404": 10003}.get(fault, 0)
            raise BackendError(int(fault), code, f"injected {fault}")
        result = self.real(backend, method, path, **kwargs)
        if nonce is not None:
            self.by_nonce[(path, nonce)] = result
        if fault == "500-stored":
            raise BackendError(500, 0, "injected 500 after the message was stored")
        return result


def _titled(messages: list[discord.Message], title: str) -> list[discord.Message]:
    return [m for m in messages if m.embeds and title in (m.embeds[0].title or "")]


async def _daily(sim: Sim) -> None:
    await sim.actors["admin"].slash(
        sim.general, "config daily", channel=sim.channels["daily-question"], time="09:00"
    )


class Scenario:
    """How to make a kind fall due, which call it makes and how to count its posts."""

    def __init__(
        self,
        prepare: Callable[[Sim], Awaitable[None]],
        due: datetime,
        method: str,
        pattern: Callable[[Sim], str],
        count: Callable[[Sim], int],
    ) -> None:
        self.prepare, self.due, self.method, self.pattern, self.count = (
            prepare,
            due,
            method,
            pattern,
            count,
        )


def _daily_posts(sim: Sim) -> int:
    return len(_titled(sim.channels["daily-question"].history(), "Daily interview question"))


def _threads(sim: Sim) -> int:
    return len(sim.channels["daily-question"].threads)


def _reveals(sim: Sim) -> int:
    messages = [m for th in sim.channels["daily-question"].threads for m in th.history()]
    messages += sim.channels["daily-question"].history()
    return len(_titled(messages, "Answer reveal"))


async def _reveal_ready(sim: Sim) -> None:
    await _daily(sim)
    await sim.advance(datetime(2026, 12, 1, 9, 5, tzinfo=UTC) - sim.bot.clock.now())


async def _event(sim: Sim) -> None:
    await setup_events(sim, reminders="none")
    await publish(sim, start="2026-12-03 19:00")


def _starting(sim: Sim) -> int:
    return len([m for m in sim.channels["events"].history() if "starting now" in m.content])


async def _digest(sim: Sim) -> None:
    await sim.actors["admin"].slash(sim.general, "config digest", channel=sim.general)


def _digests(sim: Sim) -> int:
    return len(_titled(sim.general.history(), "Weekly digest"))


SCENARIOS = {
    "daily_question": Scenario(
        _daily,
        datetime(2026, 12, 1, 9, tzinfo=UTC),
        "POST",
        lambda sim: f"/channels/{sim.channels['daily-question'].id}/messages",
        _daily_posts,
    ),
    "daily_thread": Scenario(
        _daily,
        datetime(2026, 12, 1, 9, tzinfo=UTC),
        "POST",
        lambda sim: f"/channels/{sim.channels['daily-question'].id}/messages/*/threads",
        _threads,
    ),
    "daily_reveal": Scenario(
        _reveal_ready,
        datetime(2026, 12, 2, 9, tzinfo=UTC),
        "POST",
        lambda sim: f"/channels/{sim.channels['daily-question'].threads[0].id}/messages",
        _reveals,
    ),
    "event_reminder": Scenario(
        _event,
        datetime(2026, 12, 3, 19, tzinfo=UTC),
        "POST",
        lambda sim: f"/channels/{sim.channels['events'].id}/messages",
        _starting,
    ),
    "weekly_digest": Scenario(
        _digest,
        datetime(2026, 12, 7, 9, tzinfo=UTC),
        "POST",
        lambda sim: f"/channels/{sim.general.id}/messages",
        _digests,
    ),
}


async def _rows(sim: Sim, kind: str) -> list[ScheduledPost]:
    async with sim.bot.db.session() as session:
        return list(await session.scalars(select(ScheduledPost).where(ScheduledPost.kind == kind)))


def _alerts(sim: Sim) -> list[str]:
    return [
        m.content
        for m in sim.actors["admin"].user.dm_channel.history()
        if "could not be delivered" in m.content
    ]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("kind", KINDS)
async def test_each_kind_survives_each_fault(
    sim: Sim, monkeypatch: pytest.MonkeyPatch, kind: str, fault: str
) -> None:
    scenario = SCENARIOS[kind]
    discord_ = FaultyDiscord(monkeypatch)
    await scenario.prepare(sim)
    before_due = scenario.due - timedelta(seconds=1) - sim.bot.clock.now()
    await sim.advance(before_due)
    if fault == "killed-before-send":
        # The process dies right after committing its claim: its send never happens.
        async def dies(self: Any, occurrence: ledger.Occurrence) -> bool:
            if occurrence.kind != kind:
                return await original_deliver(self, occurrence)
            return False

        original_deliver = type(sim.bot.delivery).deliver
        monkeypatch.setattr(type(sim.bot.delivery), "deliver", dies)
        await sim.advance(timedelta(seconds=1))
        monkeypatch.setattr(type(sim.bot.delivery), "deliver", original_deliver)
        assert [r.status for r in await _rows(sim, kind)] == ["claimed"]
        await restart(sim)
    elif fault == "killed-after-send":
        # Discord created the message, then the process died before recording ``sent``.
        original_finish = ledger.finish

        async def dies_at_finish(session: Any, guild_id: int, k: str, *a: Any, **kw: Any) -> None:
            if k == kind and kw.get("error") is None:
                raise SystemExit  # never reaches the database
            await original_finish(session, guild_id, k, *a, **kw)

        monkeypatch.setattr(ledger, "finish", dies_at_finish)
        with pytest.raises(BaseException):  # noqa: B017  (the "crash")
            await sim.advance(timedelta(seconds=1))
        monkeypatch.setattr(ledger, "finish", original_finish)
        assert [r.status for r in await _rows(sim, kind)] == ["sending"]
        assert scenario.count(sim) == 1
        await restart(sim)
    else:
        discord_.arm(scenario.method, scenario.pattern(sim), fault)
        await sim.advance(timedelta(seconds=1))
    await sim.advance(timedelta(minutes=10))
    rows = await _rows(sim, kind)
    if fault in PERMANENT:
        assert scenario.count(sim) == 0
        assert [r.status for r in rows] == ["failed"]
        (alert,) = _alerts(sim)
        assert "/config" in alert
    else:
        assert scenario.count(sim) == 1, f"{kind} × {fault}"
        assert [r.status for r in rows] == ["sent"]
        assert not _alerts(sim)
