"""Guild settings: read (creating defaults on first sight) and update."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildSettings
from bot.i18n import LANGUAGES


async def get_settings(session: AsyncSession, guild_id: int, now: datetime) -> GuildSettings:
    """The guild's settings row, created with defaults (and flushed) if it does not exist."""
    settings = await session.get(GuildSettings, guild_id)
    if settings is None:
        # INSERT … ON CONFLICT DO NOTHING: two first commands in a new guild may race here
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(GuildSettings)
            .values(
                guild_id=guild_id, language="en", timezone="UTC", created_at=now, updated_at=now
            )
            .on_conflict_do_nothing(index_elements=["guild_id"])
        )
        settings = await session.get(GuildSettings, guild_id)
        assert settings is not None
    return settings


async def set_language(
    session: AsyncSession, guild_id: int, language: str, now: datetime
) -> GuildSettings:
    """Set the guild's language ('en' or 'zh'); the caller commits."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    settings = await get_settings(session, guild_id, now)
    settings.language = language
    settings.updated_at = now
    return settings
