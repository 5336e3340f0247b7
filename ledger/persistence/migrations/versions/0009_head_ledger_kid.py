"""the log head names the ledger key in force once a rotation has posted (null: the genesis's)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("log_head") as batch:
        batch.add_column(sa.Column("ledger_kid", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("log_head") as batch:
        batch.drop_column("ledger_kid")
