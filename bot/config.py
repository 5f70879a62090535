"""Settings from the environment (prefix ``AICLUB_``) and an optional ``.env`` file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, SupportsInt

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_serializer, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class ConfigError(Exception):
    """A setting is invalid; the message is one line naming the variable and the fix."""


def default_database_url() -> str:
    """An SQLite file in the per-user data directory (the directory is created on demand)."""
    return f"sqlite+aiosqlite:///{Path(user_data_dir('aiclub')) / 'aiclub.db'}"


def normalize_database_url(raw: str) -> str:
    """Validate a database URL and map it to its async driver (aiosqlite or asyncpg)."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ValueError("not a database URL (expected e.g. sqlite:///path/aiclub.db)") from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(
            f"unsupported database '{url.drivername}' (use sqlite:///FILE or postgresql://HOST/DB)"
        )
    if driver.startswith("sqlite") and not url.database:
        raise ValueError("an SQLite URL needs a file path, e.g. sqlite:///data/aiclub.db")
    if driver.startswith("postgresql") and not (url.host or url.query.get("host")):
        raise ValueError("a PostgreSQL URL needs a host, e.g. postgresql://127.0.0.1:5432/aiclub")
    return url.set(drivername=driver).render_as_string(hide_password=False)


REDACTED = "***"
_SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "sslpassword", "sslkey"})


def redact_database_url(raw: str) -> str:
    """The URL with its password (and password-like query values) shown as ``***``.

    Text that is not a URL is redacted whole, as it may be anything.
    """
    try:
        url = make_url(raw)
    except ArgumentError:
        return REDACTED
    query = {
        key: REDACTED if key.lower() in _SECRET_QUERY_KEYS else value
        for key, value in url.query.items()
    }
    shown = url.set(query=query).render_as_string(hide_password=True)
    return shown.replace("%2A%2A%2A", REDACTED)  # the query value, %-encoded by render


class Settings(BaseSettings):
    """Every setting of the bot; see README 'Configuration'."""

    model_config = SettingsConfigDict(
        env_prefix="AICLUB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    discord_token: SecretStr | None = None
    database_url: str = Field(default_factory=default_database_url)
    dev_guild_id: int | None = None
    log_level: LogLevel = "INFO"
    models_dir: Path = PROJECT_ROOT / "data" / "models"
    language: Literal["en", "zh"] = "en"
    # ML inference (bot/ml): background load after ready, TF threads, fair-use limits.
    # ml_preload unset: preload when connected to Discord, load on first use in the console.
    ml_preload: bool | None = None
    ml_intra_op_threads: int = Field(default=2, ge=1, le=64)
    ml_inter_op_threads: int = Field(default=1, ge=1, le=64)
    ml_job_timeout_s: float = Field(default=30.0, gt=0, le=600)
    ml_member_jobs: int = Field(default=2, ge=1, le=100)
    ml_guild_jobs: int = Field(default=6, ge=1, le=1000)
    ml_cooldown_s: float = Field(default=3.0, ge=0, le=3600)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """What repr() and str() show: the database URL without its password (the token
        is a SecretStr, shown as stars)."""
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str):
                value = redact_database_url(value)
            yield name, value

    @field_serializer("database_url")
    def _redact_database_url(self, value: str) -> str:
        """model_dump() and JSON redact the password too; ``settings.database_url`` keeps it."""
        return redact_database_url(value)

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("dev_guild_id", mode="before")
    @classmethod
    def _check_guild_id(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            return None
        if isinstance(value, str) and not value.isdigit():
            raise ValueError("must be a Discord server id (digits only)")
        if isinstance(value, str | SupportsInt) and int(value) <= 0:
            raise ValueError("must be a Discord server id (a positive number)")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @cached_property
    def database(self) -> URL:
        """The parsed database URL."""
        return make_url(self.database_url)

    @property
    def preload_models(self) -> bool:
        """Whether to load the ML models in the background once the bot is ready."""
        return self.ml_preload if self.ml_preload is not None else self.discord_token is not None

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is an embedded SQLite file."""
        return self.database.drivername.startswith("sqlite")

    def configure_logging(self) -> None:
        """Set up root logging at the configured level."""
        logging.basicConfig(
            level=self.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def _describe(error: ErrorDetails) -> str:
    field = str(error["loc"][0]) if error["loc"] else "?"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "literal_error":
        message = f"must be one of {error['ctx']['expected']}"
    elif error["type"] in {"int_parsing", "int_type"} and field == "dev_guild_id":
        message = "must be a Discord server id (digits only)"
    return f"invalid setting AICLUB_{field.upper()}: {message}"


def load_settings(**overrides: Any) -> Settings:
    """Read settings; raise ConfigError with one line per the first invalid value.

    The line names the variable and what is expected, never the value itself (so the token
    can never leak into a log or an error).
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors(include_input=False)[0])) from None
