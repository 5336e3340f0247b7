"""memos beside the log: a record's `memo` is the commitment to a text kept here (ledger.memos)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "memos",
        sa.Column("entry", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(140), nullable=False),
        sa.Column("salt", sa.LargeBinary(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry"], ["entries.idx"], name=op.f("fk_memos_entry_entries"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("entry", name=op.f("pk_memos")),
    )


def downgrade() -> None:
    op.drop_table("memos")
