"""Answering the daily question and practising: grade, store, streaks and points; manual
adjustments.

Every function takes a session and an explicit ``now`` and leaves committing to its caller
(``bot.questions.daily``), except where it says it commits (a stored answer is committed before
its feedback is shown).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PracticeSeen
from bot.db.questions import (
    Answer,
    DailyConfig,
    LeaderboardPoints,
    MemberStats,
    QuestionPost,
    ScoreAdjustment,
)
from bot.db.upsert import upsert_add
from bot.errors import UserError
from bot.guilds import get_settings
from bot.questions.answer_text import AnswerTextError, clean_answer_text
from bot.questions.bank import Question, QuestionBank
from bot.questions.points import Streak, answer_points, next_streak, period_scopes
from bot.questions.schedule import (
    local_date,
)
from bot.questions.scoring import Feedback, score, score_choice
from bot.questions.selection import pick_next
from bot.questions.service import open_post
from bot.questions.topics import TOPICS


# ---------------------------------------------------------------------------- answering
@dataclass(frozen=True)
class AnswerResult:
    """The outcome of a scored answer (new or, for a repeat attempt, the stored one)."""

    question: Question
    feedback: Feedback
    points: float
    streak: int
    first_attempt: bool
    deadline_at: datetime | None


async def grade(question: Question, text: str) -> Feedback:
    """Score a free-text answer on a worker thread: the sentence encoder loads on first use
    (about a second) and each answer embeds in a few milliseconds, off the event loop."""
    return await asyncio.to_thread(score, question, text)


def _misconception_ids(feedback: Feedback) -> str:
    return ",".join(item.id for item in feedback.misconceptions)


def _text_or_error(text: str) -> str:
    try:
        return clean_answer_text(text)
    except AnswerTextError as exc:
        raise UserError(f"answer.{exc.code}", **exc.params) from None


async def _guild_day(session: AsyncSession, guild_id: int, now: datetime) -> date:
    """Today in the guild's timezone, for a change (its settings row is created if new)."""
    settings = await get_settings(session, guild_id, now)
    return local_date(now, ZoneInfo(settings.timezone))


async def _stored_result(
    session: AsyncSession, question: Question, post: QuestionPost, answer: Answer
) -> AnswerResult:
    if question.type == "choice":
        feedback = score_choice(question, set(filter(None, answer.covered.split(","))))
    else:
        feedback = await grade(question, answer.text)
    stats = await session.get(MemberStats, (answer.guild_id, answer.user_id))
    return AnswerResult(
        question,
        feedback,
        answer.points,
        stats.current_streak if stats else 0,
        False,
        post.deadline_at,
    )


async def daily_is_set_up(session: AsyncSession, guild_id: int) -> bool:
    """Whether the guild has a daily-question channel (a read: writes nothing)."""
    channel_id = await session.scalar(
        select(DailyConfig.channel_id).where(DailyConfig.guild_id == guild_id)
    )
    return channel_id is not None


async def nothing_to_answer(session: AsyncSession, guild_id: int) -> UserError:
    """Why no question is open: none is now, or the server never set daily questions up."""
    set_up = await daily_is_set_up(session, guild_id)
    return UserError("answer.no_open_question" if set_up else "answer.not_set_up")


async def _open_question(
    session: AsyncSession, bank: QuestionBank, guild_id: int, now: datetime
) -> tuple[QuestionPost, Question]:
    post = await open_post(session, guild_id, now)
    if post is None:
        raise await nothing_to_answer(session, guild_id)
    question = bank.get(post.slug)
    if question is None:
        raise UserError("answer.question_retired")
    return post, question


