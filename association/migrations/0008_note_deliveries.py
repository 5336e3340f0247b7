"""the paper notes the association hands to its exchange offices (inventory, not in the log)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "note_deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("office", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("kid", sa.String(length=8), nullable=False),
        sa.Column("recorded", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_note_deliveries_amount")),
        sa.ForeignKeyConstraint(
            ["office"],
            ["accounts.number"],
            name=op.f("fk_note_deliveries_office_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_deliveries")),
    )
    op.create_index(op.f("ix_note_deliveries_office"), "note_deliveries", ["office"])


def downgrade() -> None:
    op.drop_index(op.f("ix_note_deliveries_office"), table_name="note_deliveries")
    op.drop_table("note_deliveries")
