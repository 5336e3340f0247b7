"""The database schema: made by the migrations exactly as `tables.py` says, and self-defending.

Each constraint is proved with raw SQL that bypasses the ledger's code: the database itself
refuses, raises, and keeps its data unchanged. Each refusal has a control beside it, the same
statement made valid, which the database accepts (in a transaction rolled back).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from ledger.persistence import tables as t
from ledger.persistence.database import make_engine
from ledger.persistence.migrate import alembic_config, upgrade
from ledger.transparency import latest_checkpoint
from tests.support import Holder, World

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, in primary-key order."""
    rows: Snapshot = {}
    with engine.connect() as conn:
        for table in t.Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            result = conn.execute(select(table).order_by(*order))
            rows[table.name] = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in result
            ]
    return rows


def refused(world: World, sql: str, params: dict[str, Any] | None = None, *, why: str) -> None:
    """`sql` raises an IntegrityError naming `why` (a constraint or trigger), changing nothing."""
    before = snapshot(world.engine)
    with pytest.raises(IntegrityError) as info, world.engine.begin() as conn:
        conn.execute(text(sql), params or {})
    assert why in str(info.value.orig)
    assert snapshot(world.engine) == before


Reasons = str | tuple[str, ...]


def refused_row(world: World, table: str, row: dict[str, Any], *, why: Reasons) -> None:
    """Inserting `row` into `table` is refused for the reason `why` (any of them)."""
    before = snapshot(world.engine)
    with pytest.raises(IntegrityError) as info, world.engine.begin() as conn:
        conn.execute(insert(t.Base.metadata.tables[table]), row)
    reasons = (why,) if isinstance(why, str) else why
    assert any(reason in str(info.value.orig) for reason in reasons), str(info.value.orig)
    assert snapshot(world.engine) == before


def accepted_row(world: World, table: str, row: dict[str, Any]) -> None:
    """The control: `row` is a valid insert (rolled back, so nothing stays)."""
    before = snapshot(world.engine)
    with world.engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(insert(t.Base.metadata.tables[table]), row)
        transaction.rollback()
    assert snapshot(world.engine) == before


def _is_postgres(world: World) -> bool:
    return world.engine.dialect.name == "postgresql"


@dataclass(frozen=True)
class Busy:
    """A ledger with conversions, payments, a paid request, a refund, a closed day, a checkpoint."""

    world: World
    alice: Holder
    shop: Holder


def _busy(world: World) -> Busy:
    alice, shop = world.resident(balance=50_00), world.merchant()
    world.post(world.day(shop, "2026-03-13"))
    payment = world.pay(alice, shop, 20_00)
    world.pay(alice, shop, 5_00, payreq=world.register_request(shop, 5_00))
    world.pay(shop, alice, 2_50, ref=payment.record.id)
    with world.ledger.unit_of_work() as uow:
        latest_checkpoint(uow, now=world.now)
        uow.commit()
    return Busy(world, alice, shop)


@pytest.fixture
def busy(world: World) -> Busy:
    return _busy(world)


@pytest.fixture
def busy_postgres(postgres_url: str) -> Iterator[Busy]:
    world = World(postgres_url)
    yield _busy(world)
    world.close()


def _last_entry(world: World) -> dict[str, Any]:
    with world.engine.connect() as conn:
        row = conn.execute(select(t.ENTRIES).order_by(t.ENTRIES.c.idx.desc()).limit(1)).one()
    return {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row._mapping.items()}


def _new_entry(world: World, **changes: Any) -> dict[str, Any]:
    """A valid entry row at the end of the log, unlike any other (before `changes`)."""
    last = _last_entry(world)
    row = {
        **last,
        "idx": last["idx"] + 1,
        "record_id": secrets.token_hex(32),
        "nonce": secrets.token_urlsafe(16),
        "payreq": None,
        "ref_idx": None,
        "sig": secrets.token_bytes(64),
        "leaf_hash": secrets.token_bytes(32),
    }
    row.update(changes)
    return row


def _new_posting(busy: Busy, **changes: Any) -> dict[str, Any]:
    """A valid posting row: another leg of the last entry, between two real accounts."""
    row = {
        "entry": _last_entry(busy.world)["idx"],
        "leg": 7,
        "unit": busy.world.ledger.currency,
        "debit": busy.alice.number,
        "credit": busy.shop.number,
        "amount": 1,
    }
    row.update(changes)
    return row


# --- the migrations ---------------------------------------------------------------------------


