"""`aiclub db upgrade|check|downgrade` on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_upgrade_check_downgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AICLUB_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    assert "database at revision" in capsys.readouterr().out
    assert main(["db", "check"]) == 0
    assert "no drift" in capsys.readouterr().out
    assert main(["db", "downgrade", "base", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "SQLite backup at revision" in out and out.endswith(" to base\n")


def test_an_unreachable_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AICLUB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["db", "check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("aiclub: error: cannot reach the database") and err.count("\n") == 1
