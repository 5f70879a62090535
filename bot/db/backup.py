"""Data safety: `aiclub db backup`, `aiclub db export` and `aiclub db import`.

**Backup** makes a consistent copy of the live database (the bot may keep running):

- SQLite: the online backup API (``sqlite3.Connection.backup``), so what is still in the WAL
  file is included; the copy is one self-contained file (journal mode DELETE) checked with
  ``PRAGMA quick_check``. Restore: stop the bot, put the file in place of the database.
- PostgreSQL: ``pg_dump --format=custom`` when ``pg_dump`` is on PATH (restore with
  ``pg_restore``). Without it the backup falls back to a JSON Lines export (below) and says so.

**Export format** (JSON Lines, UTF-8, optionally gzip-compressed when the name ends in ``.gz``),
version ``FORMAT_VERSION``. Every line is one JSON value:

1. a header object: ``{"format": "aiclub-export", "version": 1, "revision": "0007",
   "source": "sqlite", "exported_at": "2026-12-01T08:00:00+00:00", "tables": [...]}``;
2. per table, in foreign-key order: ``{"table": NAME, "columns": [...]}`` (column names in
   alphabetical order), then one JSON array per row in that column order, sorted by primary key
   (strings in code-point order), then ``{"end": NAME, "rows": N, "sha256": HEX}`` where the
   hash covers the table's row lines exactly as written (each with its ``\\n``);
3. a last line ``{"complete": true, "tables": T, "rows": R}`` (a file without it is incomplete).

Values: ``null``, booleans, integers (snowflakes included, never rounded), strings; floats as
JSON numbers written with Python's shortest round-trip ``repr`` (non-finite ones as the strings
``"NaN"``, ``"Infinity"``, ``"-Infinity"``); datetimes ISO 8601 in UTC with their offset
(``2026-12-01T08:00:00.123456+00:00``); dates ``2026-12-01``; decimals as strings; bytes as
base64 strings. Because the rows, columns and values are written the same way from either
backend, the same data exported from SQLite and from PostgreSQL gives the same per-table hashes.

**Import** reads such a file into an empty database migrated to the same revision: the whole
file is checked first (structure, row counts, hashes, every value against its column's type),
then every row is inserted in foreign-key order in one transaction, and PostgreSQL sequences
are moved past the imported ids. Anything wrong raises DataSafetyError with one line, and the
database is left as it was. A hand-edited file imports once its ``sha256`` fields are removed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import hashlib
import json
import math
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Literal

from platformdirs import user_data_dir
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.engine import create_engine, sqlite_path

FORMAT = "aiclub-export"
FORMAT_VERSION = 1
BATCH_ROWS = 500
SQLITE_MAGIC = b"SQLite format 3\x00"
BackupMethod = Literal["sqlite", "pg_dump", "export"]


class DataSafetyError(Exception):
    """A backup, export or import could not be done; one line saying why. Nothing was changed."""


@dataclass(frozen=True)
class TableSummary:
    """One table of an export or import: its name, row count and the hash of its row lines."""

    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class TransferSummary:
    """What an export wrote or an import read."""

    path: Path
    revision: str
    tables: tuple[TableSummary, ...]

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


@dataclass(frozen=True)
class BackupResult:
    """Where a backup went, how it was made and the schema revision it holds."""

    path: Path
    method: BackupMethod
    revision: str | None
    note: str | None = None


# ----------------------------------------------------------------------------- shared helpers


def utc_stamp(now: datetime) -> str:
    """``20261201T080000Z``: a timestamp for file names."""
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def backup_dir_fallback() -> Path:
    """Where backups go when the database's own directory cannot take them."""
    return Path(user_data_dir("aiclub")) / "backups"


def default_backup_path(url: URL, now: datetime, suffix: str) -> Path:
    """A new file name with a UTC timestamp: beside an SQLite file, else in the data dir."""
    path = sqlite_path(url)
    if path is not None:
        real = Path(os.path.realpath(path))
        directory, stem = real.parent, real.stem
        if not os.access(directory, os.W_OK):
            directory = backup_dir_fallback()
    else:
        directory, stem = backup_dir_fallback(), f"aiclub-{url.database}"
    base = f"{stem}-backup-{utc_stamp(now)}"
    candidate = directory / f"{base}{suffix}"
    number = 2
    while candidate.exists():
        candidate = directory / f"{base}-{number}{suffix}"
        number += 1
    return candidate


