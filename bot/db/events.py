"""Tables of community events: per-guild settings, events, RSVPs and the weekly digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake

SCHEDULED, CANCELLED = "scheduled", "cancelled"  # Event.status


class EventConfig(Base):
    """Per-guild event settings; ``timezone`` None means the server's (GuildSettings)."""

    __tablename__ = "event_config"

    guild_id: Mapped[int] = mapped_column(
        Snowflake,
        ForeignKey("guild_settings.guild_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    organiser_role_id: Mapped[int | None] = mapped_column(Snowflake)
    reminder_offsets: Mapped[str] = mapped_column(String(100), default="1440,15")  # minutes
    native_warned: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name
    updated_at: Mapped[datetime]


class Event(Base):
    """One event (a one-off or a repeating series); times are UTC, repeats expand locally."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_guild_status_start", "guild_id", "status", "start_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        Snowflake, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    creator_id: Mapped[int] = mapped_column(Snowflake)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime]  # the first occurrence
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(100))  # URL or offline address
    voice_channel_id: Mapped[int | None] = mapped_column(Snowflake)  # voice or stage channel
    capacity: Mapped[int | None] = mapped_column(Integer)
    rrule: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default=SCHEDULED)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    channel_id: Mapped[int] = mapped_column(Snowflake)  # where it is announced
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    thread_id: Mapped[int | None] = mapped_column(Snowflake)
    native_event_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Rsvp(Base):
    """A member's answer to an event: going, waitlist, maybe or not_going (one per member)."""

    __tablename__ = "event_rsvps"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    status: Mapped[str] = mapped_column(String(16))
    responded_at: Mapped[datetime]  # waitlist order


class EventChange(Base):
    """A change of an event's time or place, told to its members once (see the ledger)."""

    __tablename__ = "event_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    old_start_at: Mapped[datetime]  # the occurrence members expected
    new_start_at: Mapped[datetime]
    old_duration_minutes: Mapped[int] = mapped_column(Integer)
    new_duration_minutes: Mapped[int] = mapped_column(Integer)
    old_place: Mapped[str] = mapped_column(String(120))  # as shown: link, address or <#channel>
    new_place: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class DigestConfig(Base):
    """Per-guild weekly digest settings: channel, local weekday (0 = Monday) and time."""

    __tablename__ = "digest_config"

    guild_id: Mapped[int] = mapped_column(
        Snowflake,
        ForeignKey("guild_settings.guild_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    post_time: Mapped[str] = mapped_column(String(5), default="09:00")
    updated_at: Mapped[datetime]
