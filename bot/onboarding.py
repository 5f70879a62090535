"""First run: what /setup saves, what does not work yet, when the first question goes out.

The settings live in their own services (guild, daily, digest, events, review); this module
reads and writes them together for ``/setup`` and ``/config show``. The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot import ledger
from bot.db.dml import execute_for_rowcount
from bot.db.models import BotState, ScheduledPost
from bot.digest import service as digests
from bot.errors import UserError
from bot.events import service as events
from bot.guilds import get_settings, read_settings
from bot.questions import review
from bot.questions import service as questions
from bot.questions.schedule import (
    ScheduleError,
    local_date,
    parse_post_time,
    parse_timezone,
    post_instant,
)


@dataclass(frozen=True)
class SetupChoice:
    """What an admin picked in /setup; None leaves a setting as it is."""

    daily_channel_id: int | None = None
    digest_channel_id: int | None = None
    events_channel_id: int | None = None
    alerts_channel_id: int | None = None
    review_channel_id: int | None = None
    ping_role_id: int | None = None
    expert_role_id: int | None = None
    organiser_role_id: int | None = None
    timezone: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Overview:
    """Every setting of a guild, read in one go."""

    language: str
    timezone: str
    daily_channel_id: int | None
    post_time: str
    topic: str | None
    ping_role_id: int | None
    expert_role_id: int | None
    review_channel_id: int | None
    digest_channel_id: int | None
    digest_weekday: int
    digest_time: str
    events_channel_id: int | None
    events_timezone: str | None
    organiser_role_id: int | None
    reminders: str
    alerts_channel_id: int | None
    problems: dict[str, ScheduledPost]

    def channel_ids(self) -> dict[str, int | None]:
        """The channel of each place the bot posts in, by setting name."""
        return {
            "daily": self.daily_channel_id,
            "digest": self.digest_channel_id,
            "events": self.events_channel_id,
            "alerts": self.alerts_channel_id,
            "review": self.review_channel_id,
        }


@dataclass(frozen=True)
class Blocker:
    """Something that will not work yet: the setting, why (a catalog key) and the channel."""

    setting: str
    reason: str
    channel_id: int | None = None


# Settings without which something never happens, and the reason key when unset.
_REQUIRED = {"daily": "unset_daily", "digest": "unset_digest", "review": "unset_review"}


async def overview(session: AsyncSession, guild_id: int, now: datetime) -> Overview:
    """Every setting of the guild (the defaults where none is stored; writes nothing)."""
    settings = await read_settings(session, guild_id, now)
    daily = await questions.read_daily_config(session, guild_id, now)
    digest = await digests.read_digest_config(session, guild_id, now)
    event = await events.read_event_config(session, guild_id, now)
    return Overview(
        language=settings.language,
        timezone=settings.timezone,
        daily_channel_id=daily.channel_id,
        post_time=daily.post_time,
        topic=daily.topic,
        ping_role_id=daily.ping_role_id,
        expert_role_id=daily.expert_role_id,
        review_channel_id=daily.review_channel_id,
        digest_channel_id=digest.channel_id,
        digest_weekday=digest.weekday,
        digest_time=digest.post_time,
        events_channel_id=event.channel_id,
        events_timezone=event.timezone,
        organiser_role_id=event.organiser_role_id,
        reminders=events.describe_offsets(event),
        alerts_channel_id=settings.alert_channel_id,
        problems=await ledger.last_problems(session, guild_id),
    )


async def apply_setup(
    session: AsyncSession, guild_id: int, now: datetime, choice: SetupChoice
) -> Overview:
    """Save what /setup chose (validated first: a bad timezone raises UserError, saves nothing)."""
    await questions.configure_daily(
        session,
        guild_id,
        now,
        channel_id=choice.daily_channel_id,
        timezone=choice.timezone,
        language=choice.language,
        ping_role_id=choice.ping_role_id,
        expert_role_id=choice.expert_role_id,
    )
    if choice.review_channel_id is not None:
        await review.set_review_channel(session, guild_id, choice.review_channel_id, now)
    await digests.configure_digest(session, guild_id, now, channel_id=choice.digest_channel_id)
    await events.configure_events(
        session,
        guild_id,
        now,
        channel_id=choice.events_channel_id,
        organiser_role_id=choice.organiser_role_id,
    )
    if choice.alerts_channel_id is not None:
        settings = await get_settings(session, guild_id, now)
        settings.alert_channel_id, settings.updated_at = choice.alerts_channel_id, now
    await session.flush()
    return await overview(session, guild_id, now)


def blockers(view: Overview, usable: Callable[[int], bool]) -> list[Blocker]:
    """What will not work yet: unset required channels, and channels the bot cannot post in
    (``usable`` says whether a channel exists and the bot may post there)."""
    found: list[Blocker] = []
    for setting, channel_id in view.channel_ids().items():
        if channel_id is None:
            if setting in _REQUIRED:
                found.append(Blocker(setting, _REQUIRED[setting]))
        elif not usable(channel_id):
            found.append(Blocker(setting, "cant_post", channel_id))
    return found


def check_timezone(name: str) -> str:
    """The IANA name of timezone ``name`` (any case); UserError if there is none."""
    try:
        return parse_timezone(name).key
    except ScheduleError as exc:
        raise UserError(f"daily.{exc.code}", value=exc.value) from None


def next_post_at(
    timezone: str, post_time: str, channel_id: int | None, now: datetime
) -> datetime | None:
    """When the next daily question goes out at ``post_time`` local (None without a channel)."""
    if channel_id is None:
        return None
    zone = ZoneInfo(timezone)
    at = parse_post_time(post_time)
    today = local_date(now, zone)
    for days in range(3):  # today, tomorrow, or the day after a skipped day
        instant = post_instant(today + timedelta(days=days), at, zone)
        if instant > now:
            return instant
    raise AssertionError("a daily time always comes within three days")


async def claim_greeting(session: AsyncSession, guild_id: int, now: datetime) -> bool:
    """True the first time the bot greets this guild, False ever after (commits)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(BotState)
        .values(key=f"greeted:{guild_id}", value=now.isoformat(), updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    first = await execute_for_rowcount(session, statement) == 1
    await session.commit()
    return first
