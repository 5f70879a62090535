"""answers remember the misconceptions they stated (for the reveal's most common ones)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(
            sa.Column("misconceptions", sa.String(length=400), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("misconceptions")
