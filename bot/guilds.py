"""Guild settings: read (the defaults until a change is saved) and update."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

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
