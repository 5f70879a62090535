"""`aiclub console`: line parsing, the transcript and the exit code."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.console.script import (
    Advance,
    Choose,
    Click,
    ConsoleSyntaxError,
    In,
    Now,
    Quit,
    SetLocale,
    SetTimezone,
    Slash,
    Submit,
    parse_duration,
    parse_line,
)
from tests.helpers import run_console_script


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/help", Slash(None, "help", {})),
        ("/help    # runs as admin", Slash(None, "help", {})),
        (
            '@alice /answer text:"Use dropout and L2"',
            Slash("alice", "answer", {"text": "Use dropout and L2"}),
        ),
        (
            "/gan sample count:16 digit:7 seed:42",
            Slash(None, "gan sample", {"count": "16", "digit": "7", "seed": "42"}),
        ),
        (
            "/cnn predict image:path/to/digit.png",
            Slash(None, "cnn predict", {"image": "path/to/digit.png"}),
        ),
        ("@bob :click 12 Going", Click("bob", 12, "Going")),
        ("@bob :click 3 Not going", Click("bob", 3, "Not going")),
        ("@carol :submit answer:hello", Submit("carol", {"answer": "hello"})),
        ("@bob :select 4 a,c", Choose("bob", 4, ("a", "c"))),
        (":advance 1d6h", Advance(timedelta(days=1, hours=6))),
        (":now", Now()),
        (":quit", Quit()),
        (":locale @bob zh-CN", SetLocale("bob", "zh-CN")),
        ("@bob :locale zh-cn", SetLocale("bob", "zh-CN")),
        (":timezone @alice Asia/Shanghai", SetTimezone("alice", "Asia/Shanghai")),
        (":in #events   # from now on", In("events")),
        (":in", In(None)),
        (":in #Discussion 2026-12-01", In("Discussion 2026-12-01")),
        ("@bob :click #12 Going", Click("bob", 12, "Going")),
        ("", None),
        ("   # only a comment", None),
    ],
)
def test_lines_parse(line: str, expected: object) -> None:
    assert parse_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        '/answer text:"unclosed',
        "@alice",
        ":advance",
        ":advance soon",
        ":click x Going",
        ":bogus",
        "@alice :now",
        ":select 4",
        ":select x a",
        "/x a:1 a:2",
        ":locale bob zh-CN",
        ":locale @bob",
        ":locale @bob xx-YY",
        ":timezone @bob Mars/Base",
        ":in #",
    ],
)
def test_bad_lines_raise_a_readable_error(line: str) -> None:
    with pytest.raises(ConsoleSyntaxError):
        parse_line(line)


def test_durations() -> None:
    assert parse_duration("2w") == timedelta(weeks=2)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("1d 6h 30m 5s") == timedelta(days=1, hours=6, minutes=30, seconds=5)
    for bad in ("", "0m", "5x", "h"):
        with pytest.raises(ConsoleSyntaxError):
            parse_duration(bad)


SCRIPT = """\
/help                       # runs as admin
@alice /about
@alice /config show
/config language language:zh
/config show
/nope
/config language language:fr
:now
:advance 1d6h
:now
@zed /help
:bogus
:quit
/help
"""


def test_console_script_transcript_and_exit_code(tmp_path: Path) -> None:
    out = run_console_script(tmp_path, SCRIPT)
    assert out.startswith(
        "aiclub console: guild aiclub-demo with #general, #daily-question, #events"
    )
    assert "#1 #general aiclub (only you)" in out
    assert "aiclub — practise AI/ML together" in out
    assert "#2 #general aiclub (only you)" in out and "About aiclub" in out
    assert "error: Command '/config' is not visible to this user here" in out
    assert "Done: I will now speak **中文**" in out
    assert "中文 (Chinese)" in out
    assert "error: unknown command /nope" in out
    assert "error: option language: choose one of en, zh" in out
    assert "now: 2026-12-01 08:00:00 UTC" in out
    assert "advanced to 2026-12-02 14:00 UTC" in out
    assert "now: 2026-12-02 14:00:00 UTC" in out
    assert "error: unknown member @zed" in out
    assert "error: unknown input ':bogus'" in out
    assert out.count("aiclub — practise AI/ML together") == 1  # nothing runs after :quit
    assert "#5" not in out


def test_console_missing_script_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", "--script", str(tmp_path / "none.txt")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "cannot read script" in result.stderr
