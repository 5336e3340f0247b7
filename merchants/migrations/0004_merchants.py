"""merchants: profiles, fee rules, reconversions and payout batches (merchants.tables)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "('business', 'cae', 'local_authority', 'association')"


def upgrade() -> None:
    op.create_table(
        "merchants",
        sa.Column("account", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent", sa.BigInteger(), nullable=True),
        sa.Column("analytic_code", sa.String(length=20), nullable=True),
        sa.Column("legal_name", sa.String(length=140), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("activity", sa.String(length=140), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closing_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("membership_paid_until", sa.String(length=10), nullable=True),
        sa.Column("applied", sa.BigInteger(), nullable=False),
        sa.Column("approved", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_merchants_kind")),
        sa.CheckConstraint("status IN ('pending', 'approved')", name=op.f("ck_merchants_status")),
        sa.CheckConstraint(
            "closing_minutes BETWEEN 0 AND 1439", name=op.f("ck_merchants_closing_minutes")
        ),
        sa.CheckConstraint(
            "parent IS NULL OR parent <> account", name=op.f("ck_merchants_parent_other")
        ),
        sa.ForeignKeyConstraint(
            ["account"],
            ["accounts.number"],
            name=op.f("fk_merchants_account_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["parent"],
            ["merchants.account"],
            name=op.f("fk_merchants_parent_merchants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_merchants")),
    )
    op.create_index(op.f("ix_merchants_parent"), "merchants", ["parent"], unique=False)
    op.create_table(
        "fee_rules",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rate", sa.SmallInteger(), nullable=False),
        sa.Column("minimum", sa.BigInteger(), nullable=False),
        sa.Column("membership_required", sa.Boolean(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_fee_rules_kind")),
        sa.CheckConstraint("rate BETWEEN 0 AND 500", name=op.f("ck_fee_rules_rate")),
        sa.CheckConstraint("minimum >= 1", name=op.f("ck_fee_rules_minimum")),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_fee_rules")),
    )
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("approved_by", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("executed", sa.BigInteger(), nullable=True),
        sa.Column("sepa_file", sa.LargeBinary(), nullable=False),
        sa.Column("sepa_sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "status IN ('approved', 'executed')", name=op.f("ck_payout_batches_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batches")),
        sa.UniqueConstraint("message_id", name=op.f("uq_payout_batches_message_id")),
    )
    op.create_table(
        "reconversions",
        sa.Column("entry", sa.BigInteger(), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("requested", sa.BigInteger(), nullable=False),
        sa.Column("batch", sa.BigInteger(), nullable=True),
        sa.Column("payout_entry", sa.BigInteger(), nullable=True),
        sa.Column("creditor", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "amount > 0 AND fee >= 0 AND fee <= amount", name=op.f("ck_reconversions_amounts")
        ),
        sa.CheckConstraint(
            "(batch IS NULL) = (payout_entry IS NULL)",
            name=op.f("ck_reconversions_paid_in_a_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["account"],
            ["merchants.account"],
            name=op.f("fk_reconversions_account_merchants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["batch"],
            ["payout_batches.id"],
            name=op.f("fk_reconversions_batch_payout_batches"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry"],
            ["entries.idx"],
            name=op.f("fk_reconversions_entry_entries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payout_entry"],
            ["entries.idx"],
            name=op.f("fk_reconversions_payout_entry_entries"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("entry", name=op.f("pk_reconversions")),
        sa.UniqueConstraint("payout_entry", name=op.f("uq_reconversions_payout_entry")),
        sa.UniqueConstraint("record_id", name=op.f("uq_reconversions_record_id")),
    )
    op.create_index(op.f("ix_reconversions_account"), "reconversions", ["account"], unique=False)
    op.create_index(op.f("ix_reconversions_batch"), "reconversions", ["batch"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reconversions_batch"), table_name="reconversions")
    op.drop_index(op.f("ix_reconversions_account"), table_name="reconversions")
    op.drop_table("reconversions")
    op.drop_table("payout_batches")
    op.drop_table("fee_rules")
    op.drop_index(op.f("ix_merchants_parent"), table_name="merchants")
    op.drop_table("merchants")
