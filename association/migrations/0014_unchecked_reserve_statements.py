"""a reserve statement may be UNCHECKED: a reserve account holding euros had no bank statement

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ck_reserve_statements_status"


def _status_check(statuses: str) -> None:
    with op.batch_alter_table("reserve_statements") as batch:
        batch.drop_constraint(op.f(_NAME), type_="check")
        batch.create_check_constraint(op.f(_NAME), f"status IN ({statuses})")


def upgrade() -> None:
    _status_check("'OK', 'SHORTFALL', 'UNCHECKED'")


def downgrade() -> None:
    op.execute("UPDATE reserve_statements SET status = 'SHORTFALL' WHERE status = 'UNCHECKED'")
    _status_check("'OK', 'SHORTFALL'")
