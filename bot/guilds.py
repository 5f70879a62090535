"""Guild settings: read (the defaults until a change is saved) and update."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import Base
from bot.db.models import GuildSettings
from bot.i18n import LANGUAGES


def default_settings(guild_id: int, now: datetime) -> GuildSettings:
    """A new guild's settings: English, UTC (a transient row, not in any session)."""
    return GuildSettings(
        guild_id=guild_id, language="en", timezone="UTC", created_at=now, updated_at=now
    )


async def read_settings(session: AsyncSession, guild_id: int, now: datetime) -> GuildSettings:
    """The guild's stored settings, or the defaults (not added: reads never write)."""
    return await session.get(GuildSettings, guild_id) or default_settings(guild_id, now)


async def get_settings(session: AsyncSession, guild_id: int, now: datetime) -> GuildSettings:
    """The guild's settings row for a change, created with defaults (and flushed) if it does
    not exist yet."""
    settings = await session.get(GuildSettings, guild_id)
    if settings is None:
        # INSERT … ON CONFLICT DO NOTHING: two first commands in a new guild may race here
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        defaults = default_settings(guild_id, now)
        await session.execute(
            insert(GuildSettings)
            .values(
                guild_id=guild_id,
                language=defaults.language,
                timezone=defaults.timezone,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["guild_id"])
        )
        settings = await session.get(GuildSettings, guild_id)
        assert settings is not None
    return settings


async def set_language(
    session: AsyncSession, guild_id: int, language: str, now: datetime
) -> GuildSettings:
    """Set the guild's language ('en' or 'zh') in the caller's transaction."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    settings = await get_settings(session, guild_id, now)
    settings.language = language
    settings.updated_at = now
    return settings


ConfigT = TypeVar("ConfigT", bound=Base)
DefaultConfig = Callable[[int, datetime], ConfigT]


async def read_config(
    session: AsyncSession,
    model: type[ConfigT],
    guild_id: int,
    now: datetime,
    default: DefaultConfig[ConfigT],
) -> ConfigT:
    """A guild's settings row of ``model``, or ``default`` (not added: reads never write)."""
    return await session.get(model, guild_id) or default(guild_id, now)


async def config_for_change(
    session: AsyncSession,
    model: type[ConfigT],
    guild_id: int,
    now: datetime,
    default: DefaultConfig[ConfigT],
) -> ConfigT:
    """A guild's settings row of ``model`` for a change, created from ``default`` (after the
    guild's own settings row it belongs to) on first use."""
    await get_settings(session, guild_id, now)
    row = await session.get(model, guild_id)
    if row is None:
        row = default(guild_id, now)
        session.add(row)
        await session.flush()
    return row
