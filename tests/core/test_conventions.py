"""Conventions, checked: cogs never open a session or commit, reading commands write nothing,
every signal is heard."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from bot.db.events import DigestConfig, EventConfig
from bot.db.models import GuildSettings, MemberPrivacy
from bot.db.questions import DailyConfig
from bot.signals import SETTINGS_SIGNALS
from tests.helpers import Sim

COGS = Path(__file__).resolve().parents[2] / "cogs"
# A cog reaching for the database itself: services own every session and transaction.
DATABASE_IN_COG = re.compile(r"\.(session|transaction)\(\)|\.commit\(\)|\.rollback\(\)")


def test_cogs_leave_sessions_and_transactions_to_services() -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(COGS.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DATABASE_IN_COG.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_check_sees_a_cog_that_opens_a_session() -> None:
    assert DATABASE_IN_COG.search("        async with self.bot.db.session() as session:")
    assert DATABASE_IN_COG.search("            await session.commit()")
    assert not DATABASE_IN_COG.search("        view = await self.bot.services.settings.overview(g)")


async def test_every_settings_signal_has_a_listener(sim: Sim) -> None:
    listeners = {name for cog in sim.bot.cogs.values() for name, _ in cog.get_listeners()}
    assert {f"on_{signal}" for signal in SETTINGS_SIGNALS} <= listeners


async def test_reading_commands_write_nothing(sim: Sim) -> None:
    alice, admin = sim.actors["alice"], sim.actors["admin"]
    for actor, command, options in (
        (alice, "help", {}),
        (alice, "leaderboard", {}),
        (alice, "profile view", {}),
        (alice, "profile privacy", {}),
        (alice, "question today", {}),
        (alice, "event list", {}),
        (admin, "config show", {}),
        (admin, "digest preview", {}),
    ):
        await actor.slash(sim.general, command, **options)
    async with sim.bot.db.session() as session:
        for table in (GuildSettings, DailyConfig, EventConfig, DigestConfig, MemberPrivacy):
            assert await session.scalar(select(func.count()).select_from(table)) == 0, table
