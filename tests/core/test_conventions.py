"""Conventions, checked: cogs never open a session or commit; every signal is heard."""

from __future__ import annotations

import re
from pathlib import Path

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
