"""The daily question's rules over the database: configure, post, reveal (answering and
manual adjustments: ``bot.questions.answering``).

Every function takes a session and an explicit ``now``; callers commit unless a function
says it commits itself (claims are committed before Discord is called).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import ledger
from bot.db.dml import execute_for_rowcount, table_of
from bot.db.models import GuildSettings, ScheduledPost
from bot.db.questions import (
    Answer,
    DailyConfig,
    QuestionPost,
)
from bot.errors import UserError
from bot.guilds import config_for_change, get_settings, read_config, read_settings
from bot.i18n import LANGUAGES
from bot.ledger import Occurrence
from bot.questions.bank import Question, QuestionBank
from bot.questions.profile import hidden_members
from bot.questions.schedule import (
    DEFAULT_GRACE,
    ScheduleError,
    due_date,
    local_date,
    parse_post_time,
    parse_timezone,
    post_instant,
)
from bot.questions.selection import pick_next
from bot.questions.topics import TOPICS

LEDGER_KIND = "daily_question"
THREAD_KIND = "daily_thread"
REVEAL_KIND = "daily_reveal"
REVEAL_GRACE = timedelta(hours=24)


# ---------------------------------------------------------------------------- configuration
def _default_daily_config(guild_id: int, now: datetime) -> DailyConfig:
    return DailyConfig(guild_id=guild_id, post_time="09:00", answer_hours=24, updated_at=now)


async def read_daily_config(session: AsyncSession, guild_id: int, now: datetime) -> DailyConfig:
    """The guild's daily-question settings, or the defaults (not added: reads never write)."""
    return await read_config(session, DailyConfig, guild_id, now, _default_daily_config)


async def get_daily_config(session: AsyncSession, guild_id: int, now: datetime) -> DailyConfig:
    """The guild's daily-question settings for a change, created with defaults on first use."""
    return await config_for_change(session, DailyConfig, guild_id, now, _default_daily_config)


async def configure_daily(
    session: AsyncSession,
    guild_id: int,
    now: datetime,
    *,
    channel_id: int | None = None,
    post_time: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    topic: str | None = None,
    ping_role_id: int | None = None,
    expert_role_id: int | None = None,
) -> tuple[GuildSettings, DailyConfig]:
    """Validate everything first, then change what was given; raises UserError, changes nothing."""
    try:
        parsed_time = parse_post_time(post_time) if post_time is not None else None
        zone = parse_timezone(timezone).key if timezone is not None else None
    except ScheduleError as exc:
        raise UserError(f"daily.{exc.code}", value=exc.value) from None
    if language is not None and language not in LANGUAGES:
        raise UserError("daily.unknown_language", value=language)
    if topic is not None and topic != "any" and topic not in TOPICS:
        raise UserError("questions.unknown_topic", value=topic, topics=", ".join(TOPICS))
    settings = await get_settings(session, guild_id, now)
    config = await get_daily_config(session, guild_id, now)
    if channel_id is not None:
        config.channel_id = channel_id
    if parsed_time is not None:
        config.post_time = f"{parsed_time:%H:%M}"
    if zone is not None:
        settings.timezone = zone
    if language is not None:
        settings.language = language
    if topic is not None:
        config.topic = None if topic == "any" else topic
    if ping_role_id is not None:
        config.ping_role_id = ping_role_id
    if expert_role_id is not None:
        config.expert_role_id = expert_role_id
    config.updated_at = settings.updated_at = now
    return settings, config


# ---------------------------------------------------------------------------- posting
@dataclass(frozen=True)
class ClaimedPost:
    """A daily post claimed in the ledger: what to publish and where."""

    post: QuestionPost
    question: Question
    channel_id: int
    language: str
    ping_role_id: int | None


async def guild_ids_with_daily_channel(session: AsyncSession) -> list[int]:
    """Guilds that have a daily-question channel configured."""
    rows = await session.scalars(
        select(DailyConfig.guild_id).where(DailyConfig.channel_id.is_not(None))
    )
    return list(rows)