def _new_file(path: Path) -> Path:
    """Check that ``path`` can be created (it must not exist); create its directory."""
    if path.exists():
        raise DataSafetyError(
            f"{path} already exists; choose a new file name (nothing is overwritten)"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataSafetyError(f"cannot create {path.parent}: {exc.strerror}") from None
    return path


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def _finish(partial: Path, path: Path) -> None:
    """fsync the finished file and move it into place."""
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _existing_sqlite(url: URL) -> Path:
    """The SQLite file behind ``url``; DataSafetyError when it is missing or not SQLite."""
    path = sqlite_path(url)
    if path is None:
        raise DataSafetyError("an in-memory SQLite database cannot be backed up or exported")
    if not path.is_file():
        raise DataSafetyError(f"no SQLite database at {path}")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DataSafetyError(f"cannot read {path}: {exc.strerror}") from None
    if magic and magic != SQLITE_MAGIC:  # an empty file is an empty SQLite database
        raise DataSafetyError(f"{path} is not an SQLite database")
    return path


async def database_revision(connection: AsyncConnection) -> str | None:
    """The Alembic revision of the database (``a,b`` for several heads), None if unmigrated."""
    migrated = await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))
    if not migrated:
        return None
    rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars()
    return ",".join(sorted(rows)) or None


def _reflect(connection: Connection) -> list[Table]:
    """Every table of the database except Alembic's, in foreign-key order (parents first)."""
    metadata = MetaData()
    metadata.reflect(connection)
    return [table for table in metadata.sorted_tables if table.name != "alembic_version"]


def _columns(table: Table) -> list[Column[Any]]:
    return sorted(table.columns, key=lambda column: column.name)


def _line(value: object) -> bytes:
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    ).encode("utf-8")


def _gzipped(path: Path) -> bool:
    return path.name.endswith(".gz")


def _open(path: Path, mode: Literal["rb", "wb"], gzipped: bool) -> IO[bytes]:
    if gzipped:
        return gzip.open(path, mode)  # type: ignore[return-value]
    return path.open(mode)


# ----------------------------------------------------------------------------- values


