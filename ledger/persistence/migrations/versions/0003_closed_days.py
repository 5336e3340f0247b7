"""closed business days; the till that signed each payment request; entries by time

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KID_AT = slice(21, 25)  # bytes of the signing key's id in a payment request (FORMATS.md §6)


def upgrade() -> None:
    op.create_table(
        "days",
        sa.Column("account", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("entry", sa.BigInteger(), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account"],
            ["accounts.number"],
            name=op.f("fk_days_account_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry"], ["entries.idx"], name=op.f("fk_days_entry_entries"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("account", "date", name=op.f("pk_days")),
        sa.UniqueConstraint("entry", name=op.f("uq_days_entry")),
    )
    with op.batch_alter_table("payment_requests") as batch:
        batch.add_column(sa.Column("kid", sa.String(length=8), nullable=True))
        batch.create_index(batch.f("ix_payment_requests_kid"), ["kid"], unique=False)
    requests = sa.table(
        "payment_requests", sa.column("payreq", sa.String), sa.column("pr", sa.LargeBinary)
    )
    bind = op.get_bind()
    for payreq, pr in bind.execute(sa.select(requests.c.payreq, requests.c.pr)).all():
        bind.execute(
            sa.text("UPDATE payment_requests SET kid = :kid WHERE payreq = :payreq"),
            {"kid": bytes(pr)[KID_AT].hex(), "payreq": payreq},
        )
    op.create_index(op.f("ix_entries_accepted"), "entries", ["accepted"], unique=False)
    if bind.dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER days_no_{action.lower()} BEFORE {action} ON days "
                "BEGIN SELECT RAISE(ABORT, 'sou: days are append-only'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER days_append_only BEFORE UPDATE OR DELETE ON days "
            "FOR EACH ROW EXECUTE FUNCTION sou_append_only()"
        )
        op.execute(
            "CREATE TRIGGER days_no_truncate BEFORE TRUNCATE ON days "
            "FOR EACH STATEMENT EXECUTE FUNCTION sou_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER days_append_only ON days")
        op.execute("DROP TRIGGER days_no_truncate ON days")
    op.drop_index(op.f("ix_entries_accepted"), table_name="entries")
    with op.batch_alter_table("payment_requests") as batch:
        batch.drop_index(batch.f("ix_payment_requests_kid"))
        batch.drop_column("kid")
    op.drop_table("days")