async def claim_daily_post(
    session: AsyncSession,
    bank: QuestionBank,
    guild_id: int,
    now: datetime,
    *,
    force: bool = False,
    grace: timedelta = DEFAULT_GRACE,
) -> ClaimedPost | None:
    """Claim today's post if it is due (or ``force``d) and not claimed yet; commits the claim.

    Returns None when nothing is due, no channel is set, or the ledger already holds the
    guild-local date (a restart, a second trigger or a repeated DST hour). The ledger row and
    the post are inserted in one transaction (not through ``bot.ledger.claim``, which commits
    the claim alone), so a crash can never leave a claimed day without its question.

    ``force`` (``/question post``) also reopens today's post when its delivery ``failed``
    (an admin fixed the permission or the channel): it goes out again, in the channel now set.
    """
    settings = await get_settings(session, guild_id, now)
    config = await get_daily_config(session, guild_id, now)
    if config.channel_id is None:
        return None
    tz = ZoneInfo(settings.timezone)
    at = parse_post_time(config.post_time)
    day = local_date(now, tz) if force else due_date(now, at, tz, grace)
    if day is None:
        return None
    if force and (reopened := await _reopen_failed(session, bank, guild_id, day, now)):
        return reopened
    candidates = bank.filter(topic=config.topic) if config.topic else tuple(bank)
    history = list(
        await session.scalars(
            select(QuestionPost.slug)
            .where(QuestionPost.guild_id == guild_id)
            .order_by(QuestionPost.local_date)
        )
    )
    question = pick_next(candidates, history, seed=f"{guild_id}:{day.isoformat()}")
    if question is None:
        return None
    post = QuestionPost(
        guild_id=guild_id,
        local_date=day,
        slug=question.slug,
        topic=question.topic,
        difficulty=question.difficulty,
        posted_at=now,
        deadline_at=max(now, post_instant(day, at, tz)) + timedelta(hours=config.answer_hours),
        channel_id=config.channel_id,
    )
    window_end = max(now, post_instant(day, at, tz)) + grace
    try:
        session.add(
            ScheduledPost(
                **ledger.claim_values(
                    guild_id, LEDGER_KIND, day.isoformat(), now, config.channel_id, window_end
                )
            )
        )
        session.add(post)
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return None
    return ClaimedPost(post, question, config.channel_id, settings.language, config.ping_role_id)


async def _reopen_failed(
    session: AsyncSession, bank: QuestionBank, guild_id: int, day: date, now: datetime
) -> ClaimedPost | None:
    row = await session.scalar(
        select(ScheduledPost).where(
            ScheduledPost.guild_id == guild_id,
            ScheduledPost.kind == LEDGER_KIND,
            ScheduledPost.occurrence_key == day.isoformat(),
            ScheduledPost.status == "failed",
        )
    )
    post = await session.scalar(
        select(QuestionPost).where(
            QuestionPost.guild_id == guild_id, QuestionPost.local_date == day
        )
    )
    if row is None or post is None or post.message_id is not None:
        return None
    question = bank.get(post.slug)
    settings = await get_settings(session, guild_id, now)
    config = await get_daily_config(session, guild_id, now)
    if question is None or config.channel_id is None:
        return None
    post.channel_id = row.channel_id = config.channel_id
    post.posted_at = now
    if post.deadline_at <= now + timedelta(hours=1):
        post.deadline_at = now + timedelta(hours=config.answer_hours)
    row.status, row.attempts, row.error = "claimed", 0, None
    row.claimed_at, row.finished_at, row.next_attempt_at = now, None, None
    row.lease_until, row.expires_at = now + ledger.LEASE, now + DEFAULT_GRACE
    await session.commit()
    return ClaimedPost(post, question, config.channel_id, settings.language, config.ping_role_id)


@dataclass(frozen=True)
class DailySend:
    """What a (re)send of a claimed daily post needs, read from the database."""

    post_id: int
    local_date: date
    question: Question
    channel_id: int
    message_id: int | None
    thread_id: int | None
    deadline_at: datetime
    language: str
    ping_role_id: int | None


