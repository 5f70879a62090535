"""Settings: defaults, normalization, and one clear line with exit code 2 for bad values."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings, redact_database_url

BAD_VALUES = [
    ("AICLUB_DATABASE_URL", "mysql://localhost/x", "unsupported database 'mysql'"),
    ("AICLUB_DATABASE_URL", "::not a url::", "not a database URL"),
    ("AICLUB_DATABASE_URL", "postgresql:///nohost", "needs a host"),
    ("AICLUB_DEV_GUILD_ID", "abc", "AICLUB_DEV_GUILD_ID: must be a Discord server id"),
    ("AICLUB_DEV_GUILD_ID", "12.5", "AICLUB_DEV_GUILD_ID"),
    ("AICLUB_LOG_LEVEL", "LOUD", "AICLUB_LOG_LEVEL: must be one of"),
]


def test_defaults_use_an_sqlite_file_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AICLUB_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("aiclub/aiclub.db")
    assert settings.log_level == "INFO"
    assert settings.models_dir.name == "models"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sqlite:///tmp/a.db", "sqlite+aiosqlite:///tmp/a.db"),
        ("postgresql://u@127.0.0.1/db", "postgresql+asyncpg://u@127.0.0.1/db"),
        ("postgres://u@127.0.0.1/db", "postgresql+asyncpg://u@127.0.0.1/db"),
    ],
)
def test_database_urls_map_to_async_drivers(raw: str, expected: str) -> None:
    assert load_settings(database_url=raw).database_url == expected


def test_env_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICLUB_DEV_GUILD_ID", "123456789012345678")
    monkeypatch.setenv("AICLUB_LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(("var", "value", "message"), BAD_VALUES)
def test_bad_values_raise_one_line(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, message: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("var", "value", "message"), BAD_VALUES[::2])
def test_bad_values_exit_2_with_one_line_and_no_traceback(
    tmp_path, var: str, value: str, message: str
) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), var: value}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_token_never_appears_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "MTIzNDU2Nzg5.secret-token-value"
    monkeypatch.setenv("AICLUB_DISCORD_TOKEN", secret)
    monkeypatch.setenv("AICLUB_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert secret not in str(info.value)
    settings = load_settings(log_level="INFO")
    assert secret not in repr(settings) and secret not in str(settings.model_dump())


@pytest.mark.parametrize(
    "raw",
    [
        "postgresql://aiclub:hunter2-secret@db.example.com:5432/aiclub",
        "postgresql://aiclub@db.example.com/aiclub?password=hunter2-secret",
        "postgresql://aiclub@db.example.com/aiclub?sslpassword=hunter2-secret&sslmode=require",
    ],
)
def test_the_database_password_never_appears_in_a_repr(
    raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(database_url=raw)
    assert "hunter2-secret" in settings.database_url  # what the engine connects with
    shown = [repr(settings), str(settings), str(settings.model_dump()), settings.model_dump_json()]
    for text in shown:
        assert "hunter2-secret" not in text
        assert "db.example.com" in text and "***" in text
    caplog.set_level("INFO")
    logging.getLogger("aiclub.test").info("settings: %s / %r", settings, settings)
    assert "hunter2-secret" not in caplog.text


def test_redaction_keeps_what_helps_debugging() -> None:
    assert (
        redact_database_url("postgresql+asyncpg://u:p@h:5432/d?sslmode=require")
        == "postgresql+asyncpg://u:***@h:5432/d?sslmode=require"
    )
    assert redact_database_url("sqlite+aiosqlite:///tmp/a.db") == "sqlite+aiosqlite:///tmp/a.db"
    assert redact_database_url("::not a url:: p4ss") == "***"