def encode_value(value: object) -> object:
    """A database value as a JSON-safe value (see the module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):
        return value
    raise TypeError(f"cannot export a {type(value).__name__} value")


_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _to_datetime(naive: bool) -> Callable[[object], datetime]:
    def convert(value: object) -> datetime:
        if not isinstance(value, str):
            raise ValueError("expected an ISO 8601 datetime string")
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("expected a datetime with its UTC offset")
        utc = parsed.astimezone(UTC)
        return utc.replace(tzinfo=None) if naive else utc

    return convert


def _to_date(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError("expected an ISO date string")
    return date.fromisoformat(value)


def _to_time(value: object) -> time:
    if not isinstance(value, str):
        raise ValueError("expected an ISO time string")
    return time.fromisoformat(value)


def _to_float(value: object) -> float:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    return float(value)


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected a decimal number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError("expected a decimal number") from None


def _to_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected an integer")
    return value


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    raise ValueError("expected true or false")


def _to_bytes(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("expected base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise ValueError("expected base64 text") from None


def _to_str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _as_is(value: object) -> object:
    return value


def decoder_for(column: Column[Any]) -> Callable[[object], object]:
    """How a JSON value becomes a value for ``column`` (None always passes: NOT NULL is the
    database's to enforce)."""
    kind = column.type
    if isinstance(kind, DateTime):
        # SQLite keeps naive UTC text; give it naive UTC (what the ORM writes there too)
        return _to_datetime(naive=not kind.timezone)
    if isinstance(kind, Date):
        return _to_date
    if isinstance(kind, Time):
        return _to_time
    if isinstance(kind, Float):
        return _to_float
    if isinstance(kind, Numeric):
        return _to_decimal if kind.asdecimal else _to_float
    if isinstance(kind, Boolean):
        return _to_bool
    if isinstance(kind, Integer):
        return _to_int
    if isinstance(kind, LargeBinary):
        return _to_bytes
    if isinstance(kind, JSON):
        return _as_is
    if isinstance(kind, String):
        return _to_str
    return _as_is


# ----------------------------------------------------------------------------- export


def _order_by(table: Table, dialect: str) -> list[Any]:
    """Primary key order; strings compared by code point on every backend."""
    columns = list(table.primary_key.columns) or _columns(table)
    return [
        column.collate("C")
        if dialect == "postgresql" and isinstance(column.type, String)
        else column
        for column in columns
    ]


async def _begin_snapshot(connection: AsyncConnection) -> AsyncConnection:
    """One consistent read snapshot for every table of the export."""
    if connection.dialect.name == "postgresql":
        connection = await connection.execution_options(isolation_level="REPEATABLE READ")
        await connection.execute(text("SET TRANSACTION READ ONLY"))
    elif connection.dialect.name == "sqlite":
        # the sqlite3 module starts no transaction before a SELECT: each would see its own state
        await connection.exec_driver_sql("BEGIN")
    return connection


async def _write_export(
    connection: AsyncConnection, out: IO[bytes], revision: str, now: datetime
) -> list[TableSummary]:
    tables = await connection.run_sync(_reflect)
    dialect = connection.dialect.name
    out.write(
        _line(
            {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "revision": revision,
                "source": dialect,
                "exported_at": now.astimezone(UTC).isoformat(),
                "tables": [table.name for table in tables],
            }
        )
    )
    summaries: list[TableSummary] = []
    for table in tables:
        columns = _columns(table)
        out.write(_line({"table": table.name, "columns": [column.name for column in columns]}))
        digest, count = hashlib.sha256(), 0
        result = await connection.stream(select(*columns).order_by(*_order_by(table, dialect)))
        async for partition in result.partitions(BATCH_ROWS):
            for row in partition:
                try:
                    line = _line([encode_value(value) for value in row])
                except TypeError as exc:
                    raise DataSafetyError(f"table {table.name}: {exc}") from None
                digest.update(line)
                out.write(line)
                count += 1
        summary = TableSummary(table.name, count, digest.hexdigest())
        out.write(_line({"end": table.name, "rows": count, "sha256": summary.sha256}))
        summaries.append(summary)
    out.write(
        _line({"complete": True, "tables": len(summaries), "rows": sum(s.rows for s in summaries)})
    )
    return summaries


async def export_database(url: str | URL, path: Path, now: datetime) -> TransferSummary:
    """Write every table of the database at ``url`` to ``path`` (a new file) as JSON Lines."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        _existing_sqlite(url)
    path = _new_file(path)
    partial = _partial(path)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            connection = await _begin_snapshot(connection)
            revision = await database_revision(connection)
            if revision is None:
                raise DataSafetyError(
                    "the database is not migrated (no schema revision): nothing to export"
                )
            with _open(partial, "wb", _gzipped(path)) as out:
                tables = await _write_export(connection, out, revision, now)
            await connection.rollback()
        _finish(partial, path)
    finally:
        partial.unlink(missing_ok=True)
        await engine.dispose()
    return TransferSummary(path, revision, tuple(tables))


# ----------------------------------------------------------------------------- import


@dataclass
class _TablePlan:
    """Where a table's rows start in the file and how to decode them."""

    table: Table
    names: list[str]
    decoders: list[Callable[[object], object]]
    offset: int = 0
    first_line: int = 0
    rows: int = 0
    sha256: str = ""


@dataclass
class _Header:
    revision: str
    tables: list[str]
    source: str = ""


@dataclass
class _Reader:
    """Line-by-line reading of an export with positions, for errors that name the line."""

    path: Path
    handle: IO[bytes]
    number: int = 0

    def next(self) -> tuple[int, bytes] | None:
        offset = self.handle.tell()
        raw = self.handle.readline()
        if not raw:
            return None
        self.number += 1
        return offset, raw

    def error(self, message: str) -> DataSafetyError:
        return DataSafetyError(f"{self.path}:{self.number}: {message}")

    def parse(self, raw: bytes) -> Any:
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise self.error("not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise self.error(f"not a JSON line ({exc.msg})") from None


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[_Reader]:
    try:
        handle = _open(path, "rb", _gzipped(path))
    except OSError as exc:
        raise DataSafetyError(f"cannot read {path}: {exc.strerror}") from None
    try:
        yield _Reader(path, handle)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataSafetyError(
            f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    finally:
        handle.close()


def read_header(path: Path) -> _Header:
    """The header of an export; DataSafetyError for anything that is not one we can read."""
    if not path.is_file():
        raise DataSafetyError(f"no export file at {path}")
    with _reading(path) as reader:
        first = reader.next()
        if first is None:
            raise DataSafetyError(f"{path} is empty, not an aiclub export")
        try:
            header = reader.parse(first[1])
        except DataSafetyError:
            raise DataSafetyError(f"{path} is not an aiclub export (line 1 is not JSON)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DataSafetyError(f"{path} is not an aiclub export (no aiclub-export header)")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise DataSafetyError(f"{path}: the header has no valid format version")
    if version > FORMAT_VERSION:
        raise DataSafetyError(
            f"{path} is in export format {version}, newer than this aiclub reads "
            f"({FORMAT_VERSION}); import it with a newer aiclub"
        )
    revision, tables = header.get("revision"), header.get("tables")
    if not isinstance(revision, str) or not revision:
        raise DataSafetyError(f"{path}: the header names no schema revision")
    if not isinstance(tables, list) or not all(isinstance(name, str) for name in tables):
        raise DataSafetyError(f"{path}: the header has no list of tables")
    return _Header(revision, tables, str(header.get("source", "")))


def _plan_tables(path: Path, header: _Header, tables: list[Table]) -> dict[str, _TablePlan]:
    """Check the file's tables against the database's; a decoding plan per table."""
    by_name = {table.name: table for table in tables}
    if len(set(header.tables)) != len(header.tables):
        raise DataSafetyError(f"{path}: the header lists a table twice")
    missing = sorted(set(by_name) - set(header.tables))
    extra = sorted(set(header.tables) - set(by_name))
    if extra:
        raise DataSafetyError(f"{path} has table {extra[0]}, which the database does not have")
    if missing:
        raise DataSafetyError(f"{path} has no table {missing[0]}, which the database has")
    return {table.name: _TablePlan(table, [], []) for table in tables}  # see _check_table


def _check_file(path: Path, plans: dict[str, _TablePlan]) -> None:
    """Read the whole file once: structure, counts, hashes and every value (nothing inserted)."""
    with _reading(path) as reader:
        reader.next()  # the header, already read
        seen: set[str] = set()
        total = 0
        while True:
            item = reader.next()
            if item is None:
                raise reader.error("the file ends early: the export is incomplete")
            _, raw = item
            if not raw.strip():
                continue
            line = reader.parse(raw)
            if isinstance(line, dict) and line.get("complete") is True:
                if line.get("tables") != len(seen) or line.get("rows") != total:
                    raise reader.error("the last line's totals do not match the file")
                break
            if not isinstance(line, dict) or not isinstance(line.get("table"), str):
                raise reader.error('expected a table line {"table": ..., "columns": [...]}')
            name = line["table"]
            if name not in plans:
                raise reader.error(f"table {name} is not in the header")
            if name in seen:
                raise reader.error(f"table {name} appears twice")
            seen.add(name)
            total += _check_table(reader, plans[name], line)
        while (rest := reader.next()) is not None:
            if rest[1].strip():
                raise reader.error("unexpected data after the last line")
    absent = sorted(set(plans) - seen)
    if absent:
        raise DataSafetyError(f"{path}: table {absent[0]} is in the header but not in the file")


def _check_table(reader: _Reader, plan: _TablePlan, line: dict[str, Any]) -> int:
    names = line.get("columns")
    table = plan.table
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise reader.error(f"table {table.name}: no list of columns")
    if len(set(names)) != len(names):
        raise reader.error(f"table {table.name}: a column is listed twice")
    known = set(table.columns.keys())
    if set(names) != known:
        odd = sorted(set(names) - known) or sorted(known - set(names))
        raise reader.error(
            f"table {table.name}: the columns differ from the database's (column {odd[0]})"
        )
    plan.names = names
    plan.decoders = [decoder_for(table.columns[name]) for name in names]
    digest, count = hashlib.sha256(), 0
    while True:
        item = reader.next()
        if item is None:
            raise reader.error(f"the file ends inside table {table.name}: the export is incomplete")
        offset, raw = item
        if raw.lstrip().startswith(b"["):
            if count == 0:
                plan.offset, plan.first_line = offset, reader.number
            _decode_row(reader, plan, reader.parse(raw))
            digest.update(raw)
            count += 1
            continue
        end = reader.parse(raw)
        if not isinstance(end, dict) or end.get("end") != table.name:
            raise reader.error(f"expected a row of {table.name} or its end line")
        if end.get("rows") != count:
            raise reader.error(
                f"table {table.name}: {count} rows, but its end line says {end.get('rows')}"
            )
        expected = end.get("sha256")
        if expected is not None and expected != digest.hexdigest():
            raise reader.error(
                f"table {table.name}: the rows do not match their sha256 (a damaged or edited "
                "file; remove the sha256 fields to import an edited one)"
            )
        plan.rows, plan.sha256 = count, digest.hexdigest()
        return count


def _decode_row(reader: _Reader, plan: _TablePlan, row: object) -> dict[str, object]:
    if not isinstance(row, list) or len(row) != len(plan.names):
        raise reader.error(f"table {plan.table.name}: a row must be a list of {len(plan.names)}")
    values: dict[str, object] = {}
    for name, decode, value in zip(plan.names, plan.decoders, row, strict=True):
        if value is None:
            values[name] = None
            continue
        try:
            values[name] = decode(value)
        except ValueError as exc:
            message = str(exc).splitlines()[0] if str(exc) else "bad value"
            raise reader.error(f"{plan.table.name}.{name}: {message}") from None
    return values


def _rows(path: Path, plan: _TablePlan) -> Iterator[list[dict[str, object]]]:
    """The (already checked) rows of one table, decoded, in batches."""
    if plan.rows == 0:
        return
    with _reading(path) as reader:
        reader.handle.seek(plan.offset)
        reader.number = plan.first_line - 1
        batch: list[dict[str, object]] = []
        for _ in range(plan.rows):
            item = reader.next()
            if item is None:
                raise reader.error("the file changed while it was imported")
            batch.append(_decode_row(reader, plan, reader.parse(item[1])))
            if len(batch) == BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch


async def _first_table_with_rows(connection: AsyncConnection, tables: list[Table]) -> str | None:
    for table in tables:
        if await connection.scalar(select(literal(1)).select_from(table).limit(1)) is not None:
            return table.name
    return None


async def _reset_sequences(connection: AsyncConnection, tables: list[Table]) -> None:
    """Move each serial/identity sequence past the largest imported id (PostgreSQL)."""
    preparer = connection.dialect.identifier_preparer
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = await connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": preparer.format_table(table), "column": column.name},
            )
            if sequence is None:
                continue
            quoted_table, quoted_column = preparer.format_table(table), preparer.quote(column.name)
            await connection.execute(
                text(
                    f"SELECT setval(CAST(:sequence AS regclass), "
                    f"GREATEST(COALESCE(MAX({quoted_column}), 0), 0) + 1, false) "
                    f"FROM {quoted_table}"
                ),
                {"sequence": sequence},
            )


async def import_database(url: str | URL, path: Path) -> TransferSummary:
    """Load an export into the empty database at ``url`` (same revision), in one transaction."""
    url = make_url(url)
    header = read_header(path)
    if url.get_backend_name() == "sqlite":
        _existing_sqlite(url)  # never create a new file: it would not be migrated
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            revision = await database_revision(connection)
            if revision is None:
                raise DataSafetyError(
                    f"the database is not migrated: run `aiclub db upgrade {header.revision}` "
                    "on it first"
                )
            if revision != header.revision:
                raise DataSafetyError(
                    f"{path} is at schema revision {header.revision}, the database at "
                    f"{revision}: migrate an empty database to {header.revision} first"
                )
            tables = await connection.run_sync(_reflect)
            await connection.rollback()
            plans = _plan_tables(path, header, tables)
            await asyncio.to_thread(_check_file, path, plans)
            if connection.dialect.name == "sqlite":
                # take the write lock now, so that the emptiness check and the inserts are one
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
                await connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            busy = await _first_table_with_rows(connection, tables)
            if busy is not None:
                raise DataSafetyError(
                    f"the database is not empty (table {busy} has rows): import into a new, "
                    "empty database"
                )
            try:
                for table in tables:  # foreign-key order, whatever the file's order
                    for batch in _rows(path, plans[table.name]):
                        await connection.execute(table.insert(), batch)
                if connection.dialect.name == "postgresql":
                    await _reset_sequences(connection, tables)
                await connection.commit()
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
                raise DataSafetyError(
                    f"the database refused the rows, nothing was imported: "
                    f"{reason[0] if reason else type(exc).__name__}"
                ) from None
    finally:
        await engine.dispose()
    summaries = tuple(
        TableSummary(t.name, plans[t.name].rows, plans[t.name].sha256) for t in tables
    )
    return TransferSummary(path, header.revision, summaries)


# ----------------------------------------------------------------------------- backup


def _sqlite_backup(source_path: Path, path: Path) -> str | None:
    """Copy the live SQLite database (WAL included) to ``path``; its revision."""
    partial = _partial(path)
    try:
        source = sqlite3.connect(source_path, timeout=30)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                (check,) = copy.execute("PRAGMA quick_check").fetchone()
                if check != "ok":
                    raise DataSafetyError(f"the copy of {source_path} failed its check: {check}")
                try:
                    rows = copy.execute("SELECT version_num FROM alembic_version").fetchall()
                    revision = ",".join(sorted(row[0] for row in rows)) or None
                except sqlite3.OperationalError:
                    revision = None
            finally:
                copy.close()
        finally:
            source.close()
        _finish(partial, path)
    except sqlite3.Error as exc:
        raise DataSafetyError(f"cannot back up {source_path}: {exc}") from None
    except OSError as exc:
        raise DataSafetyError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    return revision


def _pg_environment(url: URL) -> dict[str, str]:
    """libpq variables for ``url`` (the password never goes on a command line)."""
    env = dict(os.environ)
    query = url.query
    host = query.get("host") or url.host
    values = {
        "PGHOST": host if isinstance(host, str) else None,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
        "PGDATABASE": url.database,
    }
    ssl = query.get("sslmode") or query.get("ssl")
    if isinstance(ssl, str):
        values["PGSSLMODE"] = ssl
    env.update({key: value for key, value in values.items() if value})
    return env


def _pg_dump(executable: str, url: URL, path: Path) -> None:
    partial = _partial(path)
    try:
        result = subprocess.run(
            [executable, "--format=custom", "--no-password", f"--file={partial}"],
            env=_pg_environment(url),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            raise DataSafetyError(
                f"pg_dump failed: {lines[0] if lines else f'exit code {result.returncode}'}"
            )
        _finish(partial, path)
    except OSError as exc:
        raise DataSafetyError(f"cannot run pg_dump: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


async def _postgres_revision(url: URL) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await database_revision(connection)
    finally:
        await engine.dispose()


async def backup_database(url: str | URL, path: Path | None, now: datetime) -> BackupResult:
    """A consistent copy of the database at ``url`` in ``path`` (default: a new timestamped
    file beside an SQLite database, or in the per-user data dir)."""
    url = make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        source = _existing_sqlite(url)
        target = _new_file(path or default_backup_path(url, now, ".db"))
        revision = await asyncio.to_thread(_sqlite_backup, source, target)
        return BackupResult(target, "sqlite", revision)
    if backend != "postgresql":
        raise DataSafetyError(f"cannot back up a {backend} database")
    revision = await _postgres_revision(url)  # a clear error when it is unreachable
    executable = shutil.which("pg_dump")
    if executable is not None:
        target = _new_file(path or default_backup_path(url, now, ".dump"))
        await asyncio.to_thread(_pg_dump, executable, url, target)
        return BackupResult(target, "pg_dump", revision)
    target = path or default_backup_path(url, now, ".jsonl.gz")
    summary = await export_database(url, target, now)
    note = (
        "pg_dump is not on PATH, so the backup is a JSON Lines export: restore it with "
        f"`aiclub db upgrade {summary.revision}` on an empty database, then `aiclub db import "
        f"{summary.path}` (install the PostgreSQL client tools for pg_dump backups)"
    )
    return BackupResult(summary.path, "export", summary.revision, note)
