"""who did what: the administrative acts and their actors, append-only (ledger.acts)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_acts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("act", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_acts")),
    )
    op.create_index(op.f("ix_admin_acts_act"), "admin_acts", ["act"])
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER admin_acts_no_{action.lower()} BEFORE {action} ON admin_acts "
                "BEGIN SELECT RAISE(ABORT, 'sou: admin_acts are append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER admin_acts_append_only BEFORE UPDATE OR DELETE ON admin_acts "
        "FOR EACH ROW EXECUTE FUNCTION sou_append_only()"
    )
    op.execute(
        "CREATE TRIGGER admin_acts_no_truncate BEFORE TRUNCATE ON admin_acts "
        "FOR EACH STATEMENT EXECUTE FUNCTION sou_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER admin_acts_append_only ON admin_acts")
        op.execute("DROP TRIGGER admin_acts_no_truncate ON admin_acts")
    op.drop_index(op.f("ix_admin_acts_act"), table_name="admin_acts")
    op.drop_table("admin_acts")