async def submit_answer(
    session: AsyncSession,
    bank: QuestionBank,
    guild_id: int,
    user_id: int,
    text: str,
    now: datetime,
) -> AnswerResult:
    """Score a free-text answer to the open daily question; one per member (commits).

    A second attempt returns the first result with ``first_attempt=False`` and stores nothing.
    """
    post, question = await _open_question(session, bank, guild_id, now)
    existing = await _existing(session, post.id, user_id)
    if existing is not None:
        return await _stored_result(session, question, post, existing)
    if question.type == "choice":
        raise UserError("answer.use_buttons")
    cleaned = _text_or_error(text)
    feedback = await grade(question, cleaned)
    return await _store(session, post, question, user_id, cleaned, feedback, now)


async def submit_choice(
    session: AsyncSession,
    bank: QuestionBank,
    guild_id: int,
    user_id: int,
    selected: set[str],
    now: datetime,
    *,
    post_id: int | None = None,
) -> AnswerResult:
    """Score a multiple-choice answer to the open daily question (commits)."""
    post, question = await _open_question(session, bank, guild_id, now)
    if post_id is not None and post.id != post_id:
        raise UserError("answer.question_closed")
    existing = await _existing(session, post.id, user_id)
    if existing is not None:
        return await _stored_result(session, question, post, existing)
    if question.type != "choice" or not selected <= {o.id for o in question.options or ()}:
        raise UserError("answer.bad_choice")
    feedback = score_choice(question, selected)
    return await _store(
        session,
        post,
        question,
        user_id,
        ",".join(sorted(selected)),
        feedback,
        now,
        covered=",".join(sorted(selected)),
    )


async def _existing(session: AsyncSession, post_id: int, user_id: int) -> Answer | None:
    return await session.scalar(
        select(Answer).where(Answer.post_id == post_id, Answer.user_id == user_id)
    )


async def _store(
    session: AsyncSession,
    post: QuestionPost,
    question: Question,
    user_id: int,
    text: str,
    feedback: Feedback,
    now: datetime,
    *,
    covered: str | None = None,
) -> AnswerResult:
    day = await _guild_day(session, post.guild_id, now)
    stats = await session.get(MemberStats, (post.guild_id, user_id))
    before = (
        Streak(stats.current_streak, stats.best_streak, stats.last_answer_date)
        if stats
        else Streak(0, 0, None)
    )
    # A 0-score answer leaves the streak as it was and earns no streak bonus.
    streak = next_streak(before, day, feedback.score)
    points = answer_points(feedback.score, question.difficulty, streak.current)
    answer = Answer(
        guild_id=post.guild_id,
        user_id=user_id,
        post_id=post.id,
        slug=question.slug,
        topic=question.topic,
        text=text,
        score=feedback.score,
        points=points,
        covered=covered
        if covered is not None
        else ",".join(p.id for p in feedback.points if p.covered),
        misconceptions=_misconception_ids(feedback),
        local_date=day,
        created_at=now,
    )
    session.add(answer)
    try:
        await session.flush()
    except IntegrityError:  # a concurrent first attempt won the race
        await session.rollback()
        existing = await _existing(session, post.id, user_id)
        assert existing is not None
        return await _stored_result(session, question, post, existing)
    await upsert_add(
        session,
        MemberStats,
        {"guild_id": post.guild_id, "user_id": user_id},
        {"answers": 1, "practice_answers": 0, "score_sum": feedback.score, "points": points},
    )
    stats = await session.get(MemberStats, (post.guild_id, user_id), populate_existing=True)
    assert stats is not None
    stats.current_streak, stats.best_streak, stats.last_answer_date = (
        streak.current,
        streak.best,
        streak.last_date,
    )
    for scope in period_scopes(day, question.topic):
        await upsert_add(
            session,
            LeaderboardPoints,
            {"guild_id": post.guild_id, "scope": scope, "user_id": user_id},
            {"points": points, "answers": 1},
        )
    await session.commit()
    alive = streak.last_date is not None and day - streak.last_date <= timedelta(days=1)
    return AnswerResult(
        question, feedback, points, streak.current if alive else 0, True, post.deadline_at
    )


