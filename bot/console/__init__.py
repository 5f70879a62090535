"""`aiclub console`: the local simulated guild, one command per line (see README)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import simcord
from simcord import interactions

from bot.app import build_bot
from bot.client import AiclubBot
from bot.cliutil import CliError
from bot.clock import ManualClock
from bot.config import Settings
from bot.console.script import ConsoleSyntaxError, parse_line
from bot.console.session import ConsoleSession
from bot.console.terminal import exit_at_once, quiet_native_stderr, stdin_lines
from bot.console.timestamps import Viewer
from bot.console.world import (
    MEMBERS,
    OWNER,
    DemoWorld,
    create_demo_world,
    forget_synced_commands,
    load_world,
    save_world,
)
from bot.scheduling import SimulatedScheduler

# Discord's clock moves on after a resumed run, so no new message reuses an id of the last one.
_RESUME_GAP = timedelta(seconds=1)


async def _iterate(lines: list[str]) -> AsyncGenerator[str, None]:
    for line in lines:
        yield line


def build_console_bot(settings: Settings, start: datetime) -> AiclubBot:
    """The real bot wired to a manual clock and the simulated scheduler."""
    clock = ManualClock(start)
    return build_bot(settings, clock=clock, scheduler=SimulatedScheduler(clock))


@contextlib.contextmanager
def member_locales(locale_of: Callable[[int], str | None]) -> Iterator[None]:
    """Make every interaction a member starts carry their Discord locale (SimCord sends
    en-US for everyone), the way the test suite's ``user_locale`` fixture does."""
    original = interactions.base_payload

    def with_locale(*args: Any, **kwargs: Any) -> Any:
        record, payload = original(*args, **kwargs)
        locale = locale_of(int(kwargs["user_id"]))
        if locale is not None:
            payload["locale"] = locale
        return record, payload

    interactions.base_payload = with_locale
    try:
        yield
    finally:
        interactions.base_payload = original


def _resume_time(start: datetime | None, resumed_at: datetime | None) -> datetime:
    if resumed_at is None:
        return start or datetime.now(UTC).replace(second=0, microsecond=0)
    if start is not None and start < resumed_at:
        raise CliError(
            f"--start {start:%Y-%m-%d %H:%M} UTC is before this database's simulated time "
            f"({resumed_at:%Y-%m-%d %H:%M} UTC): leave --start out to resume, or give a later time",
            exit_code=2,
        )
    return start or resumed_at


async def run_console(
    settings: Settings,
    *,
    start: datetime | None,
    out_dir: Path,
    script: list[str] | None = None,
    viewer_changes: Mapping[str, Mapping[str, str]] | None = None,
    raw: bool = False,
    write: Callable[[str], None] = print,
) -> int:
    """Run the simulated guild over ``script`` (or stdin); 1 if the bot raised unhandled errors.

    A database kept from an earlier run resumes its world: the same guild, channels and member
    ids, at the simulated time it stopped (``start`` may only move it forward), each member
    with their language and timezone; ``viewer_changes`` changes those
    (`{"alice": {"locale": "zh-CN"}}`).
    """
    state = await load_world(settings.database_url)
    now = _resume_time(start, state.now if state else None)
    kept = state.viewers if state is not None else {}
    viewers = {
        name: replace(kept.get(name, Viewer()), **(viewer_changes or {}).get(name, {}))
        for name in (OWNER, *MEMBERS)
    }
    bot = build_console_bot(settings, now)
    # The models load on the first ML command (TensorFlow, where no LiteRT file serves, ~10 s).
    env = simcord.Env(bot, shard_count=1, check_errors=False, settle_timeout=120)
    world = create_demo_world(env)  # before the bot connects: the same ids in every run
    try:
        if state is not None and state.ids != world.ids():
            raise CliError(
                "this database holds a console world that this version of the simulated Discord "
                "cannot recreate (its ids differ): use a new --database file"
            )
        await forget_synced_commands(bot.db)
        with quiet_native_stderr():
            await env.start()
            with env.time_context():
                try:
                    return await _run_session(
                        env,
                        world,
                        resumed=state is not None,
                        out_dir=out_dir,
                        script=script,
                        viewers=viewers,
                        raw=raw,
                        write=write,
                    )
                except asyncio.CancelledError:  # Ctrl-C (the world is saved by now)
                    exit_at_once(130)
                finally:
                    await env.shutdown()
    finally:
        await bot.db.close()


async def _run_session(
    env: simcord.Env,
    world: DemoWorld,
    *,
    resumed: bool,
    out_dir: Path,
    script: list[str] | None,
    viewers: Mapping[str, Viewer] | None,
    raw: bool,
    write: Callable[[str], None],
) -> int:
    """Print what the bot does for each line; save the world whatever happens."""
    bot = env.bot
    assert isinstance(bot, AiclubBot)
    scheduler = bot.scheduler
    assert isinstance(scheduler, SimulatedScheduler)
    # SimCord's clock starts at 2026-01-01: bring it to the bot's time (message times and ids).
    lag = bot.clock.now() + (_RESUME_GAP if resumed else timedelta()) - env.now()
    if lag > timedelta():
        await env.advance_time(lag.total_seconds())
    scheduler.on_move = lambda delta: env.advance_time(delta.total_seconds())
    session = ConsoleSession(env, bot, world, out_dir, write, viewers=viewers, raw=raw)
    write(
        f"aiclub console: guild {session.guild.name} with #{', #'.join(session.channels)}; "
        f"members @{', @'.join(session.actors)}; now {bot.clock.now():%Y-%m-%d %H:%M} UTC"
        + (" (resumed)" if resumed else "")
    )
    lines = _iterate(script) if script is not None else stdin_lines(sys.stdin.isatty())
    # aclosing: Ctrl-C during a command still restores the terminal and keeps the history
    async with contextlib.aclosing(lines):
        with member_locales(session.locale_of):
            try:
                async for line in lines:
                    try:
                        command = parse_line(line)
                    except ConsoleSyntaxError as exc:
                        write(f"error: {exc}")
                        continue
                    if command is not None and not await session.execute(command):
                        break
            finally:
                await save_world(bot.db, world, bot.clock.now(), session.viewers)
    return 1 if session.unhandled_errors else 0
