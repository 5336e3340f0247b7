"""the association: reserve bank accounts and statements, reserve statements, auditors

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auditor_visits",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kid", sa.String(length=8), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auditor_visits")),
    )
    op.create_index(op.f("ix_auditor_visits_kid"), "auditor_visits", ["kid"], unique=False)
    op.create_table(
        "reserve_statements",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("liabilities", sa.BigInteger(), nullable=False),
        sa.Column("reserve", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("balances", sa.LargeBinary(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('OK', 'SHORTFALL')", name=op.f("ck_reserve_statements_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserve_statements")),
        sa.UniqueConstraint("date", name=op.f("uq_reserve_statements_date")),
    )
    op.create_table(
        "bank_accounts",
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("label", sa.String(length=140), nullable=False),
        sa.Column("ledger_account", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_account"],
            ["accounts.number"],
            name=op.f("fk_bank_accounts_ledger_account_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("iban", name=op.f("pk_bank_accounts")),
        sa.UniqueConstraint("ledger_account", name=op.f("uq_bank_accounts_ledger_account")),
    )
    op.create_table(
        "auditor_grants",
        sa.Column("kid", sa.String(length=8), nullable=False),
        sa.Column("granted", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("expires > granted", name=op.f("ck_auditor_grants_window")),
        sa.ForeignKeyConstraint(
            ["kid"], ["keys.kid"], name=op.f("fk_auditor_grants_kid_keys"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_auditor_grants")),
    )
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("opening_date", sa.String(length=10), nullable=False),
        sa.Column("opening_balance", sa.BigInteger(), nullable=False),
        sa.Column("closing_date", sa.String(length=10), nullable=False),
        sa.Column("closing_balance", sa.BigInteger(), nullable=False),
        sa.Column("imported", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("opening_date <= closing_date", name=op.f("ck_bank_statements_dates")),
        sa.ForeignKeyConstraint(
            ["iban"],
            ["bank_accounts.iban"],
            name=op.f("fk_bank_statements_iban_bank_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sa.UniqueConstraint("sha256", name=op.f("uq_bank_statements_sha256")),
    )
    op.create_index(op.f("ix_bank_statements_iban"), "bank_statements", ["iban"], unique=False)
    op.create_table(
        "statement_lines",
        sa.Column("statement", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("entry", sa.BigInteger(), nullable=True),
        sa.Column("batch", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status <> 'matched' OR entry IS NOT NULL OR batch IS NOT NULL",
            name=op.f("ck_statement_lines_matched_to"),
        ),
        sa.CheckConstraint(
            "status <> 'resolved' OR note IS NOT NULL",
            name=op.f("ck_statement_lines_resolved_note"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'matched', 'resolved')", name=op.f("ck_statement_lines_status")
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_statement_lines_amount")),
        sa.ForeignKeyConstraint(
            ["batch"],
            ["payout_batches.id"],
            name=op.f("fk_statement_lines_batch_payout_batches"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry"],
            ["entries.idx"],
            name=op.f("fk_statement_lines_entry_entries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["statement"],
            ["bank_statements.id"],
            name=op.f("fk_statement_lines_statement_bank_statements"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("statement", "line", name=op.f("pk_statement_lines")),
        sa.UniqueConstraint("batch", name=op.f("uq_statement_lines_batch")),
        sa.UniqueConstraint("entry", name=op.f("uq_statement_lines_entry")),
    )
    op.create_index(
        op.f("ix_statement_lines_reference"), "statement_lines", ["reference"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_statement_lines_reference"), table_name="statement_lines")
    op.drop_table("statement_lines")
    op.drop_index(op.f("ix_bank_statements_iban"), table_name="bank_statements")
    op.drop_table("bank_statements")
    op.drop_table("auditor_grants")
    op.drop_table("bank_accounts")
    op.drop_table("reserve_statements")
    op.drop_index(op.f("ix_auditor_visits_kid"), table_name="auditor_visits")
    op.drop_table("auditor_visits")
