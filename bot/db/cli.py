"""`aiclub db upgrade|check|downgrade`."""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.cliutil import CliError
from bot.db import migrate
from bot.db.engine import create_engine


async def _apply(action: str, revision: str | None) -> str:
    from bot.runner import settings_or_exit

    engine = create_engine(settings_or_exit().database_url)
    try:
        if action == "upgrade":
            await migrate.upgrade(engine, revision or "head")
        elif action == "downgrade":
            await migrate.downgrade(engine, revision or "base")
        else:
            await migrate.check(engine)
        return await migrate.current_revision(engine) or "base"
    finally:
        await engine.dispose()


def _handler(args: argparse.Namespace) -> int:
    try:
        revision = asyncio.run(_apply(args.action, getattr(args, "revision", None)))
    except migrate.SchemaDriftError as exc:
        raise CliError(f"the models and the migrations differ: {exc}") from None
    except (OperationalError, OSError) as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise CliError(f"cannot reach the database: {reason}") from None
    except SQLAlchemyError as exc:
        raise CliError(f"database error: {str(exc).splitlines()[0]}") from None
    print(f"database at revision {revision}" + (": no drift" if args.action == "check" else ""))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `db upgrade`, `db check` and `db downgrade`."""
    db = subparsers.add_parser("db", help="database migrations")
    actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply migrations (default: to head)")
    upgrade.add_argument("revision", nargs="?")
    actions.add_parser("check", help="fail if models and migrations differ")
    downgrade = actions.add_parser("downgrade", help="revert migrations (default: to base)")
    downgrade.add_argument("revision", nargs="?")
    db.set_defaults(handler=_handler)
