"""auth challenges

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_challenges",
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("kid", sa.String(length=8), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("challenge", name=op.f("pk_auth_challenges")),
    )
    op.create_index(op.f("ix_auth_challenges_kid"), "auth_challenges", ["kid"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_challenges_kid"), table_name="auth_challenges")
    op.drop_table("auth_challenges")
