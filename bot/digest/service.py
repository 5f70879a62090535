"""The weekly digest: settings, when it is due, what it says, and sending it exactly once.

Each guild's digest goes out once per guild-local ISO week (ledger kind ``weekly_digest``,
key ``2026-W48``) at its configured local weekday and time, or late within a day after
downtime. It lists the next 7 days' events with RSVP counts, last week's top 5 (members with
points) and most improved members (once there are two weeks of points to compare), last
week's daily questions with their average score, most-missed key point and a link to their
thread, and a practice suggestion. Members who opted out of being named are listed anonymously.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import ledger
from bot.clock import Clock
from bot.db.engine import Database
from bot.db.events import DigestConfig
from bot.db.models import ScheduledPost
from bot.db.questions import Answer, LeaderboardPoints, QuestionPost
from bot.delivery import Delivery, Kind, Undeliverable
from bot.errors import UserError
from bot.events.rsvp import rsvp_counts
from bot.events.service import upcoming_events
from bot.guilds import config_for_change, get_settings, read_config, read_settings
from bot.ledger import Occurrence
from bot.questions.bank import QuestionBank
from bot.questions.leaderboard import leaderboard_page
from bot.questions.points import scope_for
from bot.questions.profile import hidden_members
from bot.questions.schedule import ScheduleError, local_date, parse_post_time, post_instant
from bot.questions.service import reveal_stats
from bot.ratelimit import RateLimiter
from bot.scheduling import LocalTime

log = logging.getLogger(__name__)
LEDGER_KIND = "weekly_digest"
GRACE = timedelta(hours=24)
WEEKDAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip
TOP = 5
IMPROVED = 3


# ---------------------------------------------------------------------------- settings
def _default_digest_config(guild_id: int, now: datetime) -> DigestConfig:
    return DigestConfig(guild_id=guild_id, weekday=0, post_time="09:00", updated_at=now)


async def read_digest_config(session: AsyncSession, guild_id: int, now: datetime) -> DigestConfig:
    """The guild's digest settings, or the defaults (Monday 09:00, no channel; not added:
    reads never write)."""
    return await read_config(session, DigestConfig, guild_id, now, _default_digest_config)


async def get_digest_config(session: AsyncSession, guild_id: int, now: datetime) -> DigestConfig:
    """The guild's digest settings for a change, created with defaults on first use."""
    return await config_for_change(session, DigestConfig, guild_id, now, _default_digest_config)


async def configure_digest(
    session: AsyncSession,
    guild_id: int,
    now: datetime,
    *,
    channel_id: int | None = None,
    weekday: str | None = None,
    post_time: str | None = None,
) -> DigestConfig:
    """Validate, then change what was given; the caller commits. Raises UserError."""
    try:
        at = parse_post_time(post_time) if post_time is not None else None
    except ScheduleError as exc:
        raise UserError("digest.bad_time", value=exc.value) from None
    if weekday is not None and weekday not in WEEKDAYS:
        raise UserError("digest.bad_day", value=weekday)
    config = await get_digest_config(session, guild_id, now)
    if channel_id is not None:
        config.channel_id = channel_id
    if weekday is not None:
        config.weekday = WEEKDAYS.index(weekday)
    if at is not None:
        config.post_time = f"{at:%H:%M}"
    config.updated_at = now
    return config


async def guild_ids_with_digest(session: AsyncSession) -> list[int]:
    """Guilds with a digest channel."""
    rows = await session.scalars(
        select(DigestConfig.guild_id).where(DigestConfig.channel_id.is_not(None))
    )
    return list(rows)


# ---------------------------------------------------------------------------- weeks
def week_key(day: date) -> str:
    """The ISO week of ``day``: ``2026-W48``."""
    return scope_for("week", day)


