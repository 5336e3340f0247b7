"""imports from another platform (Cyclos 4, generic CSV) and their archived history

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_imports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("by", sa.String(length=80), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("reconciliation", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "source IN ('cyclos', 'generic')", name=op.f("ck_platform_imports_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_imports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_platform_imports_sha256")),
    )
    op.create_table(
        "archived_transfers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.String(length=25), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("counterparty", sa.String(length=140), nullable=False),
        sa.Column("other", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_archived_transfers_amount")),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["platform_imports.id"],
            name=op.f("fk_archived_transfers_import_id_platform_imports"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["account"],
            ["accounts.number"],
            name=op.f("fk_archived_transfers_account_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["other"],
            ["accounts.number"],
            name=op.f("fk_archived_transfers_other_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archived_transfers")),
    )
    op.create_index(op.f("ix_archived_transfers_account"), "archived_transfers", ["account"])
    op.create_index(op.f("ix_archived_transfers_import_id"), "archived_transfers", ["import_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_archived_transfers_import_id"), table_name="archived_transfers")
    op.drop_index(op.f("ix_archived_transfers_account"), table_name="archived_transfers")
    op.drop_table("archived_transfers")
    op.drop_table("platform_imports")
