"""The console shows what Discord would: times for each reader, each member's language,
a world kept across runs, commands in any channel, and no TensorFlow noise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EVENT = (
    '/event create title:"Diffusion models" start:"2026-12-04 19:00" duration:90m '
    "where:https://meet.example.com/d\n"
)
START = "2026-12-01T08:00Z"
_HEADER = re.compile(r"^#\d+ (?:#[\w-]+|DM @\w+) aiclub", re.MULTILINE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOT_PROSE = re.compile(
    r"`[^`]*`|https?://\S+|/[a-z]+(?: [a-z]+)?|[@#][\w-]+|\[[^\]]*\]|\S+\.(?:png|gif|ics)"
)


def console(tmp_path: Path, script: str, *options: str) -> subprocess.CompletedProcess[str]:
    """`aiclub console --script` with ``options``; the finished process."""
    path = tmp_path / "script.txt"
    path.write_text(script)
    command = [sys.executable, "-m", "bot.cli", "console", "--script", str(path)]
    command += ["--out", str(tmp_path / "out"), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def transcript(tmp_path: Path, script: str, *options: str) -> str:
    result = console(tmp_path, script, *options)
    assert result.returncode == 0, result.stderr
    return result.stdout


def messages(out: str) -> list[str]:
    """Every printed bot message (header and body)."""
    starts = [m.start() for m in _HEADER.finditer(out)]
    return [out[a:b] for a, b in zip(starts, [*starts[1:], len(out)], strict=True)]


def language(message: str) -> str:
    """'zh' when a message's prose (its body without commands, code, links, names) has more
    Chinese characters than English words, else 'en'."""
    prose = _NOT_PROSE.sub(" ", message.split("\n", 1)[1])
    return "zh" if len(_CJK.findall(prose)) >= len(re.findall(r"[A-Za-z]{2,}", prose)) else "en"


def test_times_show_as_each_reader_sees_them_and_raw_on_request(tmp_path: Path) -> None:
    script = f"""\
/config events channel:#events
{EVENT}:locale @admin zh-CN
:timezone @admin Asia/Shanghai
{EVENT}:locale @admin en-US
:timezone @admin America/New_York
{EVENT}"""
    out = transcript(tmp_path, script, "--start", START)
    utc, shanghai, new_york = (m for m in messages(out) if "Diffusion models" in m)
    assert "Friday, December 4, 2026, 7:00 PM" in utc and "in 3 days" in utc
    assert "2026年12月5日星期六 03:00" in shanghai and "3天后" in shanghai
    assert "Friday, December 4, 2026, 2:00 PM" in new_york
    assert "<t:" not in out

    raw = transcript(tmp_path, script, "--start", START, "--raw")
    assert "<t:1796410800:F>" in raw and "<t:1796410800:R>" in raw
    assert "2026年12月5日" not in raw


def test_a_whole_chinese_session(tmp_path: Path) -> None:
    script = f"""\
:locale @admin zh-CN
:timezone @admin Asia/Shanghai
/help
/about
/config language language:zh
/config daily channel:#daily-question time:09:00 timezone:UTC
/config events channel:#events
/config show
{EVENT}/event list
/question today
:advance 1h
/question today
/answer text:"用 L2 正则化和 dropout，验证损失上升时提前停止。"
/leaderboard
/question practice
/nope
"""
    out = transcript(tmp_path, script, "--start", START)
    assert "admin's Discord language is now zh-CN" in out
    replies = messages(out)
    assert len(replies) >= 12
    for reply in replies:
        assert language(reply) == "zh", reply
    assert "年12月" in out and "<t:" not in out
    assert "error: unknown command /nope" in out  # the console's own lines stay English


def test_per_member_locale_and_bad_lines(tmp_path: Path) -> None:
    script = """\
@bob /help
:locale @bob zh-CN
@bob /help
@carol /help
:locale @zed zh-CN
:locale @bob klingon
:timezone @bob Mars/Base
:in #nowhere
@bob /help
"""
    out = transcript(tmp_path, script, "--start", START, "--locale", "carol=zh-CN")
    bob, bob_zh, carol, bob_again = messages(out)
    assert [language(m) for m in (bob, bob_zh, carol, bob_again)] == ["en", "zh", "zh", "zh"]
    assert "error: unknown member @zed" in out
    assert "error: unknown Discord locale 'klingon'" in out
    assert "error: unknown timezone 'Mars/Base'" in out
    assert "error: no channel #nowhere" in out
    assert bob_again.startswith("#4 #general aiclub (only you)")  # nothing moved


def test_in_runs_commands_in_another_channel_and_tensorflow_stays_quiet(tmp_path: Path) -> None:
    script = """\
:in
:in #events
/help
/gan sample count:4 seed:1
:in #general
/help
"""
    result = console(tmp_path, script, "--start", START)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "channels: #general (here), #daily-question, #events" in out
    assert "commands now run in #events" in out
    headers = [m.split("\n", 1)[0] for m in messages(out)]
    assert headers == [
        "#1 #events aiclub (only you)",
        "#2 #events aiclub",
        "#3 #general aiclub (only you)",
    ]
    assert "[attachment]" in out
    for noise in ("oneDNN", "absl", "I0000", "tensorflow"):
        assert noise not in out and noise not in result.stderr


def test_a_database_file_resumes_the_world(tmp_path: Path) -> None:
    kept = ("--database", str(tmp_path / "club.db"))
    script = """\
/config daily channel:#daily-question time:09:00 timezone:UTC
:advance 3h
:locale @alice zh-CN
"""
    first = transcript(tmp_path, script, *kept, "--start", START)
    assert "advanced to 2026-12-01 11:00 UTC" in first
    second = transcript(tmp_path, ":now\n/config show\n@alice /help\n", *kept)
    assert "now 2026-12-01 11:00 UTC (resumed)" in second
    assert "now: 2026-12-01 11:00:00 UTC" in second
    assert "never synced" not in second and "error:" not in second
    shown, help_ = messages(second)
    assert "#daily-question" in shown and "<#" not in shown  # the same channel id
    assert help_.startswith("#2 #general aiclub (only you)") and language(help_) == "zh"

    later_options = ("--start", "2026-12-05T08:00Z", "--locale", "alice=en-US")
    later = transcript(tmp_path, ":now\n@alice /help\n", *kept, *later_options)
    assert "now: 2026-12-05 08:00:00 UTC" in later
    (help_,) = messages(later)
    assert language(help_) == "en"

    back = console(tmp_path, ":now\n", *kept, "--start", START)
    assert back.returncode == 2 and back.stdout == ""
    assert back.stderr.count("\n") == 1
    assert "is before this database's simulated time" in back.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--locale", "zed=zh-CN"), "no member @zed"),
        (("--locale", "alice=klingon"), "unknown Discord locale"),
        (("--timezone", "alice=Mars/Base"), "unknown timezone"),
        (("--database", "/nonexistent/folder/club.db"), "folder that does not exist"),
        (("--start", "soon"), "use ISO format"),
    ],
)
def test_bad_options_are_one_line_and_a_non_zero_exit(
    tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    result = console(tmp_path, "/help\n", *options)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_a_file_that_is_not_a_database_is_one_line_and_stays_as_it_was(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    result = console(tmp_path, "/help\n", "--database", str(notes))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "file is not a database" in result.stderr
    assert notes.read_text() == "not a database\n"
