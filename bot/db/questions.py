"""Tables of the daily interview question: posts, answers, aggregates, adjustments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake


class DailyConfig(Base):
    """Per-guild daily-question settings (timezone and language live in GuildSettings)."""

    __tablename__ = "daily_config"

    guild_id: Mapped[int] = mapped_column(
        Snowflake,
        ForeignKey("guild_settings.guild_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    post_time: Mapped[str] = mapped_column(String(5), default="09:00")
    topic: Mapped[str | None] = mapped_column(String(40))
    ping_role_id: Mapped[int | None] = mapped_column(Snowflake)
    expert_role_id: Mapped[int | None] = mapped_column(Snowflake)
    review_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    answer_hours: Mapped[int] = mapped_column(Integer, default=24)
    updated_at: Mapped[datetime]


class QuestionPost(Base):
    """One daily question posted in a guild (at most one per guild-local date)."""

    __tablename__ = "question_posts"
    __table_args__ = (UniqueConstraint("guild_id", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        Snowflake, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    local_date: Mapped[date] = mapped_column(Date)
    slug: Mapped[str] = mapped_column(String(80))
    topic: Mapped[str] = mapped_column(String(40))
    difficulty: Mapped[int] = mapped_column(Integer)
    posted_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    thread_id: Mapped[int | None] = mapped_column(Snowflake)
    revealed_at: Mapped[datetime | None]


class Answer(Base):
    """A member's scored answer: to a daily post (one per member) or in practice mode."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id"),
        Index("ix_answers_guild_user_created", "guild_id", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        Snowflake, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(Snowflake)
    post_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("question_posts.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80))
    topic: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    covered: Mapped[str] = mapped_column(String(400))  # comma-separated key point ids
    # comma-separated ids of the misconceptions the answer stated
    misconceptions: Mapped[str] = mapped_column(String(400), default="", server_default="")
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class MemberStats(Base):
    """Running per-member totals for profiles and streaks (updated with each answer)."""

    __tablename__ = "member_stats"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    practice_answers: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    points: Mapped[float] = mapped_column(Float, default=0.0)
    current_streak: Mapped[int] = mapped_column(Integer, default=0)
    best_streak: Mapped[int] = mapped_column(Integer, default=0)
    last_answer_date: Mapped[date | None] = mapped_column(Date)


class LeaderboardPoints(Base):
    """Points per member and scope, kept in step with every answer and adjustment.

    ``scope`` is ``all``, an ISO week ``2026-W48`` or a month ``2026-11`` (guild-local), each
    optionally suffixed with ``:topic``. Ranking reads one index range, whatever the history size.
    """

    __tablename__ = "leaderboard_points"
    __table_args__ = (Index("ix_leaderboard_rank", "guild_id", "scope", "points"),)

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    points: Mapped[float] = mapped_column(Float, default=0.0)
    answers: Mapped[int] = mapped_column(Integer, default=0)


class ScoreAdjustment(Base):
    """Audit trail of point changes: `/score adjust` and expert review decisions.

    A review decision names the reviewed answer in ``answer_id`` (a confirmation is kept with
    0 points); manual adjustments leave it empty.
    """

    __tablename__ = "score_adjustments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        Snowflake, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(Snowflake)
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(200))
    by_user_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime]
    answer_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("answers.id", ondelete="SET NULL")
    )


REVIEW_STATUSES = ("pending", "confirmed", "changed")


class ReviewRequest(Base):
    """A member's request for an expert to review the automatic score of a daily answer.

    At most one per answer (``UNIQUE answer_id``). It is decided once: the decision is an
    ``UPDATE … WHERE status = 'pending'``, so of two experts deciding at once one wins.
    """

    __tablename__ = "review_requests"
    __table_args__ = (
        UniqueConstraint("answer_id"),
        CheckConstraint("status IN ('pending', 'confirmed', 'changed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        Snowflake, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int] = mapped_column(Integer, ForeignKey("answers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    note: Mapped[str | None] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(5))  # the member's language, for the outcome DM
    channel_id: Mapped[int] = mapped_column(Snowflake)  # where the card was posted
    message_id: Mapped[int] = mapped_column(Snowflake)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    auto_score: Mapped[float] = mapped_column(Float)
    final_score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[int | None] = mapped_column(Snowflake)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
