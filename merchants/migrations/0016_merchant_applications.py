"""merchant applications (refused with a reason), card fields and confirmed coordinates

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Added columns only (no table rebuild): on SQLite, rebuilding `merchants` would drop a table
# that reconversions refer to. A refusal is `refused` (when) and its reason; the coordinates
# the treasurer confirmed are integer microdegrees.
COLUMNS = (
    ("refused", sa.BigInteger()),
    ("refusal_reason", sa.String(length=280)),
    ("latitude_e6", sa.Integer()),
    ("longitude_e6", sa.Integer()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("merchants", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("merchants") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
