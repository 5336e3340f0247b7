"""each account row carries a seal by the ledger key, as of its latest entry (ledger.integrity)

The seals are made by the service, which holds the ledger key, when it starts: it first
checks each unsealed account's debits, credits and latest entry against its postings.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases (SQLite 3.35+ drops columns): a batch copy of the table
# would break the triggers that name it.
def upgrade() -> None:
    op.add_column("accounts", sa.Column("seal", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "seal")
