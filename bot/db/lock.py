"""One process per SQLite file: an exclusive, non-blocking lock on a side file."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class DatabaseLockedError(Exception):
    """Another aiclub process already uses this SQLite file."""


class SqliteProcessLock:
    """Hold ``<db>.lock`` exclusively for the lifetime of the process (released on exit)."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise DatabaseLockedError naming the file and the fix."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseLockedError(
                f"another aiclub process is already using {self.path.with_suffix('')}; stop it "
                "first or point AICLUB_DATABASE_URL at another file"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
