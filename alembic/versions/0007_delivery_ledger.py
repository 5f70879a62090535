"""delivery ledger: retry/failed states with attempts, lease and window; server alert channel

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_posts") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_scheduled_posts_status", ["status"])
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(sa.Column("alert_channel_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("alert_channel_id")
    with op.batch_alter_table("scheduled_posts") as batch:
        batch.drop_index("ix_scheduled_posts_status")
        batch.drop_column("expires_at")
        batch.drop_column("lease_until")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
