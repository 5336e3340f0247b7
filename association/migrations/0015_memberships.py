"""membership fees, payments and the association's settings

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CATEGORY = "category IN ('resident', 'merchant', 'reduced')"


def upgrade() -> None:
    op.create_table(
        "membership_fees",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(_CATEGORY, name=op.f("ck_membership_fees_category")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_membership_fees_amount")),
        sa.PrimaryKeyConstraint("year", "category", name=op.f("pk_membership_fees")),
    )
    op.create_table(
        "membership_payments",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("entry", sa.BigInteger(), nullable=True),
        sa.Column("office", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("by", sa.String(length=80), nullable=False),
        sa.CheckConstraint(_CATEGORY, name=op.f("ck_membership_payments_category")),
        sa.CheckConstraint(
            "method IN ('euros', 'currency')", name=op.f("ck_membership_payments_method")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_membership_payments_amount")),
        sa.CheckConstraint(
            "(method = 'currency') = (entry IS NOT NULL)",
            name=op.f("ck_membership_payments_entry_method"),
        ),
        sa.ForeignKeyConstraint(
            ["account"],
            ["accounts.number"],
            name=op.f("fk_membership_payments_account_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry"],
            ["entries.idx"],
            name=op.f("fk_membership_payments_entry_entries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["office"],
            ["accounts.number"],
            name=op.f("fk_membership_payments_office_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_membership_payments")),
        sa.UniqueConstraint("account", "year", name=op.f("uq_membership_payments_account_year")),
        sa.UniqueConstraint("entry", name=op.f("uq_membership_payments_entry")),
    )
    op.create_index(op.f("ix_membership_payments_account"), "membership_payments", ["account"])
    op.create_table(
        "association_settings",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_association_settings")),
    )


def downgrade() -> None:
    op.drop_table("association_settings")
    op.drop_index(op.f("ix_membership_payments_account"), table_name="membership_payments")
    op.drop_table("membership_payments")
    op.drop_table("membership_fees")