def monday_of(day: date) -> date:
    """The Monday starting ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def due_monday(
    now: datetime, weekday: int, at: time, tz: ZoneInfo, grace: timedelta = GRACE
) -> date | None:
    """The Monday of the week whose digest is due at ``now`` (within ``grace``), else None."""
    this_monday = monday_of(local_date(now, tz))
    for monday in (this_monday, this_monday - timedelta(days=7)):
        instant = post_instant(monday + timedelta(days=weekday), at, tz)
        if instant <= now < instant + grace:
            return monday
    return None


# ---------------------------------------------------------------------------- content
@dataclass(frozen=True)
class EventLine:
    """An event of the coming week with its RSVP counts."""

    id: int
    title: str
    start: datetime
    going: int
    maybe: int
    capacity: int | None


@dataclass(frozen=True)
class QuestionLine:
    """A daily question of last week: answers, average and most-missed key point label."""

    prompt: str
    answers: int
    average: float | None
    most_missed: str | None
    url: str | None = None  # the question's thread (its reveal), else the post itself


@dataclass(frozen=True)
class Digest:
    """Everything one digest shows (user ids and topic ids; the cog renders them).

    ``monday`` starts the guild-local week of the digest, ``last_monday`` the week its top 5,
    improvements and questions come from; ``hidden`` are members not to be named.
    """

    week: str
    last_week: str
    language: str
    events: tuple[EventLine, ...]
    top: tuple[tuple[int, float], ...]
    improved: tuple[tuple[int, float], ...]
    questions: tuple[QuestionLine, ...]
    weakest_topic: str | None
    monday: date
    last_monday: date
    hidden: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        """True when there is nothing to report (the digest says so kindly)."""
        return not (self.events or self.top or self.questions)


async def _events(session: AsyncSession, guild_id: int, now: datetime) -> tuple[EventLine, ...]:
    upcoming = await upcoming_events(session, guild_id, now, until=now + timedelta(days=7))
    counts = await rsvp_counts(session, [item.event.id for item in upcoming])
    return tuple(
        EventLine(
            item.event.id,
            item.event.title,
            item.start,
            counts[item.event.id].going,
            counts[item.event.id].maybe,
            item.event.capacity,
        )
        for item in upcoming
    )


async def _improved(
    session: AsyncSession, guild_id: int, last: str, before: str
) -> tuple[tuple[int, float], ...]:
    """Members who gained most on the week before; nothing without points in both weeks."""
    rows = await session.execute(
        select(LeaderboardPoints.user_id, LeaderboardPoints.scope, LeaderboardPoints.points).where(
            LeaderboardPoints.guild_id == guild_id, LeaderboardPoints.scope.in_([last, before])
        )
    )
    delta: dict[int, float] = {}
    weeks: set[str] = set()
    for user_id, scope, points in rows:
        delta[user_id] = delta.get(user_id, 0.0) + (points if scope == last else -points)
        weeks.add(scope)
    if len(weeks) < 2:
        return ()
    ranked = sorted((item for item in delta.items() if item[1] > 0), key=lambda i: (-i[1], i[0]))
    return tuple((user_id, round(gain, 1)) for user_id, gain in ranked[:IMPROVED])


async def _questions(
    session: AsyncSession, guild_id: int, monday: date, bank: QuestionBank | None, lang: str
) -> tuple[QuestionLine, ...]:
    posts = await session.scalars(
        select(QuestionPost)
        .where(
            QuestionPost.guild_id == guild_id,
            QuestionPost.local_date >= monday,
            QuestionPost.local_date < monday + timedelta(days=7),
        )
        .order_by(QuestionPost.local_date)
    )
    lines = []
    for post in posts:
        question = bank.get(post.slug) if bank is not None else None
        if question is None:
            continue
        stats = await reveal_stats(session, question, post.id)
        missed = next(
            (p.label.get(lang) for p in question.key_points or () if p.id == stats.most_missed),
            None,
        )
        prompt = question.prompt.get(lang)
        lines.append(
            QuestionLine(
                prompt if len(prompt) <= 90 else prompt[:89] + "…",
                stats.answers,
                stats.average,
                missed,
                _post_url(post),
            )
        )
    return tuple(lines)


def _post_url(post: QuestionPost) -> str | None:
    """A link to the post's thread (where its reveal is), else to the post itself."""
    base = f"https://discord.com/channels/{post.guild_id}"
    if post.thread_id is not None:
        return f"{base}/{post.thread_id}"
    if post.channel_id is not None and post.message_id is not None:
        return f"{base}/{post.channel_id}/{post.message_id}"
    return None


async def _weakest_topic(session: AsyncSession, guild_id: int, monday: date) -> str | None:
    row = (
        await session.execute(
            select(Answer.topic, func.avg(Answer.score).label("average"))
            .where(
                Answer.guild_id == guild_id,
                Answer.local_date >= monday,
                Answer.local_date < monday + timedelta(days=7),
            )
            .group_by(Answer.topic)
            .order_by("average", Answer.topic)
            .limit(1)
        )
    ).first()
    return row[0] if row else None


async def build_digest(
    session: AsyncSession, guild_id: int, now: datetime, bank: QuestionBank | None
) -> Digest:
    """The digest of the guild-local week containing ``now`` (reads only)."""
    settings = await read_settings(session, guild_id, now)
    this_monday = monday_of(local_date(now, ZoneInfo(settings.timezone)))
    last_monday = this_monday - timedelta(days=7)
    last, before = week_key(last_monday), week_key(last_monday - timedelta(days=7))
    rows = (await leaderboard_page(session, guild_id, last, 0, TOP)).rows
    top = tuple((row.user_id, row.points) for row in rows if row.points > 0)
    improved = await _improved(session, guild_id, last, before)
    named = {user_id for user_id, _points in top + improved}
    return Digest(
        week=week_key(this_monday),
        last_week=last,
        language=settings.language,
        events=await _events(session, guild_id, now),
        top=top,
        improved=improved,
        questions=await _questions(session, guild_id, last_monday, bank, settings.language),
        weakest_topic=await _weakest_topic(session, guild_id, last_monday),
        monday=this_monday,
        last_monday=last_monday,
        hidden=await hidden_members(session, guild_id, named),
    )


