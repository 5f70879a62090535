"""The server's settings as one service: each change is one transaction, reads write nothing.

Every method answers with the whole ``Overview`` as saved, so a command can show what changed
next to what it depends on. Bad values raise ``UserError`` before anything is written.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.db.engine import Database
from bot.digest import service as digests
from bot.events import service as events
from bot.guilds import get_settings, read_settings, set_language
from bot.onboarding import Overview, SetupChoice, apply_setup, overview
from bot.questions import review
from bot.questions import service as questions


class ServerSettings:
    """Reads and changes one server's settings (``/config``, ``/setup``)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def overview(self, guild_id: int) -> Overview:
        """Every setting of the server (the defaults where none is saved yet)."""
        async with self.db.session() as session:
            return await overview(session, guild_id, self.clock.now())

    async def language(self, guild_id: int) -> str:
        """The server's language."""
        async with self.db.session() as session:
            return (await read_settings(session, guild_id, self.clock.now())).language

    async def set_language(self, guild_id: int, language: str) -> Overview:
        """Speak ``language`` ('en' or 'zh') in this server."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await set_language(session, guild_id, language, now)
            return await overview(session, guild_id, now)

    async def set_alerts_channel(self, guild_id: int, channel_id: int) -> Overview:
        """Tell admins about failed posts in ``channel_id`` (instead of the owner's DMs)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            settings = await get_settings(session, guild_id, now)
            settings.alert_channel_id, settings.updated_at = channel_id, now
            return await overview(session, guild_id, now)

    async def configure_daily(
        self,
        guild_id: int,
        *,
        review_channel_id: int | None = None,
        channel_id: int | None = None,
        post_time: str | None = None,
        timezone: str | None = None,
        language: str | None = None,
        topic: str | None = None,
        ping_role_id: int | None = None,
        expert_role_id: int | None = None,
    ) -> Overview:
        """Change the daily question's settings that are given (``/config daily``)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await questions.configure_daily(
                session,
                guild_id,
                now,
                channel_id=channel_id,
                post_time=post_time,
                timezone=timezone,
                language=language,
                topic=topic,
                ping_role_id=ping_role_id,
                expert_role_id=expert_role_id,
            )
            if review_channel_id is not None:
                await review.set_review_channel(session, guild_id, review_channel_id, now)
            return await overview(session, guild_id, now)

    async def configure_events(
        self,
        guild_id: int,
        *,
        reminders: str | None = None,
        organiser_role_id: int | None = None,
        channel_id: int | None = None,
        timezone: str | None = None,
    ) -> Overview:
        """Change the event settings that are given (``/config events``)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await events.configure_events(
                session,
                guild_id,
                now,
                reminders=reminders,
                organiser_role_id=organiser_role_id,
                channel_id=channel_id,
                timezone=timezone,
            )
            return await overview(session, guild_id, now)

    async def configure_digest(
        self,
        guild_id: int,
        *,
        channel_id: int | None = None,
        weekday: str | None = None,
        post_time: str | None = None,
    ) -> Overview:
        """Change the weekly digest's settings that are given (``/config digest``)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await digests.configure_digest(
                session, guild_id, now, channel_id=channel_id, weekday=weekday, post_time=post_time
            )
            return await overview(session, guild_id, now)

    async def apply_setup(self, guild_id: int, choice: SetupChoice) -> Overview:
        """Save what ``/setup`` chose, all or nothing."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            return await apply_setup(session, guild_id, now, choice)