async def daily_send(
    session: AsyncSession, bank: QuestionBank, guild_id: int, key: str, now: datetime
) -> DailySend | None:
    """The claimed post of guild-local date ``key`` (an ISO date), ready to (re)send."""
    post = await session.scalar(
        select(QuestionPost).where(
            QuestionPost.guild_id == guild_id, QuestionPost.local_date == date.fromisoformat(key)
        )
    )
    question = bank.get(post.slug) if post is not None else None
    if post is None or question is None or post.channel_id is None:
        return None
    settings = await read_settings(session, guild_id, now)
    config = await read_daily_config(session, guild_id, now)
    return DailySend(
        post.id,
        post.local_date,
        question,
        post.channel_id,
        post.message_id,
        post.thread_id,
        post.deadline_at,
        settings.language,
        config.ping_role_id,
    )


async def _post_of(session: AsyncSession, occurrence: Occurrence) -> QuestionPost | None:
    """The daily post of a ledger occurrence (keyed by the guild-local date)."""
    return await session.scalar(
        select(QuestionPost).where(
            QuestionPost.guild_id == occurrence.guild_id,
            QuestionPost.local_date == date.fromisoformat(occurrence.key),
        )
    )


async def record_message(
    session: AsyncSession, occurrence: Occurrence, message_id: int | None, now: datetime
) -> None:
    """The daily post went out: remember its message and claim its thread (caller commits)."""
    guild_id, key = occurrence.guild_id, occurrence.key
    post = await _post_of(session, occurrence)
    if post is None:
        return
    post.message_id = message_id
    if post.thread_id is None:
        existing = await session.scalar(
            select(ScheduledPost.id).where(
                ScheduledPost.guild_id == guild_id,
                ScheduledPost.kind == THREAD_KIND,
                ScheduledPost.occurrence_key == key,
            )
        )
        if existing is None:
            session.add(
                ScheduledPost(
                    **ledger.claim_values(
                        guild_id, THREAD_KIND, key, now, post.channel_id, post.deadline_at
                    )
                )
            )


async def record_thread(
    session: AsyncSession, occurrence: Occurrence, thread_id: int | None, now: datetime
) -> None:
    """The daily post's thread was created (caller commits)."""
    post = await _post_of(session, occurrence)
    if post is not None:
        post.thread_id = thread_id


async def claim_reveal(session: AsyncSession, post_id: int, now: datetime) -> str | None:
    """Claim a post's reveal (``revealed_at`` and its ledger row in one transaction; commits).

    Returns the ledger key (the post's local date), or None when it was already claimed.
    """
    post = await session.get(QuestionPost, post_id)
    if post is None:
        return None
    key = post.local_date.isoformat()
    claimed = await execute_for_rowcount(
        session,
        table_of(QuestionPost)
        .update()
        .where(QuestionPost.id == post_id, QuestionPost.revealed_at.is_(None))
        .values(revealed_at=now),
    )
    if claimed != 1:
        await session.rollback()
        return None
    session.add(
        ScheduledPost(
            **ledger.claim_values(
                post.guild_id,
                REVEAL_KIND,
                key,
                now,
                post.thread_id or post.channel_id,
                now + REVEAL_GRACE,
            )
        )
    )
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return None
    return key


async def record_published(
    session: AsyncSession,
    post_id: int,
    now: datetime,
    *,
    message_id: int | None,
    thread_id: int | None,
    error: str | None = None,
) -> None:
    """Remember where a claimed post landed (or why it failed) in the post and the ledger."""
    post = await session.get(QuestionPost, post_id)
    if post is None:
        return
    post.message_id, post.thread_id = message_id, thread_id
    await ledger.finish(
        session,
        post.guild_id,
        LEDGER_KIND,
        post.local_date.isoformat(),
        now,
        message_id=message_id,
        error=error,
    )


async def open_post(session: AsyncSession, guild_id: int, now: datetime) -> QuestionPost | None:
    """The guild's newest daily post still taking answers (one never posted takes none)."""
    return await session.scalar(
        select(QuestionPost)
        .where(
            QuestionPost.guild_id == guild_id,
            QuestionPost.deadline_at > now,
            QuestionPost.message_id.is_not(None),
        )
        .order_by(QuestionPost.posted_at.desc())
        .limit(1)
    )


async def latest_post(session: AsyncSession, guild_id: int) -> QuestionPost | None:
    """The guild's most recent daily post, open or not."""
    return await session.scalar(
        select(QuestionPost)
        .where(QuestionPost.guild_id == guild_id)
        .order_by(QuestionPost.posted_at.desc())
        .limit(1)
    )


