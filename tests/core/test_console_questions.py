"""The console flow of the daily question: configure, advance to the post, answer, rank."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """\
/config daily channel:#daily-question time:09:00 timezone:UTC
:advance 1h
@alice /answer text:"Use L2 regularization and dropout. Stop early when the validation loss rises."
@bob /answer text:"Add more data."
@bob /answer text:"Second try."
/leaderboard
"""


def test_configure_post_answer_and_leaderboard(tmp_path: Path) -> None:
    script = tmp_path / "daily.txt"
    script.write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", "--script", str(script),
         "--out", str(tmp_path / "out"), "--start", "2026-12-01T08:00Z"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Channel\n  ┃   #daily-question" in out
    assert "advanced to 2026-12-01 09:00 UTC" in out
    assert "#daily-question aiclub\n  ┃ 📘 Daily interview question" in out
    assert "[Answer]" in out
    assert out.count("┃ Score: ") == 3
    assert "You already answered this question" in out
    board = out[out.index("🏆 Leaderboard"):]
    assert "@alice" in board and "@bob" in board
