"""ORM models of the core: guild settings, the scheduled-post ledger, bot state and the
per-member choices (privacy, practice questions seen)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake


class GuildSettings(Base):
    """Per-guild configuration; a row is created the first time a guild is seen."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    alert_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ScheduledPost(Base):
    """The ledger: one row per post that must happen at most once.

    ``occurrence_key`` is the guild-local date (``2026-11-29``), ISO week (``2026-W48``) or
    another key the kind defines. A row is claimed and committed before Discord is called.

    ``status`` moves ``claimed → sending → sent``; a transient fault sets ``retry`` (with
    ``attempts`` and ``next_attempt_at``), a permanent one or an expired window ``failed``.
    ``lease_until`` bounds how long a ``claimed``/``sending`` row belongs to the process that
    set it; ``expires_at`` ends the kind's grace window (no delivery after it).
    """

    __tablename__ = "scheduled_posts"
    __table_args__ = (UniqueConstraint("guild_id", "kind", "occurrence_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        Snowflake, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    occurrence_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="claimed", index=True)
    claimed_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class MemberPrivacy(Base):
    """A member's privacy choices in a guild (``/profile privacy``); no row means defaults."""

    __tablename__ = "member_privacy"

    guild_id: Mapped[int] = mapped_column(
        Snowflake,
        ForeignKey("guild_settings.guild_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    hide_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    updated_at: Mapped[datetime]


class PracticeSeen(Base):
    """A practice question shown to a member, and when it was last shown (one row per slug)."""

    __tablename__ = "practice_seen"

    guild_id: Mapped[int] = mapped_column(
        Snowflake,
        ForeignKey("guild_settings.guild_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    seen_at: Mapped[datetime]


class BotState(Base):
    """Small key/value facts the bot keeps between runs (e.g. the synced command-tree hash)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000))
    updated_at: Mapped[datetime]
