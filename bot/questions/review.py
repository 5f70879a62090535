"""Appeals and expert review of daily answers: ask, decide once, move the points.

A member asks for a review of the automatic score of one of their daily answers (once per
answer, with an optional note). The request becomes a card in the guild's review channel;
an expert (the daily expert role, or Manage Server) confirms the score or sets a new one
with a reason. A new score recomputes the answer's points with the usual rules
(`bot.questions.points.answer_points`, with the streak the member had that day) and moves
the difference through the member's stats and every leaderboard scope the answer counted
in; every decision lands in ``score_adjustments`` with the answer's id.

Each operation takes the `Database` and an explicit ``now``, opens one transaction, commits
on success (an error rolls everything back) and returns plain dataclasses; no Discord call
happens here. Asking is two steps around the Discord call that posts the card:
`prepare_request` validates and reads (nothing written), the caller posts the card, and
`record_request` stores it (a race with a second request of the same answer loses on the
``UNIQUE answer_id`` and the caller deletes its card). Deciding is one `UPDATE … WHERE
status = 'pending'`: of two experts deciding at once, one wins and the other is told.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dml import execute_for_rowcount
from bot.db.engine import Database
from bot.db.models import GuildSettings
from bot.db.questions import (
    Answer,
    DailyConfig,
    LeaderboardPoints,
    MemberStats,
    QuestionPost,
    ReviewRequest,
    ScoreAdjustment,
)
from bot.db.upsert import upsert_add
from bot.errors import UserError
from bot.questions.answering import grade
from bot.questions.bank import Question, QuestionBank
from bot.questions.points import answer_points, period_scopes
from bot.questions.scoring import Feedback
from bot.questions.service import get_daily_config

MAX_NOTE = 500
MAX_REASON = 200
PENDING, CONFIRMED, CHANGED = "pending", "confirmed", "changed"
CONFIRM_REASON = "review: automatic score confirmed"


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Card:
    """What the review card shows: the question, the answer, the automatic score, evidence.

    ``evidence`` is the stored answer text scored again now (evidence is never stored); its
    ``score`` may differ from ``auto_score`` if the grader changed since the answer.
    """

    answer_id: int
    guild_id: int
    user_id: int
    question: Question
    local_date: date
    text: str
    auto_score: float
    points: float
    evidence: Feedback
    note: str | None
    channel_id: int
    lang: str  # the guild's language: the card is read by the whole review team


@dataclass(frozen=True)
class Outcome:
    """A decided request: who decided, the score before and after, the points moved."""

    status: str  # confirmed | changed
    decided_by: int
    old_score: float
    new_score: float
    old_points: float
    new_points: float
    reason: str | None
    decided_at: datetime

    @property
    def points_delta(self) -> float:
        return round(self.new_points - self.old_points, 1)


@dataclass(frozen=True)
class Decision:
    """The result of `decide`: the card to redraw, where it is, and whom to tell in what."""

    request_id: int
    card: Card
    message_id: int
    member_lang: str
    outcome: Outcome


@dataclass(frozen=True)
class ReviewState:
    """A daily answer's review standing, for the button under its feedback."""

    answer_id: int
    requested: bool


# ---------------------------------------------------------------------------- input
_CONTROL = {"Cc", "Cf"}


def clean_note(note: str | None) -> str | None:
    """The stripped note without control characters, None when blank; at most 500 chars."""
    if note is None:
        return None
    text = "".join(
        c for c in note if c in "\n\t" or unicodedata.category(c) not in _CONTROL
    ).strip()
    if len(text) > MAX_NOTE:
        raise UserError("review.note_too_long", limit=MAX_NOTE, length=len(text))
    return text or None


def parse_score(value: str) -> float:
    """An expert's score: 0 to 10 with at most one decimal ('7.5', '7,5', '８'); else UserError."""
    text = unicodedata.normalize("NFKC", value).strip().replace(",", ".")
    shown = value.strip()[:20].replace("`", "'")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise UserError("review.score_not_number", value=shown)
    number = float(text)
    if not math.isfinite(number):
        raise UserError("review.score_not_number", value=shown)
    if not 0 <= number <= 10:
        raise UserError("review.score_out_of_range", value=shown)
    if round(number, 1) != number:
        raise UserError("review.score_one_decimal", value=shown)
    return round(number, 1) + 0.0  # -0.0 → 0.0


