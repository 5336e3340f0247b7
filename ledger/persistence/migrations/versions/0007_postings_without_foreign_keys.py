"""postings check what they refer to once per statement, not with a foreign key per row

On PostgreSQL a foreign key is a trigger that runs one query per row; the three of `postings`
took about half of a batch's append statement, under the log head's lock. They become one
statement-level trigger that checks every new posting's entry and accounts in one query. On
SQLite (whose `ALTER TABLE` cannot drop a constraint, so the table is rebuilt, and with it its
append-only triggers) the same checks are a row trigger. Accounts are never deleted (they are
closed), which the foreign keys also ensured for those with postings; a trigger now refuses it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = (
    ("fk_postings_entry_entries", "entries", "entry", "idx"),
    ("fk_postings_debit_accounts", "accounts", "debit", "number"),
    ("fk_postings_credit_accounts", "accounts", "credit", "number"),
)
# What each posting must refer to, and the message when it does not.
_CHECKS = (
    ("SELECT 1 FROM entries e WHERE e.idx = {p}.entry", "the entry of a posting is unknown"),
    (
        "SELECT 1 FROM accounts a WHERE a.number = {p}.debit",
        "the debit account of a posting is unknown",
    ),
    (
        "SELECT 1 FROM accounts a WHERE a.number = {p}.credit",
        "the credit account of a posting is unknown",
    ),
)
_NO_DELETE = "accounts are closed, never deleted"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    with op.batch_alter_table("postings") as batch:
        for name, _, _, _ in _KEYS:
            batch.drop_constraint(name, type_="foreignkey")
    if _sqlite():
        for action in ("UPDATE", "DELETE"):  # the table was rebuilt without them
            op.execute(
                f"CREATE TRIGGER postings_no_{action.lower()} BEFORE {action} ON postings "
                "BEGIN SELECT RAISE(ABORT, 'sou: postings are append-only'); END"
            )
        for n, (query, message) in enumerate(_CHECKS):
            op.execute(
                f"CREATE TRIGGER postings_refer_{n} BEFORE INSERT ON postings "
                f"WHEN NOT EXISTS ({query.format(p='NEW')}) "
                f"BEGIN SELECT RAISE(ABORT, 'sou: {message}'); END"
            )
        op.execute(
            "CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts "
            f"BEGIN SELECT RAISE(ABORT, 'sou: {_NO_DELETE}'); END"
        )
        return
    checks = " ".join(
        f"IF EXISTS (SELECT 1 FROM new_postings p WHERE NOT EXISTS ({query.format(p='p')})) "
        f"THEN RAISE EXCEPTION 'sou: {message}' USING ERRCODE = 'foreign_key_violation'; END IF;"
        for query, message in _CHECKS
    )
    op.execute(
        "CREATE FUNCTION sou_postings_refer() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {checks} RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER postings_refer AFTER INSERT ON postings "
        "REFERENCING NEW TABLE AS new_postings "
        "FOR EACH STATEMENT EXECUTE FUNCTION sou_postings_refer()"
    )
    op.execute(
        "CREATE FUNCTION sou_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION 'sou: {_NO_DELETE}' USING ERRCODE = 'restrict_violation'; END $$"
    )
    op.execute(
        "CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts "
        "FOR EACH ROW EXECUTE FUNCTION sou_no_delete()"
    )


def downgrade() -> None:
    if _sqlite():
        op.execute("DROP TRIGGER accounts_no_delete")
        for n in range(len(_CHECKS)):
            op.execute(f"DROP TRIGGER postings_refer_{n}")
    else:
        op.execute("DROP TRIGGER accounts_no_delete ON accounts")
        op.execute("DROP FUNCTION sou_no_delete()")
        op.execute("DROP TRIGGER postings_refer ON postings")
        op.execute("DROP FUNCTION sou_postings_refer()")
    with op.batch_alter_table("postings") as batch:
        for name, table, column, remote in _KEYS:
            batch.create_foreign_key(name, table, [column], [remote], ondelete="RESTRICT")
    if _sqlite():
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS postings_no_{action.lower()} BEFORE {action} "
                "ON postings BEGIN SELECT RAISE(ABORT, 'sou: postings are append-only'); END"
            )
