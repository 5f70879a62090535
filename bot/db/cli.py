"""`aiclub db upgrade|check|downgrade|backup|export|import`.

Every verb answers bad input (a missing or unreadable file, a wrong revision, a non-empty
target, an unreachable database, a running bot) with one line on stderr and a non-zero exit,
and changes nothing in that case.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from alembic.util.exc import CommandError
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.cliutil import CliError
from bot.db import migrate
from bot.db.backup import (
    BackupResult,
    DataSafetyError,
    TransferSummary,
    backup_database,
    export_database,
    import_database,
)
from bot.db.engine import create_engine, sqlite_path
from bot.db.lock import DatabaseLock, DatabaseLockedError

T = TypeVar("T")


def database_error(exc: BaseException) -> CliError:
    """The one-line CLI error for a database that cannot be reached or refused a statement."""
    if isinstance(exc, OperationalError | OSError):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return CliError(f"cannot reach the database: {reason[0] if reason else type(exc).__name__}")
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return CliError(f"database error: {lines[0] if lines else type(exc).__name__}")


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run one verb's coroutine, turning every expected failure into one line."""
    try:
        return asyncio.run(work)
    except (DataSafetyError, DatabaseLockedError) as exc:
        raise CliError(str(exc)) from None
    except migrate.SchemaDriftError as exc:
        raise CliError(f"the models and the migrations differ: {exc}") from None
    except CommandError as exc:
        raise CliError(f"migration error: {str(exc).splitlines()[0]}") from None
    except (SQLAlchemyError, OSError) as exc:
        raise database_error(exc) from None


def _settings_url() -> URL:
    from bot.runner import settings_or_exit

    return settings_or_exit().database


# ----------------------------------------------------------------------------- upgrade, check


async def _apply(url: URL, action: str, revision: str | None) -> str:
    engine = create_engine(url)
    try:
        if action == "upgrade":
            await migrate.upgrade(engine, revision or "head")
        else:
            await migrate.check(engine)
        return await migrate.current_revision(engine) or "base"
    finally:
        await engine.dispose()


def _migrate(args: argparse.Namespace) -> int:
    revision = _run(_apply(_settings_url(), args.action, getattr(args, "revision", None)))
    print(f"database at revision {revision}" + (": no drift" if args.action == "check" else ""))
    return 0


# ----------------------------------------------------------------------------- downgrade


def _resolve_revision(revision: str) -> str:
    """The full id of ``revision`` (``base`` stays), or a CliError listing the known ones."""
    from alembic.script import ScriptDirectory

    if revision == "base":
        return revision
    script = ScriptDirectory.from_config(migrate.alembic_config())
    try:
        found = script.get_revision(revision)
    except CommandError:
        found = None
    if found is None or isinstance(found, tuple):
        known = ", ".join(["base", *sorted(r.revision for r in script.walk_revisions())])
        raise CliError(f"unknown revision {revision!r} (known: {known}); nothing was changed")
    return found.revision


async def _downgrade(url: URL, target: str, now: datetime) -> tuple[str, str, BackupResult | None]:
    """(revision before, revision after, the backup made first)."""
    from alembic.script import ScriptDirectory

    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise CliError(f"no SQLite database at {path}; nothing to downgrade")
    lock = DatabaseLock(url)
    try:
        await lock.acquire()
    except DatabaseLockedError as exc:
        raise CliError(
            f"a bot is running on {exc.where}{exc.holder}: stop it before downgrading; "
            "nothing was changed"
        ) from None
    engine = create_engine(url)
    try:
        current = await migrate.current_revision(engine)
        if current is None:
            raise CliError("the database is not migrated; nothing to downgrade")
        if target == current:
            return current, current, None
        script = ScriptDirectory.from_config(migrate.alembic_config())
        older = {r.revision for r in script.iterate_revisions(current, "base")} | {"base"}
        if target not in older:
            raise CliError(
                f"revision {target} is not older than the database's ({current}): use "
                f"`aiclub db upgrade {target}` to go forward; nothing was changed"
            )
        backup = await backup_database(url, None, now)
        _print_backup(backup, before="downgrading")
        await migrate.downgrade(engine, target)
        return current, await migrate.current_revision(engine) or "base", backup
    finally:
        await engine.dispose()
        await lock.release()


