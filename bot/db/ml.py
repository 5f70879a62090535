"""The ML job log: one row per ML request (done, refused or failed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake


class MlJob(Base):
    """One ML request: who asked what, with which seed and model, how long it took, how it ended.

    ``status`` is one of ok, bad_input, limited, no_model, stale, timeout, failed; ``error`` is
    the reason code when it did not succeed. A log, so no foreign key to the guild's settings.
    """

    __tablename__ = "ml_jobs"
    __table_args__ = (Index("ix_ml_jobs_guild_created", "guild_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    member_id: Mapped[int] = mapped_column(Snowflake)
    command: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[str] = mapped_column(Text)  # JSON object
    seed: Mapped[int | None] = mapped_column(BigInteger)
    model_version: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(32))
    latency_ms: Mapped[float | None] = mapped_column(Float)  # admission to result
    compute_ms: Mapped[float | None] = mapped_column(Float)  # time in the inference worker
    created_at: Mapped[datetime]