# ---------------------------------------------------------------------------- reveal
FULL_SCORE = 10.0
BEST_ANSWERS = 3


@dataclass(frozen=True)
class RevealStats:
    """What the reveal shows about a closed question.

    ``first_full`` and ``best`` name members by user id; ``hidden`` holds those of them who
    opted out of being named (``/profile privacy``), to be shown anonymously.
    """

    answers: int
    average: float | None
    distribution: dict[str, int]  # "0-2", "3-4", "5-6", "7-8", "9-10" → count
    most_missed: str | None  # key point id (short) or None
    misconceptions: tuple[tuple[str, int], ...] = ()  # most common (id, answers), at most 3
    picks: tuple[tuple[str, int], ...] = ()  # choice: (option id, answers picking it), in order
    first_full: int | None = None  # the earliest full-score answer's member
    best: tuple[tuple[int, float], ...] = ()  # short questions: (member, score), best first
    hidden: frozenset[int] = frozenset()


_BUCKETS = (("0-2", 3), ("3-4", 5), ("5-6", 7), ("7-8", 9), ("9-10", 11))


async def reveal_stats(session: AsyncSession, question: Question, post_id: int) -> RevealStats:
    """Answer count, score distribution (choice: picks per option), the key point most often
    missed, the most common misconceptions, the first full score and the best answers."""
    rows = (
        await session.execute(
            select(
                Answer.score, Answer.covered, Answer.misconceptions, Answer.user_id, Answer.guild_id
            )
            .where(Answer.post_id == post_id)
            .order_by(Answer.created_at, Answer.id)
        )
    ).all()
    distribution = dict.fromkeys((name for name, _ in _BUCKETS), 0)
    for row in rows:
        distribution[next(name for name, upper in _BUCKETS if row.score < upper)] += 1
    covered = Counter(pid for row in rows for pid in row.covered.split(",") if pid)
    most_missed = None
    if rows and question.key_points:
        most_missed = min(question.key_points, key=lambda p: (covered[p.id], -p.weight)).id
    picks = tuple((o.id, covered[o.id]) for o in question.options or ())
    stated = Counter(mid for row in rows for mid in row.misconceptions.split(",") if mid)
    average = round(sum(row.score for row in rows) / len(rows), 1) if rows else None
    first_full = next((row.user_id for row in rows if row.score >= FULL_SCORE), None)
    ranked = sorted((row for row in rows if row.score > 0), key=lambda row: -row.score)
    best = (
        tuple((row.user_id, row.score) for row in ranked[:BEST_ANSWERS])
        if question.type == "short"
        else ()
    )
    named = {user_id for user_id, _score in best} | ({first_full} if first_full else set())
    hidden = await hidden_members(session, rows[0].guild_id, named) if rows else frozenset()
    return RevealStats(
        len(rows),
        average,
        distribution,
        most_missed,
        tuple(stated.most_common(3)),
        picks,
        first_full,
        best,
        hidden,
    )


async def unrevealed_posts(session: AsyncSession) -> list[QuestionPost]:
    """Every posted post whose reveal has not happened yet (to schedule at start-up)."""
    return list(
        await session.scalars(
            select(QuestionPost).where(
                QuestionPost.revealed_at.is_(None), QuestionPost.message_id.is_not(None)
            )
        )
    )


async def posts_to_reveal(session: AsyncSession, now: datetime) -> list[QuestionPost]:
    """Posted posts past their deadline that were not revealed yet."""
    return list(
        await session.scalars(
            select(QuestionPost)
            .where(
                QuestionPost.deadline_at <= now,
                QuestionPost.revealed_at.is_(None),
                QuestionPost.message_id.is_not(None),
            )
            .order_by(QuestionPost.deadline_at)
        )
    )


async def mark_revealed(session: AsyncSession, post_id: int, now: datetime) -> bool:
    """Claim the reveal of a post exactly once (commits); False if it was already claimed."""
    claimed = await execute_for_rowcount(
        session,
        table_of(QuestionPost)
        .update()
        .where(QuestionPost.id == post_id, QuestionPost.revealed_at.is_(None))
        .values(revealed_at=now),
    )
    await session.commit()
    return claimed == 1
