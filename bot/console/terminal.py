"""The console's terminal: input lines (readline when interactive) and a quiet stderr.

Lines are read on a daemon thread, one per request, so Ctrl-C (which cancels the main task)
stops the console at once instead of at the next Enter; the terminal's settings are put back
as they were. Native libraries write to file descriptor 2 directly (TensorFlow's oneDNN and
absl lines at its first import, LiteRT's delegate line), so stderr is filtered at that level.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import threading
from collections.abc import AsyncGenerator, Iterator
from pathlib import Path
from typing import NoReturn

from platformdirs import user_data_dir

PROMPT = "aiclub> "
HISTORY_LENGTH = 1000
NATIVE_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\] "  # absl: I0000 00:00:1795.3 1024 port.cc:153]
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] \S+:\d+\] "  # older TensorFlow
    r"|To enable the following instructions: .*rebuild TensorFlow"
    r"|INFO: Created TensorFlow Lite \S+ delegate for CPU\."  # LiteRT, once per process
)


def history_file() -> Path:
    """Where the interactive console keeps its line history."""
    return Path(user_data_dir("aiclub")) / "console_history"


def _read_line(interactive: bool) -> str:
    if interactive:
        try:
            return input(PROMPT) + "\n"
        except EOFError:
            return ""
    return sys.stdin.readline()


async def stdin_lines(interactive: bool) -> AsyncGenerator[str, None]:
    """Lines from stdin until end of input; with line editing and history when interactive."""
    loop = asyncio.get_running_loop()
    with _line_editing(interactive):
        while True:
            future: asyncio.Future[str] = loop.create_future()

            def read(target: asyncio.Future[str] = future) -> None:
                line, error = None, None
                try:
                    line = _read_line(interactive)
                except Exception as exc:  # handed to the awaiting task
                    error = exc
                with contextlib.suppress(RuntimeError):  # the console's loop ended meanwhile
                    loop.call_soon_threadsafe(_settle, target, line, error)

            threading.Thread(target=read, name="console-input", daemon=True).start()
            line = await future
            if not line:
                return
            yield line


def _settle(future: asyncio.Future[str], line: str | None, error: Exception | None) -> None:
    if future.done():  # cancelled by Ctrl-C meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(line or "")


@contextlib.contextmanager
def _line_editing(interactive: bool) -> Iterator[None]:
    """readline with a history file when interactive; the terminal's settings restored after."""
    if not interactive:
        yield
        return
    import termios

    try:
        import readline
    except ImportError:  # a Python built without readline: plain lines
        readline = None  # type: ignore[assignment]
    saved = termios.tcgetattr(sys.stdin.fileno())
    history = history_file()
    if readline is not None:
        readline.set_history_length(HISTORY_LENGTH)
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
    try:
        yield
    finally:
        print()  # Ctrl-C and Ctrl-D leave the cursor after the prompt
        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
        if readline is not None:
            with contextlib.suppress(OSError):
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(history)


def exit_at_once(code: int) -> NoReturn:
    """End the process now, not after a command still running in a worker thread (TensorFlow
    loading) finishes: committed data and the database locks need no goodbye."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@contextlib.contextmanager
def quiet_native_stderr(noise: re.Pattern[str] = NATIVE_NOISE) -> Iterator[None]:
    """Drop the lines matching ``noise`` from everything written to file descriptor 2."""
    sys.stderr.flush()
    original = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    shown = os.dup(original)

    def pump() -> None:
        with open(read_end, "rb") as pipe, open(shown, "wb", buffering=0) as out:
            for line in pipe:
                if not noise.match(line.decode("utf-8", "replace")):
                    out.write(line)

    thread = threading.Thread(target=pump, name="console-stderr", daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(original, 2)  # closes the pipe's last write end: the pump sees its end
        os.close(original)
        thread.join(timeout=5)