def _differences(engine: Engine, metadata: MetaData) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_the_migrations_make_exactly_the_schema_of_the_tables_module(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert _differences(engine, t.Base.metadata) == []
    finally:
        engine.dispose()


def test_the_schema_comparison_notices_a_column_the_migrations_lack(db_url: str) -> None:
    """The control: a model that differs from the migrated database is told apart."""
    changed = MetaData(naming_convention=t.NAMING)
    for table in t.Base.metadata.sorted_tables:
        copy = table.to_metadata(changed)
        if table.name == "holders":
            copy.append_column(Column("birth_year", Integer, nullable=True))
    engine = make_engine(db_url)
    try:
        differences = _differences(engine, changed)
    finally:
        engine.dispose()
    assert [d[0] for d in differences] == ["add_column"]
    assert differences[0][3].name == "birth_year"


def test_the_migrations_go_down_to_nothing_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert _differences(engine, t.Base.metadata) == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, size FROM log_head")).all() == [(1, 0)]
    finally:
        engine.dispose()


# --- the log is append-only -------------------------------------------------------------------

LAST = "(SELECT max(idx) FROM entries)"
CHANGES = {
    "entries": f"UPDATE entries SET accepted = accepted + 1 WHERE idx = {LAST}",
    "postings": f"UPDATE postings SET amount = amount + 1 WHERE entry = {LAST}",
    "tree_nodes": "UPDATE tree_nodes SET hash = (SELECT leaf_hash FROM entries WHERE idx = 0)",
    "checkpoints": "UPDATE checkpoints SET note = 'forged'",
    "days": "UPDATE days SET date = '2026-03-12'",
    "admin_acts": "UPDATE admin_acts SET actor = 'nobody'",
}
# Entry 0 (genesis) has no postings and nothing refers to it: only the triggers protect it.
DELETIONS = {
    "entries": "DELETE FROM entries WHERE type = 'genesis'",
    "postings": "DELETE FROM postings",
    "tree_nodes": "DELETE FROM tree_nodes",
    "checkpoints": "DELETE FROM checkpoints",
    "days": "DELETE FROM days",
    "admin_acts": "DELETE FROM admin_acts",
}


@pytest.mark.parametrize("table", t.IMMUTABLE_TABLES)
def test_log_rows_cannot_be_updated(busy: Busy, table: str) -> None:
    refused(busy.world, CHANGES[table], why="append-only")


@pytest.mark.parametrize("table", t.IMMUTABLE_TABLES)
def test_log_rows_cannot_be_deleted(busy: Busy, table: str) -> None:
    refused(busy.world, DELETIONS[table], why="append-only")


@pytest.mark.parametrize("table", t.IMMUTABLE_TABLES)
def test_log_tables_cannot_be_truncated_on_postgresql(busy_postgres: Busy, table: str) -> None:
    busy = busy_postgres  # SQLite has no TRUNCATE (DELETE without WHERE is tested above)
    # CASCADE, or PostgreSQL would refuse a referenced table for that reason, not the trigger's.
    refused(busy.world, f"TRUNCATE {table} CASCADE", why="append-only")


@pytest.mark.parametrize("table", t.IMMUTABLE_TABLES)
def test_without_its_triggers_a_log_table_could_be_rewritten(busy: Busy, table: str) -> None:
    """The control: the triggers, not some other constraint, are what keep the log intact."""
    if _is_postgres(busy.world):
        drops = [f"DROP TRIGGER {table}_append_only ON {table}"]
    else:
        drops = [f"DROP TRIGGER {table}_no_update", f"DROP TRIGGER {table}_no_delete"]
    before = snapshot(busy.world.engine)
    with busy.world.engine.connect() as conn:
        transaction = conn.begin()
        for drop in drops:
            conn.execute(text(drop))
        assert conn.execute(text(CHANGES[table])).rowcount >= 1
        assert conn.execute(text(DELETIONS[table])).rowcount >= 1
        transaction.rollback()
    assert snapshot(busy.world.engine) == before


def test_every_log_table_holds_rows_for_the_append_only_tests(busy: Busy) -> None:
    rows = snapshot(busy.world.engine)
    assert all(rows[table] for table in t.IMMUTABLE_TABLES)


def test_log_rows_can_still_be_appended(busy: Busy) -> None:
    accepted_row(busy.world, "entries", _new_entry(busy.world))
    accepted_row(busy.world, "postings", _new_posting(busy))


# --- accounts -----------------------------------------------------------------------------


def test_an_account_update_that_would_overdraw_it_is_refused(busy: Busy) -> None:
    sql = "UPDATE accounts SET debits = credits + 1 WHERE number = :number"
    refused(busy.world, sql, {"number": busy.alice.number}, why="ck_accounts_no_overdraft")


def test_an_account_update_to_a_zero_balance_is_allowed(busy: Busy) -> None:
    """The control of the overdraft check (rolled back)."""
    before = snapshot(busy.world.engine)
    with busy.world.engine.connect() as conn:
        transaction = conn.begin()
        sql = "UPDATE accounts SET debits = credits WHERE number = :number"
        assert conn.execute(text(sql), {"number": busy.alice.number}).rowcount == 1
        transaction.rollback()
    assert snapshot(busy.world.engine) == before


def test_an_account_cannot_be_deleted(busy: Busy) -> None:
    # Accounts are closed, never deleted: postings (which have no foreign keys) refer to them.
    sql = "DELETE FROM accounts WHERE number = :number"
    why = "accounts are closed, never deleted"
    refused(busy.world, sql, {"number": busy.alice.number}, why=why)


def test_negative_account_totals_are_refused(busy: Busy) -> None:
    # `issuance` may be overdrawn (its balance is minus the circulation), but no total is < 0.
    for column in ("debits", "credits"):
        sql = f"UPDATE accounts SET {column} = -1 WHERE name = 'issuance'"
        refused(busy.world, sql, why="ck_accounts_totals_positive")


# --- postings -----------------------------------------------------------------------------


def test_a_posting_of_zero_is_refused(busy: Busy) -> None:
    accepted_row(busy.world, "postings", _new_posting(busy))
    for amount in (0, -1):
        row = _new_posting(busy, amount=amount)
        refused_row(busy.world, "postings", row, why="ck_postings_amount_positive")


def test_a_posting_from_an_account_to_itself_is_refused(busy: Busy) -> None:
    row = _new_posting(busy, credit=busy.alice.number)
    refused_row(busy.world, "postings", row, why="ck_postings_two_accounts")


@pytest.mark.parametrize("side", ["debit", "credit"])
def test_a_posting_to_an_unknown_account_is_refused(busy: Busy, side: str) -> None:
    row = _new_posting(busy, **{side: 99_999})
    refused_row(busy.world, "postings", row, why=f"the {side} account of a posting is unknown")


def test_a_posting_of_an_unknown_entry_is_refused(busy: Busy) -> None:
    row = _new_posting(busy, entry=_last_entry(busy.world)["idx"] + 1)
    refused_row(busy.world, "postings", row, why="the entry of a posting is unknown")


# --- entries and the log head -------------------------------------------------------------


@pytest.mark.parametrize("length", [63, 65, 0])
def test_an_entry_whose_signature_is_not_64_bytes_is_refused(busy: Busy, length: int) -> None:
    accepted_row(busy.world, "entries", _new_entry(busy.world))
    row = _new_entry(busy.world, sig=secrets.token_bytes(length))
    refused_row(busy.world, "entries", row, why="ck_entries_sig_length")


def test_an_entry_whose_leaf_hash_is_not_32_bytes_is_refused(busy: Busy) -> None:
    row = _new_entry(busy.world, leaf_hash=secrets.token_bytes(31))
    refused_row(busy.world, "entries", row, why="ck_entries_leaf_hash_length")


def test_an_entry_with_a_duplicate_record_id_is_refused(busy: Busy) -> None:
    row = _new_entry(busy.world, record_id=_last_entry(busy.world)["record_id"])
    refused_row(busy.world, "entries", row, why=("entries.record_id", "uq_entries_record_id"))


def test_an_entry_with_a_duplicate_kid_and_nonce_is_refused(busy: Busy) -> None:
    last = _last_entry(busy.world)
    assert last["nonce"] is not None
    row = _new_entry(busy.world, kid=last["kid"], nonce=last["nonce"])
    why = ("entries.kid, entries.nonce", "uq_entries_kid_nonce")
    refused_row(busy.world, "entries", row, why=why)


def test_the_same_nonce_under_another_kid_is_allowed(busy: Busy) -> None:
    last = _last_entry(busy.world)
    accepted_row(busy.world, "entries", _new_entry(busy.world, kid="00000000", nonce=last["nonce"]))


def test_an_entry_paying_an_already_paid_request_is_refused(busy: Busy) -> None:
    with busy.world.engine.connect() as conn:
        payreq = conn.execute(
            select(t.ENTRIES.c.payreq).where(t.ENTRIES.c.payreq.is_not(None))
        ).scalar_one()
    row = _new_entry(busy.world, payreq=payreq)
    refused_row(busy.world, "entries", row, why=("entries.payreq", "uq_entries_payreq"))


def test_an_entry_referencing_a_later_or_unknown_entry_is_refused(busy: Busy) -> None:
    row = _new_entry(busy.world)
    refused_row(busy.world, "entries", {**row, "ref_idx": row["idx"]}, why="ck_entries_ref_before")
    accepted_row(busy.world, "entries", {**row, "ref_idx": row["idx"] - 1})


def test_a_second_log_head_row_is_refused(busy: Busy) -> None:
    sql = "INSERT INTO log_head (id, size) VALUES (2, 0)"
    refused(busy.world, sql, why="ck_log_head_single_row")
    refused_row(busy.world, "log_head", {"id": 1, "size": 0}, why=("log_head.id", "pk_log_head"))
