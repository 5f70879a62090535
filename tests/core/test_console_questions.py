"""The console flow of the daily question: configure, advance to the post, answer, rank."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_console_script

SCRIPT = """\
/config daily channel:#daily-question time:09:00 timezone:UTC
:advance 1h
:in
@alice /answer text:"Use L2 regularization and dropout. Stop early when the validation loss rises."
@bob /answer text:"Add more data."
@bob /answer text:"Second try."
/leaderboard
:advance 1d
"""


def test_configure_post_answer_and_leaderboard(tmp_path: Path) -> None:
    out = run_console_script(tmp_path, SCRIPT)
    assert "Channel\n  ┃   #daily-question" in out
    assert "advanced to 2026-12-01 09:00 UTC" in out
    (channels,) = (line for line in out.splitlines() if line.startswith("channels: "))
    assert len(channels.split(", #")) == 4  # the question's discussion thread too
    assert "#daily-question aiclub\n  ┃ 📘 Daily interview question" in out
    assert "[Answer]" in out
    assert out.count("┃ Score: ") == 3
    assert "You already answered this question" in out
    board = out[out.index("🏆 Leaderboard") :]
    assert "@alice" in board and "@bob" in board
    # the closed post links to the reveal in the thread, shown as Discord shows a message link
    assert "discord.com/channels" not in out and " › message #" in out