async def practice_answer(
    session: AsyncSession,
    question: Question,
    guild_id: int,
    user_id: int,
    answer: str | set[str],
    now: datetime,
) -> Feedback:
    """Score a practice answer with full feedback and record it for the profile (commits)."""
    if isinstance(answer, set):
        feedback, text = score_choice(question, answer), ",".join(sorted(answer))
    else:
        text = _text_or_error(answer)
        feedback = await grade(question, text)
    await get_settings(session, guild_id, now)
    session.add(
        Answer(
            guild_id=guild_id,
            user_id=user_id,
            post_id=None,
            slug=question.slug,
            topic=question.topic,
            text=text,
            score=feedback.score,
            points=0.0,
            covered=",".join(p.id for p in feedback.points if p.covered),
            misconceptions=_misconception_ids(feedback),
            local_date=await _guild_day(session, guild_id, now),
            created_at=now,
        )
    )
    await upsert_add(
        session,
        MemberStats,
        {"guild_id": guild_id, "user_id": user_id},
        {"answers": 0, "practice_answers": 1, "score_sum": 0.0, "points": 0.0},
    )
    await session.commit()
    return feedback


async def next_practice_question(
    session: AsyncSession,
    bank: QuestionBank,
    guild_id: int,
    user_id: int,
    now: datetime,
    *,
    topic: str | None,
    difficulty: int | None,
    seed: str,
) -> Question:
    """The member's next practice question matching the filters, remembered as shown (commits).

    Nothing the member was shown repeats until every matching question was shown; then the
    one shown longest ago comes first (the daily question's rotation, per member).
    """
    if topic is not None and topic not in TOPICS:
        raise UserError("questions.unknown_topic", value=topic, topics=", ".join(TOPICS))
    candidates = bank.filter(topic=topic, difficulty=difficulty)
    if not candidates:
        raise UserError("practice.none_match")
    await get_settings(session, guild_id, now)
    history = await session.scalars(
        select(PracticeSeen.slug)
        .where(PracticeSeen.guild_id == guild_id, PracticeSeen.user_id == user_id)
        .order_by(PracticeSeen.seen_at, PracticeSeen.slug)
    )
    question = pick_next(candidates, list(history), seed)
    assert question is not None
    seen = await session.get(PracticeSeen, (guild_id, user_id, question.slug))
    if seen is None:
        session.add(
            PracticeSeen(guild_id=guild_id, user_id=user_id, slug=question.slug, seen_at=now)
        )
    else:
        seen.seen_at = now
    try:
        await session.commit()
    except IntegrityError:  # the same question shown twice at once: it is recorded already
        await session.rollback()
    return question


# ---------------------------------------------------------------------------- adjustments
MAX_ADJUSTMENT = 1000.0


async def adjust_score(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    points: float,
    reason: str,
    by_user_id: int,
    now: datetime,
) -> float:
    """Add (or remove) points with an audit row; returns the member's new all-time total."""
    reason = reason.strip()
    if not reason:
        raise UserError("score.reason_required")
    if points == 0 or abs(points) > MAX_ADJUSTMENT:
        raise UserError("score.bad_points", limit=int(MAX_ADJUSTMENT))
    day = await _guild_day(session, guild_id, now)
    session.add(
        ScoreAdjustment(
            guild_id=guild_id,
            user_id=user_id,
            points=points,
            reason=reason[:200],
            by_user_id=by_user_id,
            created_at=now,
        )
    )
    await upsert_add(
        session,
        MemberStats,
        {"guild_id": guild_id, "user_id": user_id},
        {"answers": 0, "practice_answers": 0, "score_sum": 0.0, "points": points},
    )
    for scope in period_scopes(day, None):
        await upsert_add(
            session,
            LeaderboardPoints,
            {"guild_id": guild_id, "scope": scope, "user_id": user_id},
            {"points": points, "answers": 0},
        )
    await session.commit()
    total = await session.scalar(
        select(func.coalesce(MemberStats.points, 0.0)).where(
            MemberStats.guild_id == guild_id, MemberStats.user_id == user_id
        )
    )
    return float(total or 0.0)