def _downgrade_handler(args: argparse.Namespace) -> int:
    if not args.revision:
        raise CliError(
            "name the revision to go back to, e.g. `aiclub db downgrade 0005 --yes` (`base` "
            "drops every table); nothing was changed",
            exit_code=2,
        )
    target = _resolve_revision(args.revision)
    if not args.yes:
        raise CliError(
            f"downgrading to {target} deletes the data of every newer table and column (a backup "
            "is made first): add --yes to go ahead; nothing was changed",
            exit_code=2,
        )
    before, after, _ = _run(_downgrade(_settings_url(), target, datetime.now(UTC)))
    if before == after:
        print(f"database already at revision {after}; nothing to do")
    else:
        print(f"database downgraded from revision {before} to {after}")
    return 0


# ------------------------------------------------------------------- backup, export, import


def _print_backup(result: BackupResult, before: str | None = None) -> None:
    if result.note:
        print(f"aiclub: note: {result.note}", file=sys.stderr)
    what = {"sqlite": "SQLite backup", "pg_dump": "pg_dump backup", "export": "backup (export)"}
    revision = result.revision or "none"
    when = f" before {before}" if before else ""
    print(f"{what[result.method]} at revision {revision} written to {result.path}{when}")


def _print_tables(summary: TransferSummary) -> None:
    width = max((len(table.name) for table in summary.tables), default=0)
    for table in summary.tables:
        print(f"  {table.name:<{width}}  {table.rows:>8} rows  sha256 {table.sha256[:16]}")


def _backup_handler(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else None
    _print_backup(_run(backup_database(_settings_url(), path, datetime.now(UTC))))
    return 0


def _export_handler(args: argparse.Namespace) -> int:
    summary = _run(export_database(_settings_url(), Path(args.file), datetime.now(UTC)))
    print(
        f"exported {len(summary.tables)} tables ({summary.rows} rows) at revision "
        f"{summary.revision} to {summary.path}"
    )
    _print_tables(summary)
    return 0


async def _import(url: URL, path: Path) -> TransferSummary:
    lock = DatabaseLock(url)
    try:
        await lock.acquire()
    except DatabaseLockedError as exc:
        raise DataSafetyError(
            f"a bot is running on {exc.where}{exc.holder}: import into a database no bot uses; "
            "nothing was changed"
        ) from None
    try:
        return await import_database(url, path)
    finally:
        await lock.release()


def _import_handler(args: argparse.Namespace) -> int:
    url = _settings_url()
    path = sqlite_path(url)
    if path is not None and not path.exists():
        # checked before the lock, which would create the directory and a lock file
        raise CliError(
            f"no SQLite database at {path}: create it with `aiclub db upgrade REVISION` first"
        )
    summary = _run(_import(url, Path(args.file)))
    print(
        f"imported {len(summary.tables)} tables ({summary.rows} rows) at revision "
        f"{summary.revision} from {summary.path}"
    )
    _print_tables(summary)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `db` verbs."""
    db = subparsers.add_parser("db", help="database migrations, backups, export and import")
    actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply migrations (default: to head)")
    upgrade.add_argument("revision", nargs="?")
    upgrade.set_defaults(handler=_migrate)
    check = actions.add_parser("check", help="fail if models and migrations differ")
    check.set_defaults(handler=_migrate)
    downgrade = actions.add_parser(
        "downgrade", help="revert migrations to REVISION (needs --yes; backs up first)"
    )
    downgrade.add_argument("revision", nargs="?", help="e.g. 0005, or base for none")
    downgrade.add_argument("--yes", action="store_true", help="confirm: newer data is dropped")
    downgrade.set_defaults(handler=_downgrade_handler)
    backup = actions.add_parser(
        "backup", help="a consistent copy (SQLite online backup; pg_dump on PostgreSQL)"
    )
    backup.add_argument("file", nargs="?", metavar="FILE", help="default: a timestamped name")
    backup.set_defaults(handler=_backup_handler)
    export = actions.add_parser("export", help="every table as JSON Lines (FILE.gz: gzipped)")
    export.add_argument("file", metavar="FILE")
    export.set_defaults(handler=_export_handler)
    import_ = actions.add_parser(
        "import", help="load an export into an empty database at the same revision"
    )
    import_.add_argument("file", metavar="FILE")
    import_.set_defaults(handler=_import_handler)
