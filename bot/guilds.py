"""Guild settings: read (creating defaults on first sight) and update."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildSettings
from bot.i18n import LANGUAGES


async def get_settings(session: AsyncSession, guild_id: int, now: datetime) -> GuildSettings:
    """The guild's settings row, created with defaults (and flushed) if it does not exist."""
    settings = await session.get(GuildSettings, guild_id)
    if settings is None:
        settings = GuildSettings(
            guild_id=guild_id, language="en", timezone="UTC", created_at=now, updated_at=now
        )
        session.add(settings)
        await session.flush()
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