def clean_reason(reason: str | None) -> str:
    """The stripped reason of a new score; blank is refused."""
    text = " ".join((reason or "").split())
    if not text:
        raise UserError("review.reason_required")
    if len(text) > MAX_REASON:
        raise UserError("review.reason_too_long", limit=MAX_REASON)
    return text


# ---------------------------------------------------------------------------- configuration
async def set_review_channel(
    session: AsyncSession, guild_id: int, channel_id: int, now: datetime
) -> DailyConfig:
    """Set the review channel in the caller's transaction (with `/config daily`'s changes)."""
    config = await get_daily_config(session, guild_id, now)
    config.review_channel_id = channel_id
    config.updated_at = now
    await session.flush()
    return config


async def review_channel_id(db: Database, guild_id: int) -> int | None:
    """The guild's review channel, if one is set (a read: writes nothing)."""
    async with db.session() as session:
        return await session.scalar(
            select(DailyConfig.review_channel_id).where(DailyConfig.guild_id == guild_id)
        )


# ---------------------------------------------------------------------------- asking
async def review_state(db: Database, guild_id: int, user_id: int, slug: str) -> ReviewState | None:
    """The member's newest daily answer to question ``slug`` and whether it was sent for review.

    Used right after `/answer` (or a repeat attempt) to put the Ask for review button under
    the feedback; None when there is no such answer.
    """
    async with db.session() as session:
        row = (
            await session.execute(
                select(Answer.id, ReviewRequest.id)
                .outerjoin(ReviewRequest, ReviewRequest.answer_id == Answer.id)
                .where(
                    Answer.guild_id == guild_id,
                    Answer.user_id == user_id,
                    Answer.slug == slug,
                    Answer.post_id.is_not(None),
                )
                .order_by(Answer.id.desc())
                .limit(1)
            )
        ).first()
    if row is None:
        return None
    return ReviewState(row[0], row[1] is not None)


async def _card(
    session: AsyncSession,
    bank: QuestionBank,
    answer: Answer,
    note: str | None,
    channel_id: int,
    auto_score: float | None = None,
) -> Card:
    question = bank.get(answer.slug)
    if question is None or question.type != "short":
        raise UserError("review.question_retired")
    settings = await session.get(GuildSettings, answer.guild_id)
    return Card(
        answer_id=answer.id,
        guild_id=answer.guild_id,
        user_id=answer.user_id,
        question=question,
        local_date=answer.local_date,
        text=answer.text,
        auto_score=answer.score if auto_score is None else auto_score,
        points=answer.points,
        evidence=await grade(question, answer.text),
        note=note,
        channel_id=channel_id,
        lang=settings.language if settings else "en",
    )


async def _daily_answer(session: AsyncSession, guild_id: int, answer_id: int) -> Answer:
    answer = await session.get(Answer, answer_id)
    if answer is None or answer.guild_id != guild_id:
        raise UserError("review.answer_gone")
    if answer.post_id is None:
        raise UserError("review.practice")
    if await session.get(QuestionPost, answer.post_id) is None:
        raise UserError("review.answer_gone")
    return answer


async def _askable(
    session: AsyncSession, bank: QuestionBank, guild_id: int, user_id: int, answer_id: int
) -> tuple[Answer, int]:
    """The answer and the review channel, if the member may ask for a review; else UserError."""
    answer = await _daily_answer(session, guild_id, answer_id)
    if answer.user_id != user_id:
        raise UserError("review.not_yours")
    question = bank.get(answer.slug)
    if question is None or question.type != "short":
        raise UserError("review.question_retired")
    existing = await session.scalar(
        select(ReviewRequest.id).where(ReviewRequest.answer_id == answer_id)
    )
    if existing is not None:
        raise UserError("review.already_requested")
    channel_id = await session.scalar(
        select(DailyConfig.review_channel_id).where(DailyConfig.guild_id == guild_id)
    )
    if channel_id is None:
        raise UserError("review.no_channel")
    return answer, channel_id


