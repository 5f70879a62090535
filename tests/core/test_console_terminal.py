"""The interactive console: line editing and history, Ctrl-C at the prompt, a quiet stderr."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.console.terminal import quiet_native_stderr

UP = b"\x1b[A"
CTRL_C = b"\x03"


class Terminal:
    """`aiclub console` on a pseudo-terminal, as a person at a keyboard runs it."""

    def __init__(self, data_home: Path) -> None:
        env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
        command = [sys.executable, "-m", "bot.cli", "console", "--start", "2026-12-01T08:00Z"]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes the console
            # as at a keyboard, Ctrl-C interrupts: a suite started in the background (SIGINT
            # ignored, which children inherit) must not leave the console deaf to it
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execve(sys.executable, command, env)
        self.output = b""

    def read_until(self, text: bytes, count: int = 1) -> None:
        """Read until ``text`` was printed ``count`` times (a hang fails after 5 minutes)."""
        give_up = time.monotonic() + 300
        while self.output.count(text) < count:
            assert time.monotonic() < give_up, self.output.decode(errors="replace")
            if select.select([self.fd], [], [], 1)[0]:
                self.output += os.read(self.fd, 4096)

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def exit_code(self) -> int:
        """Read what is left until the console ends (a hang fails after 5 minutes); its code."""
        give_up = time.monotonic() + 300
        while True:
            assert time.monotonic() < give_up, self.output.decode(errors="replace")
            if not select.select([self.fd], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # EIO: the console closed the terminal
                break
            if not chunk:
                break
            self.output += chunk
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as on Linux")
def test_history_and_ctrl_c_at_the_prompt(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.read_until(b"aiclub> ")
    terminal.type(b":now\r")
    terminal.read_until(b"now: 2026-12-01 08:00:00 UTC")
    terminal.read_until(b"aiclub> ", 2)
    terminal.type(UP + b"\r")  # the previous line again, not ^[[A
    terminal.read_until(b"now: 2026-12-01 08:00:00 UTC", 2)
    terminal.read_until(b"aiclub> ", 3)
    terminal.type(CTRL_C)  # stops now, not at the next Enter
    assert terminal.exit_code() == 130
    assert b"^[[A" not in terminal.output and b"unknown input" not in terminal.output
    history = (tmp_path / "aiclub" / "console_history").read_text()
    assert ":now" in history


def test_native_library_noise_never_reaches_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with quiet_native_stderr():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are ")
        os.write(2, b"written to STDERR\n")
        os.write(2, b"I0000 00:00:1795965162.353579   10244 port.cc:153] oneDNN custom ops\n")
        os.write(2, b"2024-01-05 10:00:00.123456: I tensorflow/core/util/port.cc:113] oneDNN\n")
        os.write(2, b"a real problem\n")
    assert capfd.readouterr().err == "a real problem\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as on Linux")
def test_ctrl_c_during_a_command_stops_and_keeps_the_history(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.read_until(b"aiclub> ")
    terminal.type(b"/gan sample count:4\r")
    terminal.read_until(b"/gan sample count:4\r\n")  # echoed: TensorFlow starts loading
    terminal.type(CTRL_C)  # without waiting for TensorFlow (seconds) to finish loading
    assert terminal.exit_code() == 130
    assert b"oneDNN" not in terminal.output and b"absl" not in terminal.output
    assert "/gan sample count:4" in (tmp_path / "aiclub" / "console_history").read_text()
