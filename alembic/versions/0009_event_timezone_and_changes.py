"""events: a timezone of their own, and the time/place changes members are told about

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import bot.db.base
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_config") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    op.create_table(
        "event_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("old_start_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("new_start_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("old_duration_minutes", sa.Integer(), nullable=False),
        sa.Column("new_duration_minutes", sa.Integer(), nullable=False),
        sa.Column("old_place", sa.String(length=120), nullable=False),
        sa.Column("new_place", sa.String(length=120), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_changes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_changes")),
    )
    op.create_index(op.f("ix_event_changes_event_id"), "event_changes", ["event_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_event_changes_event_id"), table_name="event_changes")
    op.drop_table("event_changes")
    with op.batch_alter_table("event_config") as batch:
        batch.drop_column("timezone")