async def check_request(
    db: Database, bank: QuestionBank, guild_id: int, user_id: int, answer_id: int
) -> None:
    """Whether the member may ask for a review of ``answer_id`` (before the note form opens).

    Raises the same UserErrors as `prepare_request`, without scoring anything.
    """
    async with db.session() as session:
        await _askable(session, bank, guild_id, user_id, answer_id)


async def prepare_request(
    db: Database,
    bank: QuestionBank,
    guild_id: int,
    user_id: int,
    answer_id: int,
    note: str | None,
    now: datetime,
) -> Card:
    """Check that the member may ask for a review of ``answer_id``; the card to post.

    Writes nothing. Raises UserError: ``review.answer_gone`` (no such answer, or its post was
    deleted), ``review.not_yours``, ``review.practice``, ``review.already_requested``,
    ``review.question_retired`` (the question left the bank or is multiple choice),
    ``review.note_too_long`` and ``review.no_channel`` (no review channel is set).
    """
    cleaned = clean_note(note)
    async with db.session() as session:
        answer, channel_id = await _askable(session, bank, guild_id, user_id, answer_id)
        return await _card(session, bank, answer, cleaned, channel_id)


async def record_request(
    db: Database, card: Card, message_id: int, member_lang: str, now: datetime
) -> int:
    """Store the request whose card was posted as ``message_id``; its id (commits).

    Raises ``review.already_requested`` when another request of the same answer got in first
    (the caller then deletes its card), ``review.answer_gone`` when the answer vanished.
    """
    async with db.session() as session:
        request = ReviewRequest(
            guild_id=card.guild_id,
            answer_id=card.answer_id,
            user_id=card.user_id,
            note=card.note,
            lang=member_lang,
            channel_id=card.channel_id,
            message_id=message_id,
            status=PENDING,
            auto_score=card.auto_score,
            created_at=now,
        )
        session.add(request)
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            exists = await session.get(Answer, card.answer_id)
            raise UserError(
                "review.already_requested" if exists is not None else "review.answer_gone"
            ) from None
        request_id = request.id
        await session.commit()
    return request_id


# ---------------------------------------------------------------------------- deciding
def is_expert(expert_role_id: int | None, role_ids: Iterable[int], manage_guild: bool) -> bool:
    """Whether a member may adjust scores and decide reviews: Manage Server, or the guild's
    expert role."""
    return manage_guild or (expert_role_id is not None and expert_role_id in set(role_ids))


async def _request_for(
    session: AsyncSession,
    guild_id: int,
    answer_id: int,
    expert_id: int,
    role_ids: frozenset[int],
    manage_guild: bool,
) -> ReviewRequest:
    """The pending request of ``answer_id`` if ``expert_id`` may decide it; else UserError."""
    config = await session.get(DailyConfig, guild_id)
    expert_role = config.expert_role_id if config else None
    if not is_expert(expert_role, role_ids, manage_guild):
        if expert_role is None:
            raise UserError("review.not_expert_no_role")
        raise UserError("review.not_expert", role=f"<@&{expert_role}>")
    request = await session.scalar(
        select(ReviewRequest).where(
            ReviewRequest.answer_id == answer_id, ReviewRequest.guild_id == guild_id
        )
    )
    if request is None:
        raise UserError("review.answer_gone")
    if request.user_id == expert_id:
        raise UserError("review.own_answer")
    if request.status != PENDING:
        raise UserError("review.already_decided", by=f"<@{request.decided_by}>")
    return request


async def check_decider(
    db: Database,
    guild_id: int,
    answer_id: int,
    expert_id: int,
    role_ids: frozenset[int],
    manage_guild: bool,
) -> float:
    """Check that ``expert_id`` may decide the request now; its automatic score.

    Called before the Set score form opens, so nobody fills a form in vain; `decide`
    checks again.
    """
    async with db.session() as session:
        request = await _request_for(
            session, guild_id, answer_id, expert_id, role_ids, manage_guild
        )
        return request.auto_score


