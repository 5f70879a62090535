"""`aiclub run` (Discord, or the simulated guild without a token) and `aiclub console`."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import discord
from sqlalchemy.exc import SQLAlchemyError

from bot.cliutil import CliError
from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.db.lock import DatabaseLock, DatabaseLockedError
from bot.scheduling import LiveScheduler

log = logging.getLogger(__name__)
T = TypeVar("T")


def settings_or_exit(**overrides: object) -> Settings:
    """Load settings, turning a bad value into a one-line CLI error with exit code 2."""
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        raise CliError(str(exc), exit_code=2) from None


def _parse_start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"--start {text!r}: use ISO format, e.g. 2026-12-01T08:00Z", exit_code=2
        ) from None
    return start if start.tzinfo else start.replace(tzinfo=UTC)


def _parse_port(text: str | None, web: bool) -> int | None:
    """``--port`` for ``--web`` (0: any free port); None without ``--web``."""
    if not web:
        if text is not None:
            raise CliError("--port is the web page's port: add --web", exit_code=2)
        return None
    if text is None:
        return 0
    if not text.isdecimal() or int(text) > 65535:
        raise CliError(
            f"--port {text!r}: give a port number from 1 to 65535 (0: any free port)", exit_code=2
        )
    return int(text)


def _check_web_runtime() -> None:
    from bot.console.web import INSTALL_HINT, web_runtime_missing

    missing = web_runtime_missing()
    if missing:
        raise CliError(
            f"--web needs the web extra ({', '.join(missing)} missing): {INSTALL_HINT}",
            exit_code=2,
        )


def _console_database(text: str) -> str:
    """``--database``: a URL, or an SQLite file (created when missing; kept between runs)."""
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    if path.is_dir() or not path.parent.is_dir():
        reason = "is a folder" if path.is_dir() else "is in a folder that does not exist"
        raise CliError(f"--database {text}: {reason}; give a file such as club.db", exit_code=2)
    return f"sqlite:///{path}"


def console(args: argparse.Namespace) -> int:
    """Run the local simulated guild on a throw-away database unless --database is given."""
    from bot.console import run_console
    from bot.console.script import viewer_options

    try:
        viewer_changes = viewer_options(args.locale, args.timezone)
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from None
    with tempfile.TemporaryDirectory(prefix="aiclub-console-") as tmp:
        url = _console_database(args.database) if args.database else f"sqlite:///{tmp}/console.db"
        # the simulated clock only moves on :advance, so a cooldown would never expire
        settings = settings_or_exit(database_url=url, ml_cooldown_s=0)
        logging.basicConfig(level=settings.log_level if args.verbose else "WARNING")
        script = None
        if args.script:
            try:
                script = Path(args.script).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CliError(f"cannot read script {args.script}: {exc.strerror}") from None
        start = _parse_start(args.start)
        web_port = _parse_port(args.port, args.web)
        if args.web:
            _check_web_runtime()
        return asyncio.run(
            _holding_lock(
                settings,
                lambda: run_console(
                    settings,
                    start=start,
                    out_dir=Path(args.out),
                    script=script,
                    viewer_changes=viewer_changes,
                    raw=args.raw,
                    web_port=web_port,
                    # the page's address must reach a terminal or a pipe at once
                    write=functools.partial(print, flush=True) if args.web else print,
                ),
            )
        )


async def _holding_lock(settings: Settings, main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main()`` holding the database's one-process lock (a file lock beside an SQLite
    file, a session advisory lock on PostgreSQL); a second process is refused with one line."""
    from bot.app import StartupError
    from bot.db.cli import database_error

    lock = DatabaseLock(settings.database)
    try:
        await lock.acquire()
    except DatabaseLockedError as exc:
        raise CliError(str(exc)) from None
    except (SQLAlchemyError, OSError) as exc:
        raise database_error(exc) from None
    try:
        return await main()
    except StartupError as exc:
        raise CliError(str(exc)) from None
    finally:
        await lock.release()


async def _run_discord(settings: Settings) -> None:
    from bot.app import build_bot

    assert settings.discord_token is not None
    bot = build_bot(settings, clock=SystemClock(), scheduler=LiveScheduler())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(settings.discord_token.get_secret_value())


def run(args: argparse.Namespace) -> int:
    """Connect to Discord with AICLUB_DISCORD_TOKEN, or start the simulated guild without it."""
    settings = settings_or_exit()
    if settings.discord_token is None:
        from bot.console.web import INSTALL_HINT, web_runtime_missing

        args.web = args.web or not web_runtime_missing()
        where = (
            "as a web page (its address follows)"
            if args.web
            else f"here ({INSTALL_HINT} to see it as a web page)"
        )
        print(
            f"No AICLUB_DISCORD_TOKEN set: starting the local simulated guild {where}. To connect "
            "to Discord, put AICLUB_DISCORD_TOKEN=<bot token> in .env (see README).",
            file=sys.stderr,
            flush=True,
        )
        return console(args)
    settings.configure_logging()
    try:
        asyncio.run(_holding_lock(settings, lambda: _run_discord(settings)))
    except discord.LoginFailure:
        raise CliError(
            "Discord refused AICLUB_DISCORD_TOKEN: copy the bot token again from the Developer "
            "Portal",
            exit_code=2,
        ) from None
    return 0


def _console_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--script", metavar="FILE", help="read commands from FILE, not stdin")
    parser.add_argument("--out", default="console-out", help="where attachments are written")
    parser.add_argument(
        "--start",
        metavar="ISO",
        help="simulated start time (default: now, or where a --database world stopped)",
    )
    parser.add_argument(
        "--database",
        metavar="FILE",
        help="keep the world in this SQLite file (or database URL) and resume it on the next run "
        "(default: a temporary file)",
    )
    parser.add_argument(
        "--locale",
        action="append",
        default=[],
        metavar="MEMBER=LOCALE",
        help="a member's Discord language, e.g. alice=zh-CN (LOCALE alone: everyone); repeatable",
    )
    parser.add_argument(
        "--timezone",
        action="append",
        default=[],
        metavar="MEMBER=ZONE",
        help="a member's timezone for <t:…> times, e.g. alice=Asia/Shanghai (ZONE alone: "
        "everyone); repeatable",
    )
    parser.add_argument("--raw", action="store_true", help="show <t:…> timestamps as sent")
    parser.add_argument(
        "--web",
        action="store_true",
        help="also serve the guild as a web page on 127.0.0.1 (aiclub run does without a token)",
    )
    parser.add_argument(
        "--port", metavar="PORT", help="the web page's port (default: any free port)"
    )
    parser.add_argument("--verbose", action="store_true", help="show the bot's log")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `run` and `console` verbs."""
    run_parser = subparsers.add_parser(
        "run", help="run the bot (the simulated guild when no token is set)"
    )
    _console_arguments(run_parser)
    run_parser.set_defaults(handler=run)
    console_parser = subparsers.add_parser("console", help="the local simulated guild")
    _console_arguments(console_parser)
    console_parser.set_defaults(handler=console)
