"""ml jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 03:22:19.619827
"""

from collections.abc import Sequence

import sqlalchemy as sa

import bot.db.base
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ml_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=32), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("compute_ms", sa.Float(), nullable=True),
        sa.Column("created_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml_jobs")),
    )
    with op.batch_alter_table("ml_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_ml_jobs_guild_created", ["guild_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ml_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_ml_jobs_guild_created")

    op.drop_table("ml_jobs")