async def _streak_on(session: AsyncSession, answer: Answer) -> int:
    """The streak the member had when ``answer`` was scored (its run of consecutive days).

    Earlier days count only with an answer that scored above 0, as when streaks are kept.
    """
    days = await session.scalars(
        select(Answer.local_date)
        .where(
            Answer.guild_id == answer.guild_id,
            Answer.user_id == answer.user_id,
            Answer.post_id.is_not(None),
            Answer.local_date <= answer.local_date,
            or_(Answer.id == answer.id, Answer.score > 0),
        )
        .group_by(Answer.local_date)
        .order_by(Answer.local_date.desc())
    )
    streak, expected = 0, answer.local_date
    for day in days:
        if day != expected:
            break
        streak += 1
        expected = day - timedelta(days=1)
    return max(streak, 1)


async def decide(
    db: Database,
    bank: QuestionBank,
    guild_id: int,
    answer_id: int,
    expert_id: int,
    role_ids: frozenset[int],
    manage_guild: bool,
    now: datetime,
    *,
    new_score: float | None = None,
    reason: str | None = None,
) -> Decision:
    """Confirm the automatic score (``new_score`` None) or set a new one with a reason (commits).

    The request is claimed first with ``UPDATE … WHERE status = 'pending'``; a second
    decision raises ``review.already_decided`` and changes nothing. A new score updates the
    answer's score and points, the member's stats, every leaderboard scope the answer
    counted in, and writes an audit row; a confirmation writes an audit row of 0 points.
    Raises UserError for a member who is not an expert, an expert's own answer, a score
    outside 0..10 or a blank reason.
    """
    if new_score is not None:
        if not (math.isfinite(new_score) and 0 <= new_score <= 10):
            raise UserError("review.score_out_of_range", value=f"{new_score:g}")
        new_score = round(new_score, 1) + 0.0
        reason = clean_reason(reason)
    async with db.session() as session:
        request = await _request_for(
            session, guild_id, answer_id, expert_id, role_ids, manage_guild
        )
        answer = await _daily_answer(session, guild_id, answer_id)
        card = await _card(
            session, bank, answer, request.note, request.channel_id, request.auto_score
        )
        old_score, old_points = answer.score, answer.points
        final = old_score if new_score is None else new_score
        status = CONFIRMED if final == old_score else CHANGED
        request_id = request.id
        claimed = await execute_for_rowcount(
            session,
            update(ReviewRequest)
            .where(ReviewRequest.id == request_id, ReviewRequest.status == PENDING)
            .values(
                status=status,
                final_score=final,
                reason=reason,
                decided_by=expert_id,
                decided_at=now,
            ),
        )
        if claimed != 1:
            await session.rollback()
            by = await session.scalar(
                select(ReviewRequest.decided_by).where(ReviewRequest.id == request_id)
            )
            raise UserError("review.already_decided", by=f"<@{by}>")
        post = await session.get(QuestionPost, answer.post_id)
        assert post is not None
        new_points = old_points
        if status == CHANGED:
            streak = await _streak_on(session, answer)
            new_points = answer_points(final, post.difficulty, streak)
        delta = round(new_points - old_points, 1)
        if status == CHANGED:
            answer.score, answer.points = final, new_points
            await upsert_add(
                session,
                MemberStats,
                {"guild_id": guild_id, "user_id": answer.user_id},
                {
                    "answers": 0,
                    "practice_answers": 0,
                    "score_sum": final - old_score,
                    "points": delta,
                },
            )
            for scope in period_scopes(answer.local_date, answer.topic):
                await upsert_add(
                    session,
                    LeaderboardPoints,
                    {"guild_id": guild_id, "scope": scope, "user_id": answer.user_id},
                    {"points": delta, "answers": 0},
                )
        session.add(
            ScoreAdjustment(
                guild_id=guild_id,
                user_id=answer.user_id,
                points=delta,
                reason=(reason or CONFIRM_REASON)[:MAX_REASON],
                by_user_id=expert_id,
                created_at=now,
                answer_id=answer.id,
            )
        )
        result = Decision(
            request_id=request.id,
            card=card,
            message_id=request.message_id,
            member_lang=request.lang,
            outcome=Outcome(
                status=status,
                decided_by=expert_id,
                old_score=old_score,
                new_score=final,
                old_points=old_points,
                new_points=new_points,
                reason=reason,
                decided_at=now,
            ),
        )
        await session.commit()
    return result