# ---------------------------------------------------------------------------- sending
@dataclass(frozen=True)
class ClaimedDigest:
    """A digest claimed in the ledger: the guild, its week key and where to post."""

    guild_id: int
    week: str
    channel_id: int


@dataclass(frozen=True)
class DigestSchedule:
    """When and where a guild's digest goes out (weekday 0 is Monday)."""

    channel_id: int | None
    weekday: int
    post_time: str
    timezone: str

    @property
    def local_time(self) -> LocalTime | None:
        """When the digest goes out each week; None while no channel is set."""
        if self.channel_id is None:
            return None
        return LocalTime(self.post_time, self.timezone, self.weekday)


async def claim_digest(
    session: AsyncSession, guild_id: int, now: datetime, *, grace: timedelta = GRACE
) -> ClaimedDigest | None:
    """Claim this week's digest if it is due and unclaimed (commits); None otherwise."""
    settings = await get_settings(session, guild_id, now)
    config = await get_digest_config(session, guild_id, now)
    channel_id = config.channel_id
    if channel_id is None:
        return None
    tz = ZoneInfo(settings.timezone)
    at = parse_post_time(config.post_time)
    monday = due_monday(now, config.weekday, at, tz, grace)
    if monday is None:
        return None
    week = week_key(monday)
    window_end = max(now, post_instant(monday + timedelta(days=config.weekday), at, tz)) + grace
    if not await ledger.claim(
        session, guild_id, LEDGER_KIND, week, now, channel_id=channel_id, expires_at=window_end
    ):
        return None
    return ClaimedDigest(guild_id, week, channel_id)


Send = Callable[[ClaimedDigest, Digest], Awaitable[int | None]]


class DigestSender:
    """Claims, builds and posts digests; every post waits for the shared rate limiter.

    ``send`` posts one digest and returns the message id; it is the only Discord call, so
    the limiter bounds the bot's request rate however many digests fall due together.
    Delivery (retries, take-overs, telling admins) goes through ``delivery``.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        send: Send,
        *,
        limiter: RateLimiter,
        bank: QuestionBank | None = None,
        delivery: Delivery | None = None,
    ) -> None:
        self.db, self.clock, self.send, self.limiter, self.bank = db, clock, send, limiter, bank
        self.delivery = delivery or Delivery(db, clock, _nobody)
        self.delivery.register(Kind(LEDGER_KIND, self._deliver))

    async def guilds(self) -> list[int]:
        """Every guild with a digest channel."""
        async with self.db.session() as session:
            return await guild_ids_with_digest(session)

    async def schedule(self, guild_id: int) -> DigestSchedule:
        """When and where the guild's digest goes out (writes nothing)."""
        now = self.clock.now()
        async with self.db.session() as session:
            settings = await read_settings(session, guild_id, now)
            config = await read_digest_config(session, guild_id, now)
        return DigestSchedule(
            config.channel_id, config.weekday, config.post_time, settings.timezone
        )

    async def preview(self, guild_id: int) -> Digest:
        """This week's digest as it would be posted now."""
        async with self.db.session() as session:
            return await build_digest(session, guild_id, self.clock.now(), self.bank)

    async def run(self, guild_id: int) -> bool:
        """Post the guild's digest if it is due and not claimed yet; True if it was posted."""
        async with self.db.session() as session:
            claimed = await claim_digest(session, guild_id, self.clock.now())
        if claimed is None:
            return False
        return await self.delivery.deliver(Occurrence(guild_id, LEDGER_KIND, claimed.week))

    async def _deliver(self, occurrence: Occurrence) -> int | None:
        async with self.db.session() as session:
            channel_id = await session.scalar(
                select(ScheduledPost.channel_id).where(
                    ScheduledPost.guild_id == occurrence.guild_id,
                    ScheduledPost.kind == LEDGER_KIND,
                    ScheduledPost.occurrence_key == occurrence.key,
                )
            )
            digest = await build_digest(session, occurrence.guild_id, self.clock.now(), self.bank)
        if channel_id is None:
            raise Undeliverable(f"digest {occurrence.key} has no channel")
        async with self.limiter.slot():
            return await self.send(
                ClaimedDigest(occurrence.guild_id, occurrence.key, channel_id), digest
            )


async def _nobody(occurrence: Occurrence, reason: str, error: str) -> None:
    log.warning("%s failed (%s): %s; no one to tell", occurrence, reason, error)
