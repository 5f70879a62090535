"""`aiclub console`: the local simulated guild (see DESIGN.md)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import simcord

from bot.client import AiclubBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.console.script import ConsoleSyntaxError, parse_line
from bot.console.session import ConsoleSession
from bot.db.engine import Database
from bot.scheduling import SimulatedScheduler


async def _stdin_lines(prompt: bool) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    while True:
        if prompt:
            print("aiclub> ", end="", flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        yield line


async def _iterate(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


def build_console_bot(settings: Settings, start: datetime) -> AiclubBot:
    """The real bot wired to a manual clock and the simulated scheduler."""
    clock = ManualClock(start)
    scheduler = SimulatedScheduler(clock)
    return AiclubBot(settings, db=Database(settings.database_url), clock=clock, scheduler=scheduler)


async def run_console(
    settings: Settings,
    *,
    start: datetime,
    out_dir: Path,
    script: list[str] | None = None,
    write: Callable[[str], None] = print,
) -> int:
    """Run the simulated guild over ``script`` (or stdin); 1 if the bot raised unhandled errors."""
    bot = build_console_bot(settings, start)
    # TensorFlow and the models load on the first ML command (~10 s): let the console wait.
    async with simcord.run(bot, shard_count=1, check_errors=False, settle_timeout=120) as env:
        scheduler = bot.scheduler
        assert isinstance(scheduler, SimulatedScheduler)
        scheduler.on_move = lambda delta: env.advance_time(delta.total_seconds())
        session = ConsoleSession(env, bot, out_dir, write)
        write(
            f"aiclub console: guild {session.guild.name} with #{', #'.join(session.channels)}; "
            f"members @{', @'.join(session.actors)}; now {bot.clock.now():%Y-%m-%d %H:%M} UTC"
        )
        lines = _iterate(script) if script is not None else _stdin_lines(sys.stdin.isatty())
        async for line in lines:
            try:
                command = parse_line(line)
            except ConsoleSyntaxError as exc:
                write(f"error: {exc}")
                continue
            if command is not None and not await session.execute(command):
                break
        return 1 if session.unhandled_errors else 0
