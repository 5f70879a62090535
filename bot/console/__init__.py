"""`aiclub console`: the local simulated guild, one command per line (see README)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
)
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
from bot.console.web import WebPage
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


async def _iterate(
    lines: list[str], then: AsyncIterator[str] | None = None
) -> AsyncGenerator[str, None]:
    for line in lines:
        yield line
    if then is not None:
        async for line in then:
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
    web_port: int | None = None,
    write: Callable[[str], None] = print,
) -> int:
    """Run the simulated guild over ``script`` (or stdin); 1 if the bot raised unhandled errors.

    With ``web_port`` (0: any free port) the guild is also served as a web page on 127.0.0.1
    (bot.console.web): the script's lines run, then stdin's, until the page ends the session.

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
                        web_port=web_port,
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
    web_port: int | None,
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
    assert bot.user is not None
    await bot.user.edit(username="aiclub")  # SimCord names every bot TestBot
    session = ConsoleSession(env, bot, world, out_dir, write, viewers=viewers, raw=raw)
    write(
        f"aiclub console: guild {session.guild.name} with #{', #'.join(session.channels)}; "
        f"members @{', @'.join(session.actors)}; now {bot.clock.now():%Y-%m-%d %H:%M} UTC"
        + (" (resumed)" if resumed else "")
    )
    typed = stdin_lines(sys.stdin.isatty())
    # on the web, the terminal takes lines after the script's
    lines = typed if script is None else _iterate(script, typed if web_port is not None else None)
    with member_locales(session.locale_of):
        try:
            if web_port is None:
                await _read(lines, session, write)
            else:
                await _serve(env, session, web_port, lines, write)
        finally:
            await save_world(bot.db, world, bot.clock.now(), session.viewers)
    return 1 if session.unhandled_errors else 0


async def _serve(
    env: simcord.Env,
    session: ConsoleSession,
    port: int,
    lines: AsyncGenerator[str, None],
    write: Callable[[str], None],
) -> None:
    """Serve the page while the lines run, until they end or the page ends the session."""
    page = WebPage(env, list(session.actors.values()), port=port, write=write)
    session.page = page
    try:
        await session.show(session.shown)
        write(
            "The terminal still takes console lines (:channel #events shows another channel); "
            "Ctrl-C, or End preview session on the page, ends the session."
        )
        if await _first_of(_read(lines, session, write), page.wait_ended()) == 1:
            write("The page ended the session.")
    finally:
        await page.close()


async def _read(
    lines: AsyncGenerator[str, None], session: ConsoleSession, write: Callable[[str], None]
) -> None:
    """Run each line until the end of input or :quit."""
    # aclosing: Ctrl-C during a command still restores the terminal and keeps the history
    async with contextlib.aclosing(lines):
        async for line in lines:
            try:
                command = parse_line(line)
            except ConsoleSyntaxError as exc:
                write(f"error: {exc}")
                continue
            if command is not None and not await session.execute(command):
                break


async def _first_of(*work: Awaitable[None]) -> int:
    """Run ``work`` until one finishes (its error raised), cancel the rest; which one it was."""
    tasks = [asyncio.ensure_future(item) for item in work]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    first = next(task for task in tasks if task in done)
    first.result()
    return tasks.index(first)
